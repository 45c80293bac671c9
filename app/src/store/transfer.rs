//! SQL for export and import: every property's exportable state (no secret) and every setting,
//! read in one consistent snapshot.

use std::collections::HashMap;

use sqlx::{Row, SqliteConnection};

use super::properties::{features_from_bits, stored_whitelist};
use super::settings::SettingsMap;
use super::{Store, StoreError, Write};
use crate::domain::transfer::PropertyState;

/// The global settings and every property with its own settings, by client id. Secrets are not
/// even read.
async fn read_state(
    conn: &mut SqliteConnection,
) -> Result<(SettingsMap, Vec<PropertyState>), StoreError> {
    let global: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM global_settings ORDER BY key")
            .fetch_all(&mut *conn)
            .await?;
    let mut settings: HashMap<String, SettingsMap> = HashMap::new();
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT client_id, key, value FROM property_settings")
            .fetch_all(&mut *conn)
            .await?;
    for (client_id, key, value) in rows {
        settings.entry(client_id).or_default().insert(key, value);
    }
    let properties = sqlx::query(
        "SELECT client_id, name, features, whitelist FROM properties ORDER BY client_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        let client_id: String = row.try_get("client_id")?;
        let whitelist: String = row.try_get("whitelist")?;
        Ok(PropertyState {
            name: row.try_get("name")?,
            features: features_from_bits(row.try_get("features")?),
            whitelist: stored_whitelist(&client_id, &whitelist),
            settings: settings.remove(&client_id).unwrap_or_default(),
            client_id,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((global.into_iter().collect(), properties))
}

impl Store {
    /// The state to export, read in one read transaction (a snapshot, also while the server
    /// writes).
    pub async fn transfer_state(&self) -> Result<(SettingsMap, Vec<PropertyState>), StoreError> {
        let mut tx = self.pool.begin().await?;
        let state = read_state(&mut tx).await?;
        tx.rollback().await?;
        Ok(state)
    }
}

impl Write {
    /// The state an import is planned against, inside this write.
    pub async fn transfer_state(
        &mut self,
    ) -> Result<(SettingsMap, Vec<PropertyState>), StoreError> {
        read_state(&mut self.tx).await
    }
}
