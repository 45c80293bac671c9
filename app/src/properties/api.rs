//! Server functions behind the property pages. Each one authorizes first and re-checks every rule:
//! the browser's checks are a convenience, never the gate.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::model::{ListResult, ListView, PropertySummary};
use crate::error::ConsoleError;

/// Cookie mirroring the "Rows per page" choice kept in local storage, so the server renders the
/// remembered page size on the first paint (no flash, no hydration mismatch).
pub const ROWS_COOKIE: &str = "gatehouse_rows";

#[server(input = Json, prefix = "/api", endpoint = "properties/list")]
pub async fn list_properties(view: ListView) -> Result<ListResult, ConsoleError> {
    use super::model::{ListQuery, DEFAULT_PAGE_SIZE, MAX_SEARCH_CHARS, PAGE_SIZES};
    use crate::auth::{authorize, context, Permission};

    authorize(Permission::Read).await?;
    let store = context::store()?;
    let rows_per_page = view
        .rows
        .or_else(remembered_rows)
        .filter(|r| PAGE_SIZES.contains(r))
        .unwrap_or(DEFAULT_PAGE_SIZE);
    let mut query = ListQuery {
        search: view.search.trim().chars().take(MAX_SEARCH_CHARS).collect(),
        features: view.features.clone(),
        sort: view.sort,
        direction: view.direction,
        offset: 0,
        limit: rows_per_page,
    };
    let mut page = view.page.max(1);
    query.offset = (page - 1).saturating_mul(u64::from(rows_per_page));
    let mut result = store.list_properties(&query).await?;
    // A page past the end (after deletes, or an old link) shows the last page instead of nothing.
    if result.rows.is_empty() && result.total > 0 {
        page = result.total.div_ceil(u64::from(rows_per_page));
        query.offset = (page - 1) * u64::from(rows_per_page);
        result = store.list_properties(&query).await?;
    }
    Ok(ListResult {
        rows: result.rows,
        total: result.total,
        page,
        rows_per_page,
    })
}

/// The page size remembered in the request's cookie, if any.
#[cfg(feature = "ssr")]
fn remembered_rows() -> Option<u32> {
    let parts = use_context::<http::request::Parts>()?;
    crate::auth::session::cookie_value(&parts.headers, ROWS_COOKIE)?
        .parse()
        .ok()
}

#[server(prefix = "/api", endpoint = "properties/summary")]
pub async fn get_property_summary(client_id: String) -> Result<PropertySummary, ConsoleError> {
    use crate::auth::{authorize, context, Permission};

    authorize(Permission::Read).await?;
    let record = context::store()?
        .property(&client_id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    Ok(record.summary())
}

/// Copies a property (features, whitelist, settings) under a new name; new id and secret.
#[server(prefix = "/api", endpoint = "properties/copy")]
pub async fn copy_property(
    source_id: String,
    name: String,
) -> Result<PropertySummary, ConsoleError> {
    use crate::auth::{authorize, context, Permission};
    use crate::domain::names::validate_name;

    let principal = authorize(Permission::Write).await?;
    let name =
        validate_name(&name).map_err(|e| ConsoleError::invalid("name", capitalize(&e.reason())))?;
    let store = context::store()?;
    let copy = store
        .copy_property(&source_id, &name, context::now())
        .await?;
    tracing::info!(source = %source_id, copy = %copy.client_id, by = %principal.username, "property copied in the console");
    Ok(copy.summary())
}

/// Deletes a property; owners are refused.
#[server(prefix = "/api", endpoint = "properties/delete")]
pub async fn delete_property(client_id: String) -> Result<(), ConsoleError> {
    use crate::auth::{authorize, context, Permission};
    use crate::store::properties::DeleteOutcome;

    let principal = authorize(Permission::Write).await?;
    match context::store()?.delete_property(&client_id).await? {
        DeleteOutcome::Deleted => {
            tracing::info!(client_id, by = %principal.username, "property deleted in the console");
            Ok(())
        }
        DeleteOutcome::IsOwner => Err(ConsoleError::invalid(
            "delete",
            "This property has the owner feature. Owner properties cannot be deleted.",
        )),
    }
}

/// Domain reasons are written to follow "X was not valid for the following reason:"; the console
/// shows them as sentences.
pub fn capitalize(reason: &str) -> String {
    let mut chars = reason.chars();
    match chars.next() {
        Some(first) => {
            let mut sentence: String = first.to_uppercase().chain(chars).collect();
            if !sentence.ends_with('.') {
                sentence.push('.');
            }
            sentence
        }
        None => String::new(),
    }
}
