//! Server functions behind the settings pages. Each one authorizes first and checks every key and
//! value again: the browser's checks are a convenience, never the gate.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::model::{SavedSettings, SettingsSnapshot};
use crate::domain::settings_edit::SettingChange;
use crate::error::ConsoleError;

/// A settings page: a property's (`client_id`) or, without one, the application's. Both pages are
/// one island, so they share one function to load and one to save.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "settings")]
pub async fn get_settings(client_id: Option<String>) -> Result<SettingsSnapshot, ConsoleError> {
    use crate::auth::{authorize, context, Permission};

    authorize(Permission::Read).await?;
    snapshot(&context::store()?, client_id.as_deref()).await
}

/// "Save Changes" on a settings page: all changes in one transaction, or none. Deleting a global
/// key on the application page leaves the properties' own values of that key in place.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "settings/save")]
pub async fn save_settings(
    client_id: Option<String>,
    changes: Vec<SettingChange>,
) -> Result<SavedSettings, ConsoleError> {
    use crate::ops::settings::Target;
    let target = match &client_id {
        Some(id) => Target::Property(id),
        None => Target::Global,
    };
    let (store, diff) = apply_changes(target, &changes).await?;
    Ok(SavedSettings {
        diff,
        snapshot: snapshot(&store, client_id.as_deref()).await?,
    })
}

/// One save of either page, through the operation (which checks, authorizes and audits it).
#[cfg(feature = "ssr")]
async fn apply_changes(
    target: crate::ops::settings::Target<'_>,
    changes: &[SettingChange],
) -> Result<
    (
        crate::store::Store,
        crate::domain::settings_edit::SettingsDiff,
    ),
    ConsoleError,
> {
    use crate::auth::{console_actor, context};
    let actor = console_actor()?;
    let store = context::store()?;
    let diff = crate::ops::settings::apply_changes(&store, &actor, target, changes).await?;
    Ok((store, diff))
}

#[cfg(feature = "ssr")]
async fn snapshot(
    store: &crate::store::Store,
    client_id: Option<&str>,
) -> Result<SettingsSnapshot, ConsoleError> {
    match client_id {
        Some(id) => property_snapshot(store, id).await,
        None => application_snapshot(store).await,
    }
}

#[cfg(feature = "ssr")]
async fn property_snapshot(
    store: &crate::store::Store,
    client_id: &str,
) -> Result<SettingsSnapshot, ConsoleError> {
    use super::model::{merge_rows, PropertyRef};

    let record = store
        .property(client_id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let own = store.property_settings(client_id).await?;
    let global = store.global_settings().await?;
    Ok(SettingsSnapshot {
        property: Some(PropertyRef {
            client_id: record.client_id,
            name: record.name,
        }),
        rows: merge_rows(&own, &global),
    })
}

#[cfg(feature = "ssr")]
async fn application_snapshot(
    store: &crate::store::Store,
) -> Result<SettingsSnapshot, ConsoleError> {
    use super::model::SettingRow;

    let global = store.global_settings().await?;
    let keys: Vec<String> = global.keys().cloned().collect();
    let overrides = store.override_counts(&keys).await?;
    Ok(SettingsSnapshot {
        property: None,
        rows: global
            .into_iter()
            .map(|(key, value)| SettingRow {
                overrides: overrides.get(&key).copied().unwrap_or(0),
                key,
                property: None,
                global: Some(value),
            })
            .collect(),
    })
}
