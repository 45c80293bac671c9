//! The audit page's server function. Admins and viewers may read the log: entries never hold a
//! secret (the operations redact them before writing).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::audit::{AuditFilter, AuditLine, AuditPage};
use crate::error::ConsoleError;

/// One page of the log, newest first: entries matching `filter` older than the entry `before`
/// (the newest when None); `has_more` says whether older entries follow.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "audit/list")]
pub async fn list_audit(
    filter: AuditFilter,
    before: Option<i64>,
) -> Result<AuditPage<AuditLine>, ConsoleError> {
    use super::MAX_FILTER_CHARS;
    use crate::auth::{authorize, context, Permission};
    use crate::domain::audit::AUDIT_PAGE_SIZE;

    authorize(Permission::Read).await?;
    let cut = |text: &str| {
        text.trim()
            .chars()
            .take(MAX_FILTER_CHARS)
            .collect::<String>()
    };
    let filter = AuditFilter {
        property: cut(&filter.property),
        actor: cut(&filter.actor),
        action: cut(&filter.action),
        ..filter
    };
    Ok(context::store()?
        .audit_page(&filter, before, AUDIT_PAGE_SIZE)
        .await?
        .for_console())
}
