//! Operations on properties: create, copy, rename, features, whitelist, the console's combined
//! save, secrets (reset, expire the previous one, reveal) and delete.

use serde_json::{json, Value};

use super::{begin, target, Actor, Field, OpError, OpResult};
use crate::domain::accounts::Permission;
use crate::domain::audit::{actions, Door};
use crate::domain::features::{self, Feature, FeatureError};
use crate::domain::names::{validate_name, NameError};
use crate::domain::secrets::grace_seconds;
use crate::domain::whitelist::{self, default_whitelist, WhitelistError};
use crate::store::properties::{DeleteOutcome, NewProperty, PropertyRecord};
use crate::store::{Store, StoreError};

fn name(raw: &str) -> OpResult<String> {
    validate_name(raw).map_err(|e| OpError::invalid(Field::Name, e.reason()))
}

/// Maps a name clash of the store to the name rule's reason.
fn name_taken(name: &str) -> impl Fn(StoreError) -> OpError + '_ {
    move |error| match error {
        StoreError::NameTaken => OpError::invalid(
            Field::Name,
            NameError::Taken {
                name: crate::domain::echo(name),
            }
            .reason(),
        ),
        other => other.into(),
    }
}

fn feature_error(error: FeatureError) -> OpError {
    OpError::invalid(Field::Features, error.reason())
}

/// The feature set a property will have: normalised, the reserved name refused through the API
/// (seed 000), the combination rule, and the owner rules of the door (SPEC 1): in the console the
/// owner feature cannot be removed once saved; through the API an owner may not remove it from
/// itself.
fn checked_features(
    actor: &Actor,
    old: Option<&PropertyRecord>,
    new: &[Feature],
) -> OpResult<Vec<Feature>> {
    let new = features::normalize(new);
    if actor.door == Door::Api && new.contains(&Feature::Metadata) {
        return Err(feature_error(FeatureError::Reserved));
    }
    features::check_combination(&new).map_err(feature_error)?;
    if let Some(old) = old {
        match actor.door {
            Door::Console => features::check_console_change(&old.features, &new),
            _ => {
                let is_self = actor.client_id() == Some(old.client_id.as_str());
                features::check_owner_change(is_self, &old.features, &new)
            }
        }
        .map_err(feature_error)?;
    }
    Ok(new)
}

/// Whitelist entries as stored: each parsed, written out canonically, duplicates removed, at most
/// a thousand. An acting client replacing its own list must keep its address allowed.
fn checked_whitelist(
    actor: &Actor,
    target_id: Option<&str>,
    entries: &[String],
) -> OpResult<Vec<String>> {
    let list =
        whitelist::parse_entries(entries.iter().map(String::as_str)).map_err(whitelist_error)?;
    if target_id.is_some() && actor.client_id() == target_id {
        if let Ok(address) = actor.source.parse() {
            whitelist::check_self_lockout(&list, address).map_err(whitelist_error)?;
        }
    }
    Ok(list)
}

pub(crate) fn whitelist_error(error: WhitelistError) -> OpError {
    let field = match error.index() {
        Some(index) => Field::WhitelistEntry(index),
        None => Field::Whitelist,
    };
    OpError::invalid(field, error.reason())
}

fn summary(record: &PropertyRecord) -> Value {
    json!({
        "name": record.name,
        "features": record.features,
        "whitelist": record.whitelist,
    })
}

/// Creates a property; an empty whitelist means any address.
pub async fn create(
    store: &Store,
    actor: &Actor,
    raw_name: &str,
    features: &[Feature],
    entries: &[String],
) -> OpResult<PropertyRecord> {
    actor.require(Permission::Write)?;
    let name = name(raw_name)?;
    let features = checked_features(actor, None, features)?;
    let mut whitelist = checked_whitelist(actor, None, entries)?;
    if whitelist.is_empty() {
        whitelist = default_whitelist();
    }
    let mut w = begin(store).await?;
    let record = w
        .create_property(
            &NewProperty {
                name: name.clone(),
                features,
                whitelist,
            },
            actor.now,
        )
        .await
        .map_err(name_taken(&name))?;
    w.audit(&actor.entry(
        actions::PROPERTY_CREATE,
        Some((&record.client_id, &record.name)),
        None,
        Some(summary(&record)),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(client_id = %record.client_id, by = %actor.describe(), "property created");
    Ok(record)
}

/// A new property with the source's features, whitelist and settings; new id and secret.
pub async fn copy(
    store: &Store,
    actor: &Actor,
    source_id: &str,
    raw_name: &str,
) -> OpResult<PropertyRecord> {
    actor.require(Permission::Write)?;
    let name = name(raw_name)?;
    let mut w = begin(store).await?;
    let source = target(&mut w, source_id).await?;
    let copy = w
        .copy_property(&source.client_id, &name, actor.now)
        .await
        .map_err(name_taken(&name))?;
    let mut after = summary(&copy);
    after["copied_from"] = json!(source.client_id);
    w.audit(&actor.entry(
        actions::PROPERTY_COPY,
        Some((&copy.client_id, &copy.name)),
        None,
        Some(after),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(source = %source.client_id, copy = %copy.client_id, by = %actor.describe(), "property copied");
    Ok(copy)
}

pub async fn rename(store: &Store, actor: &Actor, client_id: &str, raw_name: &str) -> OpResult<()> {
    actor.require(Permission::Write)?;
    let name = name(raw_name)?;
    let mut w = begin(store).await?;
    let old = target(&mut w, client_id).await?;
    w.rename_property(client_id, &name, actor.now)
        .await
        .map_err(name_taken(&name))?;
    w.audit(&actor.entry(
        actions::PROPERTY_RENAME,
        Some((client_id, &name)),
        Some(json!({ "name": old.name })),
        Some(json!({ "name": name })),
    ))
    .await?;
    w.commit().await?;
    Ok(())
}

pub async fn set_features(
    store: &Store,
    actor: &Actor,
    client_id: &str,
    new: &[Feature],
) -> OpResult<()> {
    actor.require(Permission::Write)?;
    let mut w = begin(store).await?;
    let old = target(&mut w, client_id).await?;
    let new = checked_features(actor, Some(&old), new)?;
    w.set_features(client_id, &new, actor.now).await?;
    w.audit(&actor.entry(
        actions::PROPERTY_FEATURES,
        Some((client_id, &old.name)),
        Some(json!({ "features": old.features })),
        Some(json!({ "features": new })),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(client_id, by = %actor.describe(), "property features set");
    Ok(())
}

/// Replaces the whitelist; `None` restores the default (any address).
pub async fn set_whitelist(
    store: &Store,
    actor: &Actor,
    client_id: &str,
    entries: Option<&[String]>,
) -> OpResult<()> {
    actor.require(Permission::Write)?;
    let new = match entries {
        Some(entries) => checked_whitelist(actor, Some(client_id), entries)?,
        None => default_whitelist(),
    };
    let mut w = begin(store).await?;
    let old = target(&mut w, client_id).await?;
    w.set_whitelist(client_id, &new, actor.now).await?;
    w.audit(&actor.entry(
        actions::PROPERTY_WHITELIST,
        Some((client_id, &old.name)),
        Some(json!({ "whitelist": old.whitelist })),
        Some(json!({ "whitelist": new })),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(client_id, by = %actor.describe(), "property whitelist set");
    Ok(())
}

/// The console's "Save changes": name, features and whitelist at once, only if the property is
/// still at `version`. An empty whitelist means any address.
pub async fn save(
    store: &Store,
    actor: &Actor,
    client_id: &str,
    version: i64,
    raw_name: &str,
    features: &[Feature],
    entries: &[String],
) -> OpResult<PropertyRecord> {
    actor.require(Permission::Write)?;
    let name = name(raw_name)?;
    let mut w = begin(store).await?;
    let old = target(&mut w, client_id).await?;
    if old.version != version {
        return Err(OpError::Conflict);
    }
    let features = checked_features(actor, Some(&old), features)?;
    let whitelist = checked_whitelist(actor, Some(client_id), entries)?;
    w.update_property(client_id, version, &name, &features, &whitelist, actor.now)
        .await
        .map_err(name_taken(&name))?;
    let (mut before, mut after) = (json!({}), json!({}));
    let mut note = |field: &str, old: Value, new: Value| {
        if old != new {
            before[field] = old;
            after[field] = new;
        }
    };
    note("name", json!(old.name), json!(name));
    note("features", json!(old.features), json!(features));
    note("whitelist", json!(old.whitelist), json!(whitelist));
    w.audit(&actor.entry(
        actions::PROPERTY_UPDATE,
        Some((client_id, &name)),
        Some(before),
        Some(after),
    ))
    .await?;
    let saved = w
        .property(client_id)
        .await?
        .ok_or_else(|| OpError::UnknownTarget(client_id.into()))?;
    w.commit().await?;
    tracing::info!(client_id, by = %actor.describe(), "property changed");
    Ok(saved)
}

/// A new secret; the current one stays valid for `hours` (0 ends it now). Returns the new secret.
/// The log records that it happened and until when the old one works, never a secret.
pub async fn reset_secret(
    store: &Store,
    actor: &Actor,
    client_id: &str,
    hours: u32,
) -> OpResult<String> {
    actor.require(Permission::Write)?;
    let mut w = begin(store).await?;
    let old = target(&mut w, client_id).await?;
    let grace = grace_seconds(hours);
    let secret = w.reset_secret(client_id, grace, actor.now).await?;
    let valid_until = (grace > 0).then_some(actor.now + grace);
    w.audit(&actor.entry(
        actions::SECRET_RESET,
        Some((client_id, &old.name)),
        None,
        Some(json!({ "secret": "reset", "old_secret_valid_until": valid_until, "hours": hours })),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(client_id, hours, by = %actor.describe(), "client secret reset");
    Ok(secret)
}

pub async fn expire_previous_secret(store: &Store, actor: &Actor, client_id: &str) -> OpResult<()> {
    actor.require(Permission::Write)?;
    let mut w = begin(store).await?;
    let old = target(&mut w, client_id).await?;
    w.expire_previous_secret(client_id, actor.now).await?;
    w.audit(&actor.entry(
        actions::SECRET_EXPIRE_PREVIOUS,
        Some((client_id, &old.name)),
        Some(json!({ "old_secret_valid_until": old.live_previous_secret(actor.now).and(old.previous_secret_expires_at) })),
        Some(json!({ "old_secret_valid_until": null })),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(client_id, by = %actor.describe(), "previous client secret expired");
    Ok(())
}

/// The client secret, for the console's eye and copy icons: every reveal is an audit entry.
pub async fn reveal_secret(store: &Store, actor: &Actor, client_id: &str) -> OpResult<String> {
    actor.require(Permission::RevealSecret)?;
    let mut w = begin(store).await?;
    let record = target(&mut w, client_id).await?;
    w.audit(&actor.entry(
        actions::SECRET_REVEAL,
        Some((client_id, &record.name)),
        None,
        None,
    ))
    .await?;
    w.commit().await?;
    tracing::info!(client_id, by = %actor.describe(), "client secret revealed");
    Ok(record.client_secret.expose().to_string())
}

/// Deletes a property and its settings; owners are never deleted.
pub async fn delete(store: &Store, actor: &Actor, client_id: &str) -> OpResult<()> {
    actor.require(Permission::Write)?;
    let mut w = begin(store).await?;
    let old = target(&mut w, client_id).await?;
    match w.delete_property(client_id).await? {
        DeleteOutcome::Deleted => {}
        DeleteOutcome::IsOwner => {
            return Err(OpError::invalid(
                Field::Target,
                "the property has the owner feature, and owner properties cannot be deleted",
            ))
        }
    }
    w.audit(&actor.entry(
        actions::PROPERTY_DELETE,
        Some((client_id, &old.name)),
        Some(summary(&old)),
        None,
    ))
    .await?;
    w.commit().await?;
    tracing::info!(client_id, by = %actor.describe(), "property deleted");
    Ok(())
}
