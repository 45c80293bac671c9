//! Server functions behind the settings pages. Each one authorizes first and checks every key and
//! value again: the browser's checks are a convenience, never the gate.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::model::{SavedSettings, SettingsSnapshot};
use crate::domain::settings_edit::SettingChange;
use crate::error::ConsoleError;

/// Most changes one "Save Changes" may carry; far beyond any real page.
pub const MAX_CHANGES: usize = 1000;

#[server(prefix = "/api", endpoint = "settings/property")]
pub async fn get_property_settings(client_id: String) -> Result<SettingsSnapshot, ConsoleError> {
    use crate::auth::{authorize, context, Permission};

    authorize(Permission::Read).await?;
    property_snapshot(&context::store()?, &client_id).await
}

/// "Save Changes" on a property's settings: all changes in one transaction, or none.
#[server(input = Json, prefix = "/api", endpoint = "settings/property/save")]
pub async fn save_property_settings(
    client_id: String,
    changes: Vec<SettingChange>,
) -> Result<SavedSettings, ConsoleError> {
    use crate::auth::{authorize, Permission};
    use crate::store::settings::Scope;

    let principal = authorize(Permission::Write).await?;
    let (store, diff) = apply_changes(&principal, Scope::Property(&client_id), &changes).await?;
    Ok(SavedSettings {
        diff,
        snapshot: property_snapshot(&store, &client_id).await?,
    })
}

#[server(prefix = "/api", endpoint = "settings/application")]
pub async fn get_application_settings() -> Result<SettingsSnapshot, ConsoleError> {
    use crate::auth::{authorize, context, Permission};

    authorize(Permission::Read).await?;
    application_snapshot(&context::store()?).await
}

/// "Save Changes" on the application settings: all changes in one transaction, or none. Deleting
/// a global key leaves the properties' own values of that key in place.
#[server(input = Json, prefix = "/api", endpoint = "settings/application/save")]
pub async fn save_application_settings(
    changes: Vec<SettingChange>,
) -> Result<SavedSettings, ConsoleError> {
    use crate::auth::{authorize, Permission};
    use crate::store::settings::Scope;

    let principal = authorize(Permission::Write).await?;
    let (store, diff) = apply_changes(&principal, Scope::Global, &changes).await?;
    Ok(SavedSettings {
        diff,
        snapshot: application_snapshot(&store).await?,
    })
}

/// Checks and stores one save of either page, and logs who changed how much (never the values).
#[cfg(feature = "ssr")]
async fn apply_changes(
    principal: &crate::auth::Principal,
    scope: crate::store::settings::Scope<'_>,
    changes: &[SettingChange],
) -> Result<
    (
        crate::store::Store,
        crate::domain::settings_edit::SettingsDiff,
    ),
    ConsoleError,
> {
    use crate::auth::context;
    use crate::store::settings::Scope;

    check_changes(changes)?;
    let store = context::store()?;
    let diff = store
        .apply_setting_changes(scope, changes, context::now())
        .await?;
    let scope = match scope {
        Scope::Global => "application",
        Scope::Property(client_id) => client_id,
    };
    tracing::info!(
        scope,
        by = %principal.username,
        added = diff.added,
        changed = diff.changed,
        removed = diff.removed,
        "settings changed in the console"
    );
    Ok((store, diff))
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

/// Refuses a save with a bad key or value, naming the key (the page shows the message on its row).
#[cfg(feature = "ssr")]
fn check_changes(changes: &[SettingChange]) -> Result<(), ConsoleError> {
    use crate::domain::capitalize;
    use crate::domain::setting_keys::{validate_key, validate_value};

    if changes.len() > MAX_CHANGES {
        return Err(ConsoleError::invalid(
            "settings",
            format!("Save at most {MAX_CHANGES} changes at a time."),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for change in changes {
        validate_key(&change.key).map_err(|e| {
            ConsoleError::invalid(&change.key, format!("Key: {}", capitalize(&e.reason())))
        })?;
        if !seen.insert(change.key.as_str()) {
            return Err(ConsoleError::invalid(
                &change.key,
                "This key appears twice; keep one row per key.",
            ));
        }
        if let Some(value) = &change.new {
            validate_value(value)
                .map_err(|e| ConsoleError::invalid(&change.key, capitalize(&e.reason())))?;
        }
    }
    Ok(())
}
