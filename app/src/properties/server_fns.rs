//! Server functions behind the property pages. Each one authorizes first and re-checks every rule:
//! the browser's checks are a convenience, never the gate.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::model::{ListResult, ListView, PropertyDetails, PropertySummary, SecretReset};
use crate::domain::bulk::{BulkChange, BulkTarget};
use crate::domain::features::Feature;
use crate::error::ConsoleError;

/// Cookie mirroring the "Rows per page" choice kept in local storage, so the server renders the
/// remembered page size on the first paint (no flash, no hydration mismatch).
pub const ROWS_COOKIE: &str = "gatehouse_rows";

#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/list")]
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

#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/summary")]
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
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/copy")]
pub async fn copy_property(
    source_id: String,
    name: String,
) -> Result<PropertySummary, ConsoleError> {
    use crate::auth::{console_actor, context};
    let actor = console_actor()?;
    let copy = crate::ops::properties::copy(&context::store()?, &actor, &source_id, &name).await?;
    Ok(copy.summary())
}

/// Deletes a property; owners are refused.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/delete")]
pub async fn delete_property(client_id: String) -> Result<(), ConsoleError> {
    use crate::auth::{console_actor, context};
    let actor = console_actor()?;
    crate::ops::properties::delete(&context::store()?, &actor, &client_id).await?;
    Ok(())
}

/// A property for the edit page: no secret (that travels only through [`reveal_client_secret`]).
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/details")]
pub async fn get_property_details(client_id: String) -> Result<PropertyDetails, ConsoleError> {
    use crate::auth::{authorize, context, Permission};

    authorize(Permission::Read).await?;
    let now = context::now();
    let store = context::store()?;
    let record = store
        .property(&client_id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    details(&store, &record, now).await
}

/// The application's global settings, shown read-only on the Create Property page.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/global-settings")]
pub async fn list_global_settings() -> Result<Vec<(String, String)>, ConsoleError> {
    use crate::auth::{authorize, context, Permission};

    authorize(Permission::Read).await?;
    Ok(context::store()?
        .global_settings()
        .await?
        .into_iter()
        .collect())
}

/// Create Property: name, features and whitelist, checked again by the operation whatever the
/// browser did. An empty whitelist becomes the default (any address).
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/create")]
pub async fn create_new_property(
    name: String,
    features: Vec<Feature>,
    whitelist: Vec<String>,
) -> Result<PropertySummary, ConsoleError> {
    use crate::auth::{console_actor, context};
    let actor = console_actor()?;
    let record =
        crate::ops::properties::create(&context::store()?, &actor, &name, &features, &whitelist)
            .await?;
    Ok(record.summary())
}

/// "Save changes": name, features and whitelist in one write, only if nobody changed the property
/// since the page loaded `version` (otherwise [`ConsoleError::Conflict`] and nothing is written).
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/save")]
pub async fn save_property_changes(
    client_id: String,
    version: i64,
    name: String,
    features: Vec<Feature>,
    whitelist: Vec<String>,
) -> Result<PropertyDetails, ConsoleError> {
    use crate::auth::{console_actor, context};
    let actor = console_actor()?;
    let store = context::store()?;
    let saved = crate::ops::properties::save(
        &store, &actor, &client_id, version, &name, &features, &whitelist,
    )
    .await?;
    details(&store, &saved, actor.now).await
}

/// The client secret, for the eye icon and the copy icon. The only way a secret reaches a browser
/// besides the answer to a reset; every reveal is an audit entry.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/secret")]
pub async fn reveal_client_secret(client_id: String) -> Result<String, ConsoleError> {
    use crate::auth::{console_actor, context};
    let actor = console_actor()?;
    Ok(crate::ops::properties::reveal_secret(&context::store()?, &actor, &client_id).await?)
}

/// "Reset Secret": a new secret; the current one stays valid for `hours` (0 to 168; 0 ends it now).
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/reset-secret")]
pub async fn reset_client_secret(
    client_id: String,
    hours: String,
) -> Result<SecretReset, ConsoleError> {
    use crate::auth::{console_actor, context};
    use crate::domain::secrets::parse_hours;
    use crate::ops::{Field, OpError};

    let actor = console_actor()?;
    let hours = parse_hours(&hours).map_err(|reason| OpError::invalid(Field::Hours, reason))?;
    let store = context::store()?;
    let secret = crate::ops::properties::reset_secret(&store, &actor, &client_id, hours).await?;
    let record = store
        .property(&client_id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    Ok(SecretReset {
        secret,
        details: details(&store, &record, actor.now).await?,
    })
}

/// "Expire now": the previous secret stops working at once.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/expire-previous-secret")]
pub async fn expire_previous_secret(client_id: String) -> Result<PropertyDetails, ConsoleError> {
    use crate::auth::{console_actor, context};
    let actor = console_actor()?;
    let store = context::store()?;
    crate::ops::properties::expire_previous_secret(&store, &actor, &client_id).await?;
    let record = store
        .property(&client_id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    details(&store, &record, actor.now).await
}

/// The property as the page shows it, with when its secrets were last used.
#[cfg(feature = "ssr")]
async fn details(
    store: &crate::store::Store,
    record: &crate::store::properties::PropertyRecord,
    now: i64,
) -> Result<PropertyDetails, ConsoleError> {
    let usage = store
        .secret_usage(&record.client_id, now)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    Ok(PropertyDetails {
        client_id: record.client_id.clone(),
        name: record.name.clone(),
        features: record.features.clone(),
        whitelist: record.whitelist.clone(),
        version: record.version,
        previous_secret_expires_at: record
            .live_previous_secret(now)
            .and(record.previous_secret_expires_at),
        usage,
        server_now: now,
    })
}

/// The field name of whitelist row `index` in a [`ConsoleError::Invalid`].
pub fn whitelist_field(index: usize) -> String {
    format!("whitelist.{index}")
}

/// What a bulk action selects, for its confirmation dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BulkCount {
    pub selected: usize,
    /// Owners among them (a delete skips them).
    pub owners: usize,
}

/// What a bulk action did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BulkResult {
    pub changed: usize,
    pub unchanged: usize,
    pub skipped_owners: usize,
}

/// How many properties a bulk selection holds, and how many are owners. Admins only.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/bulk-count")]
pub async fn count_bulk_selection(target: BulkTarget) -> Result<BulkCount, ConsoleError> {
    use crate::auth::{authorize, console_actor, context, Permission};
    authorize(Permission::Write).await?;
    let actor = console_actor()?;
    let (selected, owners) = crate::ops::bulk::count(&context::store()?, &actor, &target).await?;
    Ok(BulkCount { selected, owners })
}

/// A bulk action: one change to every selected property, in one write, all or nothing. Admins only.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/bulk")]
pub async fn apply_bulk_change(
    target: BulkTarget,
    change: BulkChange,
) -> Result<BulkResult, ConsoleError> {
    use crate::auth::{authorize, console_actor, context, Permission};
    authorize(Permission::Write).await?;
    let actor = console_actor()?;
    let outcome = crate::ops::bulk::apply(&context::store()?, &actor, &target, &change).await?;
    Ok(BulkResult {
        changed: outcome.changed,
        unchanged: outcome.unchanged,
        skipped_owners: outcome.skipped_owners,
    })
}
