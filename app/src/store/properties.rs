//! SQL for properties (API clients): create, copy, read, list, change, reset secret, delete.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};

use super::list_index::{IndexPage, IndexQuery, ListChange, ListEntry, ListIndex};
use super::sealed::{MasterKey, Secret};
use super::{Store, StoreError, Write};
use crate::domain::features::Feature;
use crate::domain::listing::{ListPage, ListQuery, PropertySummary, SortColumn, SortDirection};
use crate::domain::names::name_key;
use crate::domain::tokens::token_from_random;
use crate::domain::whitelist::{self, default_whitelist};

/// A property as stored, secrets included. Server side only: never sent to a browser as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyRecord {
    pub client_id: String,
    pub name: String,
    pub client_secret: Secret,
    pub previous_secret: Option<Secret>,
    pub previous_secret_expires_at: Option<i64>,
    /// Counts the resets: uses are recorded against a generation (see `domain::usage`).
    pub secret_generation: i64,
    pub features: Vec<Feature>,
    pub whitelist: Vec<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl PropertyRecord {
    /// The previous secret, if it still authenticates at `now`.
    pub fn live_previous_secret(&self, now: i64) -> Option<&str> {
        match (&self.previous_secret, self.previous_secret_expires_at) {
            (Some(secret), Some(expires)) if now < expires => Some(secret.expose()),
            _ => None,
        }
    }

    pub fn is_owner(&self) -> bool {
        self.features.contains(&Feature::Owner)
    }

    pub fn summary(&self) -> PropertySummary {
        PropertySummary {
            client_id: self.client_id.clone(),
            name: self.name.clone(),
            features: self.features.clone(),
        }
    }
}

/// Properties read to authenticate API calls, kept briefly so a busy client costs one query per
/// call instead of two. Every write through the store evicts the property at once; the short
/// lifetime bounds how long a change made by another process (`gatehouse owner reset-secret`)
/// takes to apply.
#[derive(Debug, Default)]
pub struct CredentialCache {
    entries: Mutex<CacheEntries>,
}

#[derive(Debug, Default)]
struct CacheEntries {
    records: HashMap<String, (PropertyRecord, Instant)>,
    /// Counts evictions. A record read before an eviction is not cached after it: a write commits,
    /// then evicts, so a reader that raced the write cannot put the old record back.
    evictions: u64,
}

impl CredentialCache {
    pub const LIFETIME: Duration = Duration::from_secs(1);
    const MAX_ENTRIES: usize = 10_000;

    fn get(&self, client_id: &str) -> Option<PropertyRecord> {
        let entries = self.entries.lock().ok()?;
        entries
            .records
            .get(client_id)
            .filter(|(_, at)| at.elapsed() < Self::LIFETIME)
            .map(|(record, _)| record.clone())
    }

    /// Where the eviction count stands before a read from the database.
    fn evictions(&self) -> u64 {
        self.entries.lock().map(|e| e.evictions).unwrap_or(u64::MAX)
    }

    /// Caches `record`, read when the eviction count was `evictions_before_read`, unless a write
    /// evicted anything since.
    fn put(&self, record: &PropertyRecord, evictions_before_read: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.evictions != evictions_before_read {
                return;
            }
            if entries.records.len() >= Self::MAX_ENTRIES {
                entries.records.clear();
            }
            entries
                .records
                .insert(record.client_id.clone(), (record.clone(), Instant::now()));
        }
    }

    pub(super) fn forget(&self, client_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.records.remove(client_id);
            entries.evictions = entries.evictions.wrapping_add(1);
        }
    }
}

/// A client as the Capture API lists it (`/clients/list`), field names as on the wire.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ApiClient {
    pub client_id: String,
    pub client_secret: String,
    pub description: String,
    pub features: Vec<Feature>,
    pub whitelist: Vec<String>,
}

/// What a new property starts with. The name must already be validated.
#[derive(Clone, Debug)]
pub struct NewProperty {
    pub name: String,
    pub features: Vec<Feature>,
    pub whitelist: Vec<String>,
}

/// Features are stored as a bit set, one bit per position in [`Feature::ALL`].
pub fn feature_bits(features: &[Feature]) -> i64 {
    features.iter().fold(0, |bits, f| bits | feature_bit(*f))
}

fn feature_bit(feature: Feature) -> i64 {
    let index = Feature::ALL.iter().position(|f| *f == feature).unwrap_or(0);
    1 << index
}

pub fn features_from_bits(bits: i64) -> Vec<Feature> {
    Feature::ALL
        .into_iter()
        .filter(|f| bits & feature_bit(*f) != 0)
        .collect()
}

/// A fresh 32-character id or secret from the thread CSPRNG.
pub fn new_token() -> String {
    token_from_random(|buf| rand::rng().fill_bytes(buf))
}

const RECORD_COLUMNS: &str =
    "client_id, name, client_secret, previous_secret, previous_secret_expires_at, \
     secret_generation, features, whitelist, version, created_at, updated_at";

fn record_from_row(key: &MasterKey, row: &SqliteRow) -> Result<PropertyRecord, StoreError> {
    let whitelist_json: String = row.try_get("whitelist")?;
    let client_id: String = row.try_get("client_id")?;
    let previous: Option<String> = row.try_get("previous_secret")?;
    Ok(PropertyRecord {
        client_secret: key.open(&client_id, &row.try_get::<String, _>("client_secret")?)?,
        previous_secret: previous.map(|p| key.open(&client_id, &p)).transpose()?,
        client_id,
        name: row.try_get("name")?,
        previous_secret_expires_at: row.try_get("previous_secret_expires_at")?,
        secret_generation: row.try_get("secret_generation")?,
        features: features_from_bits(row.try_get("features")?),
        whitelist: stored_whitelist(&row.try_get::<String, _>("client_id")?, &whitelist_json),
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Decodes a stored whitelist; one that cannot be read allows nobody and is logged as an error.
pub(super) fn stored_whitelist(client_id: &str, json: &str) -> Vec<String> {
    whitelist::decode_stored(json).unwrap_or_else(|(fallback, why)| {
        tracing::error!(client_id, why, "stored whitelist is unreadable; the client is denied every address until it is set again");
        fallback
    })
}

/// Maps a UNIQUE violation on the name to [`StoreError::NameTaken`].
fn name_clash(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::Database(db)
            if db.is_unique_violation() && db.message().contains("name_key") =>
        {
            StoreError::NameTaken
        }
        _ => StoreError::Database(error),
    }
}

/// Turns "no row was updated" into the right error: the property is gone.
fn require_one(rows_affected: u64) -> Result<(), StoreError> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

impl Store {
    pub async fn property(&self, client_id: &str) -> Result<Option<PropertyRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM properties WHERE client_id = ?"
        ))
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|row| record_from_row(&self.key, row))
            .transpose()
    }

    /// The property for authenticating an API call: from the credential cache when fresh.
    pub async fn property_for_auth(
        &self,
        client_id: &str,
    ) -> Result<Option<PropertyRecord>, StoreError> {
        if let Some(record) = self.credentials.get(client_id) {
            return Ok(Some(record));
        }
        let evictions = self.credentials.evictions();
        let record = self.property(client_id).await?;
        if let Some(record) = &record {
            self.credentials.put(record, evictions);
        }
        Ok(record)
    }

    /// Every property having any of `any_of` (all properties when empty), by id. For `/clients/list`.
    pub async fn properties_with_features(
        &self,
        any_of: &[Feature],
    ) -> Result<Vec<PropertyRecord>, StoreError> {
        let mask = feature_bits(any_of);
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM properties WHERE ?1 = 0 OR (features & ?1) != 0 ORDER BY client_id"
        ))
        .bind(mask)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| record_from_row(&self.key, row))
            .collect()
    }

    /// What `/clients/list` returns for every client having any of `any_of` (all when empty), by
    /// id: only the five columns it needs, so the busiest owner call stays cheap.
    pub async fn api_clients(&self, any_of: &[Feature]) -> Result<Vec<ApiClient>, StoreError> {
        let rows = sqlx::query(
            "SELECT client_id, client_secret, name, features, whitelist FROM properties \
             WHERE ?1 = 0 OR (features & ?1) != 0 ORDER BY client_id",
        )
        .bind(feature_bits(any_of))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| -> Result<ApiClient, StoreError> {
                let whitelist: String = row.try_get("whitelist")?;
                let client_id: String = row.try_get("client_id")?;
                Ok(ApiClient {
                    client_secret: self
                        .key
                        .open(&client_id, &row.try_get::<String, _>("client_secret")?)?
                        .expose()
                        .to_string(),
                    description: row.try_get("name")?,
                    features: features_from_bits(row.try_get("features")?),
                    whitelist: stored_whitelist(&client_id, &whitelist),
                    client_id,
                })
            })
            .collect()
    }

    /// One page of the Manage Properties list with the total count. The list index picks the
    /// page's ids (search, filter, sort and count in memory); their rows come from the database.
    pub async fn list_properties(&self, query: &ListQuery) -> Result<ListPage, StoreError> {
        let page = self.index_page(query).await?;
        let mut rows: HashMap<String, PropertySummary> = sqlx::query(
            "SELECT client_id, name, features FROM properties \
             WHERE client_id IN (SELECT value FROM json_each(?))",
        )
        .bind(json_array(&page.client_ids))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let summary = PropertySummary {
                client_id: row.try_get("client_id")?,
                name: row.try_get("name")?,
                features: features_from_bits(row.try_get("features")?),
            };
            Ok((summary.client_id.clone(), summary))
        })
        .collect::<Result<_, sqlx::Error>>()?;
        Ok(ListPage {
            // A property deleted since the index was read is left out.
            rows: page
                .client_ids
                .iter()
                .filter_map(|id| rows.remove(id))
                .collect(),
            total: page.total,
            offset: query.offset,
        })
    }

    /// The id of every property a list view's search and feature filter match, in id order: what
    /// "all matching" means for bulk actions and exports, in one pass over the index.
    pub async fn matching_client_ids(
        &self,
        search: &str,
        features: &[Feature],
    ) -> Result<Vec<String>, StoreError> {
        let every_match = ListQuery {
            search: search.to_string(),
            features: features.to_vec(),
            sort: SortColumn::Id,
            direction: SortDirection::Ascending,
            offset: 0,
            limit: u32::MAX,
        };
        Ok(self.index_page(&every_match).await?.client_ids)
    }

    /// The ids of one page of `query` and its total, from the list index (loaded if need be).
    async fn index_page(&self, query: &ListQuery) -> Result<IndexPage, StoreError> {
        self.load_list_index().await?;
        let list = self.list.clone();
        let search = name_key(&query.search);
        let features = u8::try_from(feature_bits(&query.features)).unwrap_or(u8::MAX);
        let (sort, direction, offset, limit) =
            (query.sort, query.direction, query.offset, query.limit);
        // A pass over a million properties takes tens of milliseconds: off the async workers.
        tokio::task::spawn_blocking(move || {
            let index = list
                .index
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            index.page(&IndexQuery {
                search: &search,
                features,
                sort,
                direction,
                offset,
                limit,
            })
        })
        .await
        .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))
    }

    /// The memory the list index holds, in bytes.
    pub fn list_index_bytes(&self) -> usize {
        self.list
            .index
            .read()
            .map(|index| index.heap_bytes())
            .unwrap_or(0)
    }

    /// Loads the list index if it is not current (first use, or after an interrupted commit).
    /// The server calls it at start so the first list view does not wait.
    pub async fn load_list_index(&self) -> Result<(), StoreError> {
        if self.list.is_current() {
            return Ok(());
        }
        // Commits wait meanwhile, so none lands between the read and the index taking it.
        let _turn = self.list.turn.lock().await;
        if self.list.is_current() {
            return Ok(());
        }
        // 10,000 rows at a time, straight into the index: a million rows fetched at once would
        // hold hundreds of MB of row buffers that the allocator keeps afterwards.
        let mut index = ListIndex::default();
        let mut after: i64 = 0;
        loop {
            // In table order (rowid): sequential pages, not a lookup per row.
            let chunk = sqlx::query(
                "SELECT rowid, client_id, name_key, features FROM properties WHERE rowid > ? \
                 ORDER BY rowid LIMIT 10000",
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            for row in &chunk {
                index.push_unsorted(&list_entry(row)?);
                after = row.try_get("rowid")?;
            }
            if chunk.len() < 10_000 {
                break;
            }
        }
        let index = tokio::task::spawn_blocking(move || {
            index.sort();
            index
        })
        .await
        .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?;
        self.list.replace(index);
        Ok(())
    }

    /// The oldest owner, if any (first start and `gatehouse owner reset-secret`).
    pub async fn first_owner(&self) -> Result<Option<PropertyRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM properties WHERE (features & ?) != 0 ORDER BY created_at, rowid LIMIT 1"
        ))
        .bind(feature_bit(Feature::Owner))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|row| record_from_row(&self.key, row))
            .transpose()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    /// Nothing deleted: owners cannot be deleted.
    IsOwner,
}

fn list_entry(row: &SqliteRow) -> Result<ListEntry, sqlx::Error> {
    Ok(ListEntry {
        client_id: row.try_get::<String, _>("client_id")?.into(),
        name_key: row.try_get::<String, _>("name_key")?.into(),
        features: u8::try_from(row.try_get::<i64, _>("features")?).unwrap_or(0),
    })
}

/// The list's view of `client_ids` as they are inside a write (a missing one was deleted), for
/// the list index once the write commits.
pub(super) async fn list_rows(
    tx: &mut sqlx::Transaction<'static, Sqlite>,
    client_ids: &[String],
) -> Result<Vec<ListChange>, StoreError> {
    let mut rows: HashMap<String, ListEntry> = sqlx::query(
        "SELECT client_id, name_key, features FROM properties \
             WHERE client_id IN (SELECT value FROM json_each(?))",
    )
    .bind(json_array(client_ids))
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| list_entry(row).map(|entry| (entry.client_id.to_string(), entry)))
    .collect::<Result<_, sqlx::Error>>()?;
    let mut seen = std::collections::HashSet::new();
    Ok(client_ids
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .map(|id| (id.clone(), rows.remove(id)))
        .collect())
}

fn json_array(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// Runs one write of the store's own: begin, `change`, commit. For callers that need no audit
/// entry (tests, first start, benchmarks); the operations compose [`Write`] themselves.
macro_rules! one_write {
    ($store:expr, |$w:ident| $body:expr) => {{
        let mut $w = $store.write().await?;
        let result = $body;
        $w.commit().await?;
        Ok(result)
    }};
}

impl Store {
    pub async fn create_property(
        &self,
        new: NewProperty,
        now: i64,
    ) -> Result<PropertyRecord, StoreError> {
        one_write!(self, |w| w.create_property(&new, now).await?)
    }

    /// Creates many properties in one transaction (imports, benchmarks); all or nothing.
    pub async fn create_properties(
        &self,
        batch: &[NewProperty],
        now: i64,
    ) -> Result<Vec<PropertyRecord>, StoreError> {
        one_write!(self, |w| {
            let mut records = Vec::with_capacity(batch.len());
            for new in batch {
                records.push(w.create_property(new, now).await?);
            }
            records
        })
    }

    pub async fn copy_property(
        &self,
        source_id: &str,
        name: &str,
        now: i64,
    ) -> Result<PropertyRecord, StoreError> {
        one_write!(self, |w| w.copy_property(source_id, name, now).await?)
    }

    pub async fn rename_property(
        &self,
        client_id: &str,
        name: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        one_write!(self, |w| w.rename_property(client_id, name, now).await?)
    }

    pub async fn set_features(
        &self,
        client_id: &str,
        features: &[Feature],
        now: i64,
    ) -> Result<(), StoreError> {
        one_write!(self, |w| w.set_features(client_id, features, now).await?)
    }

    pub async fn set_whitelist(
        &self,
        client_id: &str,
        whitelist: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        one_write!(self, |w| w.set_whitelist(client_id, whitelist, now).await?)
    }

    pub async fn update_property(
        &self,
        client_id: &str,
        expected_version: i64,
        name: &str,
        features: &[Feature],
        whitelist: &[String],
        now: i64,
    ) -> Result<i64, StoreError> {
        one_write!(self, |w| w
            .update_property(client_id, expected_version, name, features, whitelist, now)
            .await?)
    }

    pub async fn reset_secret(
        &self,
        client_id: &str,
        grace_seconds: i64,
        now: i64,
    ) -> Result<String, StoreError> {
        one_write!(self, |w| w
            .reset_secret(client_id, grace_seconds, now)
            .await?)
    }

    pub async fn expire_previous_secret(
        &self,
        client_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        one_write!(self, |w| w.expire_previous_secret(client_id, now).await?)
    }

    pub async fn delete_property(&self, client_id: &str) -> Result<DeleteOutcome, StoreError> {
        one_write!(self, |w| w.delete_property(client_id).await?)
    }
}

impl Write {
    /// The property as it is inside this transaction.
    pub async fn property(
        &mut self,
        client_id: &str,
    ) -> Result<Option<PropertyRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM properties WHERE client_id = ?"
        ))
        .bind(client_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref()
            .map(|row| record_from_row(&self.key, row))
            .transpose()
    }

    /// Inserts a new property with a fresh id and secret. The name must already be validated; an
    /// empty whitelist becomes the default.
    pub async fn create_property(
        &mut self,
        new: &NewProperty,
        now: i64,
    ) -> Result<PropertyRecord, StoreError> {
        let whitelist = if new.whitelist.is_empty() {
            default_whitelist()
        } else {
            new.whitelist.clone()
        };
        let record = PropertyRecord {
            client_id: new_token(),
            name: new.name.clone(),
            client_secret: Secret::new(new_token()),
            previous_secret: None,
            previous_secret_expires_at: None,
            secret_generation: 0,
            features: crate::domain::features::normalize(&new.features),
            whitelist,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        sqlx::query(
            "INSERT INTO properties (client_id, name, name_key, client_secret, features, whitelist, version, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
        )
        .bind(&record.client_id)
        .bind(&record.name)
        .bind(name_key(&record.name))
        .bind(self.key.seal(&record.client_id, record.client_secret.expose()))
        .bind(feature_bits(&record.features))
        .bind(whitelist_json(&record.whitelist))
        .bind(now)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .map_err(name_clash)?;
        self.changed(&record.client_id);
        Ok(record)
    }

    /// A new property with the source's features, whitelist and property settings, and a new id
    /// and secret.
    pub async fn copy_property(
        &mut self,
        source_id: &str,
        name: &str,
        now: i64,
    ) -> Result<PropertyRecord, StoreError> {
        let client_id = new_token();
        let inserted = sqlx::query(
            "INSERT INTO properties (client_id, name, name_key, client_secret, features, whitelist, version, \
             created_at, updated_at) SELECT ?, ?, ?, ?, features, whitelist, 1, ?, ? FROM properties WHERE client_id = ?",
        )
        .bind(&client_id)
        .bind(name)
        .bind(name_key(name))
        .bind(self.key.seal(&client_id, &new_token()))
        .bind(now)
        .bind(now)
        .bind(source_id)
        .execute(&mut *self.tx)
        .await
        .map_err(name_clash)?;
        require_one(inserted.rows_affected())?;
        self.changed(&client_id);
        sqlx::query(
            "INSERT INTO property_settings (client_id, key, value, updated_at) \
             SELECT ?, key, value, ? FROM property_settings WHERE client_id = ?",
        )
        .bind(&client_id)
        .bind(now)
        .bind(source_id)
        .execute(&mut *self.tx)
        .await?;
        self.property(&client_id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn rename_property(
        &mut self,
        client_id: &str,
        name: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let result = sqlx::query(
            "UPDATE properties SET name = ?, name_key = ?, version = version + 1, updated_at = ? WHERE client_id = ?",
        )
        .bind(name)
        .bind(name_key(name))
        .bind(now)
        .bind(client_id)
        .execute(&mut *self.tx)
        .await
        .map_err(name_clash)?;
        self.changed(client_id);
        require_one(result.rows_affected())
    }

    pub async fn set_features(
        &mut self,
        client_id: &str,
        features: &[Feature],
        now: i64,
    ) -> Result<(), StoreError> {
        let result = sqlx::query(
            "UPDATE properties SET features = ?, version = version + 1, updated_at = ? WHERE client_id = ?",
        )
        .bind(feature_bits(features))
        .bind(now)
        .bind(client_id)
        .execute(&mut *self.tx)
        .await?;
        self.changed(client_id);
        require_one(result.rows_affected())
    }

    pub async fn set_whitelist(
        &mut self,
        client_id: &str,
        whitelist: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        let result = sqlx::query(
            "UPDATE properties SET whitelist = ?, version = version + 1, updated_at = ? WHERE client_id = ?",
        )
        .bind(whitelist_json(whitelist))
        .bind(now)
        .bind(client_id)
        .execute(&mut *self.tx)
        .await?;
        self.changed(client_id);
        require_one(result.rows_affected())
    }

    /// Name, features and whitelist in one write, only if nobody changed the property since
    /// `expected_version` was read (the console's "Save changes"). Returns the new version.
    pub async fn update_property(
        &mut self,
        client_id: &str,
        expected_version: i64,
        name: &str,
        features: &[Feature],
        whitelist: &[String],
        now: i64,
    ) -> Result<i64, StoreError> {
        let result = sqlx::query(
            "UPDATE properties SET name = ?, name_key = ?, features = ?, whitelist = ?, version = version + 1, \
             updated_at = ? WHERE client_id = ? AND version = ?",
        )
        .bind(name)
        .bind(name_key(name))
        .bind(feature_bits(features))
        .bind(whitelist_json(whitelist))
        .bind(now)
        .bind(client_id)
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await
        .map_err(name_clash)?;
        self.changed(client_id);
        if result.rows_affected() == 0 {
            return match self.property(client_id).await? {
                Some(_) => Err(StoreError::VersionConflict),
                None => Err(StoreError::NotFound),
            };
        }
        Ok(expected_version + 1)
    }

    /// Gives the property a new secret. The current one keeps working for `grace_seconds`
    /// (0: it stops at once). Returns the new secret.
    pub async fn reset_secret(
        &mut self,
        client_id: &str,
        grace_seconds: i64,
        now: i64,
    ) -> Result<String, StoreError> {
        let secret = new_token();
        // The old secret's last use moves with it to the previous slot; the new secret starts
        // unused, one generation on. ?1 sealed secret, ?2 now, ?3 client id, ?4 grace end.
        let sql = if grace_seconds > 0 {
            "UPDATE properties SET previous_secret = client_secret, previous_secret_expires_at = ?4, \
             previous_secret_last_used_at = secret_last_used_at, \
             previous_secret_last_used_from = secret_last_used_from, \
             secret_last_used_at = NULL, secret_last_used_from = NULL, \
             secret_generation = secret_generation + 1, secret_reset_at = ?2, \
             client_secret = ?1, version = version + 1, updated_at = ?2 WHERE client_id = ?3"
        } else {
            "UPDATE properties SET previous_secret = NULL, previous_secret_expires_at = NULL, \
             previous_secret_last_used_at = NULL, previous_secret_last_used_from = NULL, \
             secret_last_used_at = NULL, secret_last_used_from = NULL, \
             secret_generation = secret_generation + 1, secret_reset_at = ?2, \
             client_secret = ?1, version = version + 1, updated_at = ?2 WHERE client_id = ?3"
        };
        let mut query = sqlx::query(sql)
            .bind(self.key.seal(client_id, &secret))
            .bind(now)
            .bind(client_id);
        if grace_seconds > 0 {
            query = query.bind(now + grace_seconds);
        }
        let result = query.execute(&mut *self.tx).await?;
        self.changed(client_id);
        require_one(result.rows_affected())?;
        Ok(secret)
    }

    /// Ends the grace period of the previous secret now.
    pub async fn expire_previous_secret(
        &mut self,
        client_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let result = sqlx::query(
            "UPDATE properties SET previous_secret = NULL, previous_secret_expires_at = NULL, \
             version = version + 1, updated_at = ? WHERE client_id = ?",
        )
        .bind(now)
        .bind(client_id)
        .execute(&mut *self.tx)
        .await?;
        self.changed(client_id);
        require_one(result.rows_affected())
    }

    /// Deletes a property and its settings. Owners are never deleted: the check sits in the same
    /// statement, so a concurrent set_features cannot slip between check and delete.
    pub async fn delete_property(&mut self, client_id: &str) -> Result<DeleteOutcome, StoreError> {
        let result =
            sqlx::query("DELETE FROM properties WHERE client_id = ? AND (features & ?) = 0")
                .bind(client_id)
                .bind(feature_bit(Feature::Owner))
                .execute(&mut *self.tx)
                .await?;
        self.changed(client_id);
        if result.rows_affected() == 1 {
            return Ok(DeleteOutcome::Deleted);
        }
        match self.property(client_id).await? {
            Some(_) => Ok(DeleteOutcome::IsOwner),
            None => Err(StoreError::NotFound),
        }
    }
}

/// The version of the name uniqueness key (`PRAGMA user_version`); 1: NFKC + case folding.
const NAME_KEY_VERSION: i64 = 1;

/// Recomputes every stored name key once after the key's rule changed (the rule needs Unicode
/// tables SQL does not have). Two old names that now clash keep their old keys; that is logged.
pub(super) async fn rekey_names(pool: &sqlx::SqlitePool) -> Result<(), StoreError> {
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(pool)
        .await?;
    if version >= NAME_KEY_VERSION {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT client_id, name, name_key FROM properties")
            .fetch_all(&mut *tx)
            .await?;
    for (client_id, name, old_key) in rows {
        let key = name_key(&name);
        if key == old_key {
            continue;
        }
        let updated = sqlx::query("UPDATE properties SET name_key = ? WHERE client_id = ?")
            .bind(&key)
            .bind(&client_id)
            .execute(&mut *tx)
            .await;
        if let Err(error) = updated {
            tracing::warn!(client_id, %error, "this property's name now clashes with another's; rename one of them");
        }
    }
    sqlx::query(&format!("PRAGMA user_version = {NAME_KEY_VERSION}"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Seals every secret still stored in plain text (a database from before secrets were sealed) and
/// stores the key check value, in one transaction; a database with a check value is left alone.
pub(super) async fn seal_plain_secrets(
    pool: &sqlx::SqlitePool,
    key: &MasterKey,
) -> Result<(), StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let has_check: Option<i64> = sqlx::query_scalar("SELECT 1 FROM master_key_check WHERE id = 1")
        .fetch_optional(&mut *tx)
        .await?;
    if has_check.is_some() {
        return Ok(());
    }
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT client_id, client_secret, previous_secret FROM properties")
            .fetch_all(&mut *tx)
            .await?;
    let mut sealed = 0;
    for (client_id, secret, previous) in rows {
        let seal = |value: &str| {
            if super::sealed::is_plain(value) {
                key.seal(&client_id, value)
            } else {
                value.to_string()
            }
        };
        sqlx::query(
            "UPDATE properties SET client_secret = ?, previous_secret = ? WHERE client_id = ?",
        )
        .bind(seal(&secret))
        .bind(previous.as_deref().map(seal))
        .bind(&client_id)
        .execute(&mut *tx)
        .await?;
        sealed += 1;
    }
    sqlx::query("INSERT INTO master_key_check (id, value) VALUES (1, ?)")
        .bind(key.check_value())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if sealed > 0 {
        tracing::info!(
            properties = sealed,
            "sealed the client secrets stored in plain text with the master key"
        );
    }
    Ok(())
}

impl Write {
    /// Seals every secret again under `new` and stores its key check value. Returns how many
    /// properties were re-sealed.
    pub async fn reseal_secrets(&mut self, new: &MasterKey) -> Result<usize, StoreError> {
        let rows: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT client_id, client_secret, previous_secret FROM properties")
                .fetch_all(&mut *self.tx)
                .await?;
        let count = rows.len();
        for (client_id, secret, previous) in rows {
            let reseal = |stored: &str| -> Result<String, StoreError> {
                let plain = self.key.open(&client_id, stored)?;
                Ok(new.seal(&client_id, plain.expose()))
            };
            let secret = reseal(&secret)?;
            let previous = previous.as_deref().map(reseal).transpose()?;
            sqlx::query(
                "UPDATE properties SET client_secret = ?, previous_secret = ? WHERE client_id = ?",
            )
            .bind(secret)
            .bind(previous)
            .bind(&client_id)
            .execute(&mut *self.tx)
            .await?;
            self.changed(&client_id);
        }
        sqlx::query("UPDATE master_key_check SET value = ? WHERE id = 1")
            .bind(new.check_value())
            .execute(&mut *self.tx)
            .await?;
        Ok(count)
    }
}

/// A whitelist as stored: a JSON array of strings.
fn whitelist_json(whitelist: &[String]) -> String {
    serde_json::Value::from(whitelist.to_vec()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::listing::ListQuery;
    use sqlx::SqlitePool;

    async fn store(pool: SqlitePool) -> Store {
        Store::from_pool(pool).await.unwrap()
    }

    async fn add(store: &Store, name: &str, features: &[Feature]) -> PropertyRecord {
        let new = NewProperty {
            name: name.into(),
            features: features.to_vec(),
            whitelist: vec![],
        };
        store.create_property(new, 100).await.unwrap()
    }

    fn names(page: &ListPage) -> Vec<&str> {
        page.rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn feature_bits_round_trip() {
        for n in 0..64i64 {
            assert_eq!(feature_bits(&features_from_bits(n)), n);
        }
        assert_eq!(feature_bits(&[Feature::Owner]), 1);
        assert_eq!(feature_bits(&[Feature::Metadata]), 32);
    }

    #[sqlx::test(migrations = false)]
    async fn create_stores_defaults_and_refuses_a_duplicate_name_in_any_case(pool: SqlitePool) {
        let store = store(pool).await;
        let record = add(&store, "North America", &[Feature::LoginClient]).await;
        assert_eq!(record.whitelist, vec!["0.0.0.0/0"]);
        assert_eq!(
            store.property(&record.client_id).await.unwrap().unwrap(),
            record
        );
        let clash = store
            .create_property(
                NewProperty {
                    name: "north america".into(),
                    features: vec![],
                    whitelist: vec![],
                },
                1,
            )
            .await;
        assert!(matches!(clash, Err(StoreError::NameTaken)));
    }

    #[sqlx::test(migrations = false)]
    async fn list_searches_name_and_id_case_insensitively(pool: SqlitePool) {
        let store = store(pool).await;
        let portal = add(&store, "Customer Portal", &[]).await;
        add(&store, "Mobile app", &[]).await;
        add(&store, "Shop", &[]).await;
        let query = |search: &str| ListQuery {
            search: search.into(),
            limit: 50,
            ..ListQuery::default()
        };

        // Name fragments with a space: random ids (lowercase letters and digits) never match them,
        // so the expected rows are exact.
        assert_eq!(
            names(&store.list_properties(&query("r PORT")).await.unwrap()),
            ["Customer Portal"]
        );
        assert_eq!(
            names(&store.list_properties(&query("LE a")).await.unwrap()),
            ["Mobile app"]
        );
        let by_id = &portal.client_id[10..16];
        let page = store.list_properties(&query(by_id)).await.unwrap();
        assert!(page.rows.iter().any(|r| r.client_id == portal.client_id));
        assert_eq!(store.list_properties(&query("")).await.unwrap().total, 3);
        assert_eq!(
            store.list_properties(&query("zz zz")).await.unwrap().total,
            0
        );
    }

    #[sqlx::test(migrations = false)]
    async fn list_search_treats_like_wildcards_and_quotes_as_text(pool: SqlitePool) {
        let store = store(pool).await;
        add(&store, "100% uptime", &[]).await;
        add(&store, "snake_case", &[]).await;
        add(&store, "say \"hi\"", &[]).await;
        add(&store, "plain", &[]).await;
        let query = |search: &str| ListQuery {
            search: search.into(),
            limit: 50,
            ..ListQuery::default()
        };
        assert_eq!(
            names(&store.list_properties(&query("%")).await.unwrap()),
            ["100% uptime"]
        );
        assert_eq!(
            names(&store.list_properties(&query("0% u")).await.unwrap()),
            ["100% uptime"]
        );
        assert_eq!(
            names(&store.list_properties(&query("_")).await.unwrap()),
            ["snake_case"]
        );
        assert_eq!(
            names(&store.list_properties(&query("e_c")).await.unwrap()),
            ["snake_case"]
        );
        assert_eq!(
            names(&store.list_properties(&query("\"hi\"")).await.unwrap()),
            ["say \"hi\""]
        );
        assert_eq!(store.list_properties(&query("\"")).await.unwrap().total, 1);
    }

    #[sqlx::test(migrations = false)]
    async fn list_filters_by_any_checked_feature(pool: SqlitePool) {
        let store = store(pool).await;
        add(&store, "a", &[Feature::DirectAccess]).await;
        add(
            &store,
            "b",
            &[Feature::DirectReadAccess, Feature::AccessIssuer],
        )
        .await;
        add(&store, "c", &[Feature::LoginClient]).await;
        let query = |features: &[Feature]| ListQuery {
            features: features.to_vec(),
            sort: SortColumn::Name,
            limit: 50,
            ..ListQuery::default()
        };
        assert_eq!(
            names(
                &store
                    .list_properties(&query(&[Feature::DirectAccess]))
                    .await
                    .unwrap()
            ),
            ["a"]
        );
        assert_eq!(
            names(
                &store
                    .list_properties(&query(&[Feature::DirectAccess, Feature::LoginClient]))
                    .await
                    .unwrap()
            ),
            ["a", "c"]
        );
        assert_eq!(store.list_properties(&query(&[])).await.unwrap().total, 3);
        assert_eq!(
            store
                .list_properties(&query(&[Feature::Owner]))
                .await
                .unwrap()
                .total,
            0
        );
    }

    #[sqlx::test(migrations = false)]
    async fn list_sorts_and_pages(pool: SqlitePool) {
        let store = store(pool).await;
        for name in [
            "delta", "Alpha", "charlie", "Bravo", "echo", "foxtrot", "golf",
        ] {
            add(&store, name, &[]).await;
        }
        let mut query = ListQuery {
            sort: SortColumn::Name,
            limit: 3,
            ..ListQuery::default()
        };
        let first = store.list_properties(&query).await.unwrap();
        assert_eq!(
            names(&first),
            ["Alpha", "Bravo", "charlie"],
            "case-insensitive A-Z"
        );
        assert_eq!(first.total, 7);
        query.offset = 6;
        assert_eq!(
            names(&store.list_properties(&query).await.unwrap()),
            ["golf"]
        );
        query.offset = 70;
        let beyond = store.list_properties(&query).await.unwrap();
        assert!(beyond.rows.is_empty());
        assert_eq!(beyond.total, 7);
        query.offset = u64::MAX;
        assert!(store.list_properties(&query).await.unwrap().rows.is_empty());

        query.offset = 0;
        query.direction = SortDirection::Descending;
        assert_eq!(
            names(&store.list_properties(&query).await.unwrap()),
            ["golf", "foxtrot", "echo"]
        );

        let by_id = ListQuery {
            limit: 50,
            ..ListQuery::default()
        };
        let ids: Vec<String> = store
            .list_properties(&by_id)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.client_id)
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "default sort is id ascending");
        let desc = ListQuery {
            direction: SortDirection::Descending,
            ..by_id
        };
        let mut reversed: Vec<String> = store
            .list_properties(&desc)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.client_id)
            .collect();
        reversed.reverse();
        assert_eq!(reversed, sorted);
    }

    /// Every property in both orders, as the list shows them.
    async fn whole_list(store: &Store) -> Vec<Vec<PropertySummary>> {
        let mut views = Vec::new();
        for sort in [SortColumn::Id, SortColumn::Name] {
            let query = ListQuery {
                sort,
                limit: 100_000,
                ..ListQuery::default()
            };
            views.push(store.list_properties(&query).await.unwrap().rows);
        }
        views
    }

    /// Writers racing on many tasks (creates, renames, feature changes, deletes) leave the list
    /// exactly as a fresh load of what they committed; a write rolled back leaves no trace.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_list_index_keeps_in_step_with_concurrent_writers() {
        let dir = crate::store::test_dir("list-index");
        let path = dir.join("gatehouse.db");
        let store = Store::open(&path).await.unwrap();
        store.load_list_index().await.unwrap();
        let mut writers = Vec::new();
        for writer in 0..8 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                for n in 0..30 {
                    let record = add(&store, &format!("w{writer} n{n}"), &[]).await;
                    let id = &record.client_id;
                    match n % 3 {
                        0 => {
                            store
                                .rename_property(id, &format!("renamed {writer}.{n}"), 1)
                                .await
                        }
                        1 => store.set_features(id, &[Feature::DirectAccess], 1).await,
                        _ => store.delete_property(id).await.map(|_| ()),
                    }
                    .unwrap();
                }
            }));
        }
        for writer in writers {
            writer.await.unwrap();
        }
        let mut abandoned = store.write().await.unwrap();
        let new = NewProperty {
            name: "rolled back".into(),
            features: vec![],
            whitelist: vec![],
        };
        abandoned.create_property(&new, 1).await.unwrap();
        drop(abandoned);

        let kept = whole_list(&store).await;
        assert_eq!(kept[0].len(), 8 * 20);
        assert!(kept[1].iter().all(|row| row.name != "rolled back"));
        let direct = ListQuery {
            features: vec![Feature::DirectAccess],
            ..ListQuery::default()
        };
        assert_eq!(store.list_properties(&direct).await.unwrap().total, 8 * 10);
        let fresh = Store::open(&path).await.unwrap();
        assert_eq!(kept, whole_list(&fresh).await);
        store.close().await;
        fresh.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A commit cut short (its future dropped) leaves the index marked stale, and the next view
    /// reloads it instead of answering from what may be old.
    #[sqlx::test(migrations = false)]
    async fn an_interrupted_commit_makes_the_next_view_reload(pool: SqlitePool) {
        let store = store(pool).await;
        store.load_list_index().await.unwrap();
        assert!(store.list.is_current());
        let guard = super::super::list_index::StaleUnlessFinished(Some(&store.list));
        drop(guard);
        assert!(!store.list.is_current());
        // Written behind the index's back: only a reload can know it.
        sqlx::query(
            "INSERT INTO properties (client_id, name, name_key, client_secret, created_at, updated_at) \
             VALUES (printf('%032d', 7), 'Unseen', 'unseen', 'x', 0, 0)",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let query = ListQuery {
            search: "unseen".into(),
            ..ListQuery::default()
        };
        assert_eq!(store.list_properties(&query).await.unwrap().total, 1);
        assert!(store.list.is_current());
    }

    #[sqlx::test(migrations = false)]
    async fn search_index_follows_renames_and_deletes(pool: SqlitePool) {
        let store = store(pool).await;
        let record = add(&store, "Before", &[]).await;
        store
            .rename_property(&record.client_id, "Afterwards", 5)
            .await
            .unwrap();
        let query = |search: &str| ListQuery {
            search: search.into(),
            ..ListQuery::default()
        };
        assert_eq!(
            store.list_properties(&query("before")).await.unwrap().total,
            0
        );
        assert_eq!(
            store.list_properties(&query("erwar")).await.unwrap().total,
            1
        );
        assert_eq!(
            store.delete_property(&record.client_id).await.unwrap(),
            DeleteOutcome::Deleted
        );
        assert_eq!(
            store.list_properties(&query("erwar")).await.unwrap().total,
            0
        );
    }

    #[test]
    fn a_record_read_before_a_write_is_not_cached_after_it() {
        let cache = CredentialCache::default();
        let record = PropertyRecord {
            client_id: "c".repeat(32),
            name: "n".into(),
            client_secret: Secret::new("old".into()),
            previous_secret: None,
            previous_secret_expires_at: None,
            secret_generation: 0,
            features: vec![],
            whitelist: vec![],
            version: 1,
            created_at: 0,
            updated_at: 0,
        };
        let before_read = cache.evictions();
        // ...the reader fetches the old row; meanwhile a write commits and evicts...
        cache.forget(&record.client_id);
        cache.put(&record, before_read);
        assert_eq!(cache.get(&record.client_id), None);
        // A read that began after the write is cached.
        cache.put(&record, cache.evictions());
        assert_eq!(cache.get(&record.client_id), Some(record));
    }

    #[sqlx::test(migrations = false)]
    async fn writes_evict_the_credential_cache_at_once(pool: SqlitePool) {
        let store = store(pool).await;
        let record = add(&store, "Cached", &[]).await;
        let cached = store
            .property_for_auth(&record.client_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(cached.client_secret, record.client_secret);
        let new = store.reset_secret(&record.client_id, 0, 200).await.unwrap();
        assert_eq!(
            store
                .property_for_auth(&record.client_id)
                .await
                .unwrap()
                .unwrap()
                .client_secret
                .expose(),
            new
        );
        store
            .set_whitelist(&record.client_id, &["10.0.0.0/8".into()], 201)
            .await
            .unwrap();
        assert_eq!(
            store
                .property_for_auth(&record.client_id)
                .await
                .unwrap()
                .unwrap()
                .whitelist,
            vec!["10.0.0.0/8"]
        );
        store.delete_property(&record.client_id).await.unwrap();
        assert!(store
            .property_for_auth(&record.client_id)
            .await
            .unwrap()
            .is_none());
    }

    #[sqlx::test(migrations = false)]
    async fn owners_are_never_deleted(pool: SqlitePool) {
        let store = store(pool).await;
        let owner = add(&store, "Owner", &[Feature::Owner]).await;
        assert_eq!(
            store.delete_property(&owner.client_id).await.unwrap(),
            DeleteOutcome::IsOwner
        );
        assert!(store.property(&owner.client_id).await.unwrap().is_some());
        assert!(matches!(
            store.delete_property(&"x".repeat(32)).await,
            Err(StoreError::NotFound)
        ));
    }

    #[sqlx::test(migrations = false)]
    async fn reset_secret_keeps_the_old_one_only_for_the_grace_period(pool: SqlitePool) {
        let store = store(pool).await;
        let record = add(&store, "Rotating", &[]).await;
        let new = store
            .reset_secret(&record.client_id, 3600, 1000)
            .await
            .unwrap();
        let after = store.property(&record.client_id).await.unwrap().unwrap();
        assert_eq!(after.client_secret.expose(), new);
        assert_eq!(
            after.live_previous_secret(1000),
            Some(record.client_secret.expose())
        );
        assert_eq!(
            after.live_previous_secret(4599),
            Some(record.client_secret.expose())
        );
        assert_eq!(after.live_previous_secret(4600), None);

        store
            .reset_secret(&record.client_id, 0, 2000)
            .await
            .unwrap();
        let zero = store.property(&record.client_id).await.unwrap().unwrap();
        assert_eq!(zero.live_previous_secret(2000), None);

        store
            .reset_secret(&record.client_id, 60, 3000)
            .await
            .unwrap();
        store
            .expire_previous_secret(&record.client_id, 3001)
            .await
            .unwrap();
        assert_eq!(
            store
                .property(&record.client_id)
                .await
                .unwrap()
                .unwrap()
                .live_previous_secret(3001),
            None
        );
    }

    #[sqlx::test(migrations = false)]
    async fn update_property_detects_a_concurrent_change(pool: SqlitePool) {
        let store = store(pool).await;
        let record = add(&store, "Edited", &[]).await;
        let version = store
            .update_property(
                &record.client_id,
                record.version,
                "Edited twice",
                &[Feature::AccessIssuer],
                &[],
                5,
            )
            .await
            .unwrap();
        assert_eq!(version, record.version + 1);
        let stale = store
            .update_property(
                &record.client_id,
                record.version,
                "Lost update",
                &[],
                &[],
                6,
            )
            .await;
        assert!(matches!(stale, Err(StoreError::VersionConflict)));
        assert_eq!(
            store
                .property(&record.client_id)
                .await
                .unwrap()
                .unwrap()
                .name,
            "Edited twice"
        );
    }

    #[sqlx::test(migrations = false)]
    async fn copy_takes_features_whitelist_and_settings_but_not_id_or_secret(pool: SqlitePool) {
        let store = store(pool).await;
        let source = add(&store, "United States", &[Feature::DirectAccess]).await;
        store
            .set_whitelist(&source.client_id, &["10.0.0.0/8".into()], 2)
            .await
            .unwrap();
        store
            .set_setting(
                super::super::settings::Scope::Property(&source.client_id),
                "site_name",
                "US",
                3,
            )
            .await
            .unwrap();
        let copy = store
            .copy_property(&source.client_id, "United States copy", 4)
            .await
            .unwrap();
        assert_ne!(copy.client_id, source.client_id);
        assert_ne!(copy.client_secret, source.client_secret);
        assert_eq!(copy.features, vec![Feature::DirectAccess]);
        assert_eq!(copy.whitelist, vec!["10.0.0.0/8"]);
        assert_eq!(
            store
                .property_settings(&copy.client_id)
                .await
                .unwrap()
                .get("site_name")
                .map(String::as_str),
            Some("US")
        );
        assert!(matches!(
            store
                .copy_property(&source.client_id, "united states COPY", 5)
                .await,
            Err(StoreError::NameTaken)
        ));
        assert!(matches!(
            store.copy_property(&"n".repeat(32), "X", 5).await,
            Err(StoreError::NotFound)
        ));
    }
}
