//! Operations on settings: a property's own settings and the global ("default") ones, one key or
//! many at a time, and the settings editors' "Save Changes".

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{begin, target, Actor, Field, OpError, OpResult};
use crate::domain::accounts::Permission;
use crate::domain::audit::actions;
use crate::domain::setting_keys::{is_sensitive_key, validate_key, validate_value};
use crate::domain::settings_edit::{SettingChange, SettingsDiff};
use crate::store::settings::{Scope, SettingsMap};
use crate::store::{Store, Write};

pub use crate::domain::setting_keys::MAX_SETTINGS;

/// Whose settings an operation changes.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    Global,
    Property(&'a str),
}

impl<'a> Target<'a> {
    fn scope(self) -> Scope<'a> {
        match self {
            Target::Global => Scope::Global,
            Target::Property(id) => Scope::Property(id),
        }
    }
}

/// Authorizes a change of `target`'s settings and, for a property, returns its name (read inside
/// the write, for the audit entry).
async fn authorize_change(
    w: &mut Write,
    actor: &Actor,
    target_settings: Target<'_>,
) -> OpResult<Option<String>> {
    match target_settings {
        Target::Global => {
            actor.require(Permission::Write)?;
            Ok(None)
        }
        Target::Property(id) => {
            if !actor.may_use_settings_of(id, true) {
                return Err(actor.refusal());
            }
            Ok(Some(target(w, id).await?.name))
        }
    }
}

/// Whether `actor` may read the settings of `client_id` (its own, or any for owners, admins and
/// viewers), and that the property exists. Reads write nothing and are not audited.
pub async fn check_readable(store: &Store, actor: &Actor, client_id: &str) -> OpResult<()> {
    if !actor.may_use_settings_of(client_id, false) {
        return Err(actor.refusal());
    }
    if actor.client_id() == Some(client_id) {
        // An authenticated client reading its own settings: it exists; no lookup on the hot path.
        return Ok(());
    }
    super::check_client_id(client_id)?;
    match store.property(client_id).await? {
        Some(_) => Ok(()),
        None => Err(OpError::UnknownTarget(client_id.to_string())),
    }
}

/// Checks a key and its value (None: a deletion), naming the key when it is one of several.
fn check(key: &str, value: Option<&str>, one_of_many: bool) -> OpResult<()> {
    let named = || one_of_many.then(|| key.to_string());
    validate_key(key).map_err(|e| OpError::invalid(Field::Key(named()), e.reason()))?;
    if let Some(value) = value {
        validate_value(value).map_err(|e| OpError::invalid(Field::Value(named()), e.reason()))?;
    }
    Ok(())
}

fn check_count(count: usize) -> OpResult<()> {
    if count > MAX_SETTINGS {
        return Err(OpError::invalid(
            Field::Settings,
            format!("at most {MAX_SETTINGS} settings may be changed at a time (this request has {count})"),
        ));
    }
    Ok(())
}

/// A property may hold at most [`MAX_SETTINGS`] of its own settings; checked inside the write.
async fn check_property_total(w: &mut Write, target_settings: Target<'_>) -> OpResult<()> {
    if let Target::Property(id) = target_settings {
        let total = w.count_property_settings(id).await?;
        if total > MAX_SETTINGS {
            return Err(OpError::invalid(
                Field::Settings,
                format!("a property holds at most {MAX_SETTINGS} settings of its own (this change would make {total})"),
            ));
        }
    }
    Ok(())
}

/// Before/after objects of the changed keys; values of sensitive keys are never recorded.
pub(super) fn audit_values(values: impl IntoIterator<Item = (String, Option<String>)>) -> Value {
    let map: Map<String, Value> = values
        .into_iter()
        .map(|(key, value)| {
            let shown = match value {
                None => Value::Null,
                Some(_) if is_sensitive_key(&key) => Value::String("[redacted]".into()),
                Some(value) => Value::String(value),
            };
            (key, shown)
        })
        .collect();
    Value::Object(map)
}

fn action(target_settings: Target<'_>) -> &'static str {
    match target_settings {
        Target::Global => actions::SETTINGS_GLOBAL,
        Target::Property(_) => actions::SETTINGS_PROPERTY,
    }
}

/// Sets keys of one scope; returns key -> whether it overwrote a value of that scope.
pub async fn set(
    store: &Store,
    actor: &Actor,
    target_settings: Target<'_>,
    items: &SettingsMap,
) -> OpResult<BTreeMap<String, bool>> {
    check_count(items.len())?;
    for (key, value) in items {
        check(key, Some(value), items.len() > 1)?;
    }
    let mut w = begin(store).await?;
    let property_name = authorize_change(&mut w, actor, target_settings).await?;
    let scope = target_settings.scope();
    let before = w
        .setting_values(scope, items.keys().map(String::as_str))
        .await?;
    let results = w.set_settings(scope, items, actor.now).await?;
    check_property_total(&mut w, target_settings).await?;
    let entry = actor.entry(
        action(target_settings),
        property_target(target_settings, property_name.as_deref()),
        Some(audit_values(
            items.keys().map(|k| (k.clone(), before.get(k).cloned())),
        )),
        Some(audit_values(
            items.iter().map(|(k, v)| (k.clone(), Some(v.clone()))),
        )),
    );
    w.audit(&entry).await?;
    w.commit().await?;
    Ok(results)
}

/// Deletes one key of one scope (never the other); `true` when it existed. Deleting nothing is
/// not a change and writes no audit entry.
pub async fn delete(
    store: &Store,
    actor: &Actor,
    target_settings: Target<'_>,
    key: &str,
) -> OpResult<bool> {
    check(key, None, false)?;
    let mut w = begin(store).await?;
    let property_name = authorize_change(&mut w, actor, target_settings).await?;
    let scope = target_settings.scope();
    let before = w.setting_values(scope, [key]).await?;
    let existed = w.delete_setting(scope, key).await?;
    if existed {
        let entry = actor.entry(
            action(target_settings),
            property_target(target_settings, property_name.as_deref()),
            Some(audit_values([(key.to_string(), before.get(key).cloned())])),
            Some(audit_values([(key.to_string(), None)])),
        );
        w.audit(&entry).await?;
    }
    w.commit().await?;
    Ok(existed)
}

/// A settings editor's "Save Changes": all changes or none, each only while the stored value is
/// still the one the page was loaded with.
pub async fn apply_changes(
    store: &Store,
    actor: &Actor,
    target_settings: Target<'_>,
    changes: &[SettingChange],
) -> OpResult<SettingsDiff> {
    check_count(changes.len())?;
    let mut seen = std::collections::BTreeSet::new();
    for change in changes {
        check(&change.key, change.new.as_deref(), true)?;
        if !seen.insert(change.key.as_str()) {
            return Err(OpError::invalid(
                Field::Key(Some(change.key.clone())),
                "this key appears twice; keep one row per key",
            ));
        }
    }
    let mut w = begin(store).await?;
    let property_name = authorize_change(&mut w, actor, target_settings).await?;
    let diff = w
        .apply_setting_changes(target_settings.scope(), changes, actor.now)
        .await?;
    check_property_total(&mut w, target_settings).await?;
    if !changes.is_empty() {
        let entry = actor.entry(
            action(target_settings),
            property_target(target_settings, property_name.as_deref()),
            Some(audit_values(
                changes.iter().map(|c| (c.key.clone(), c.expected.clone())),
            )),
            Some(audit_values(
                changes.iter().map(|c| (c.key.clone(), c.new.clone())),
            )),
        );
        w.audit(&entry).await?;
    }
    w.commit().await?;
    Ok(diff)
}

fn property_target<'a>(
    target_settings: Target<'a>,
    name: Option<&'a str>,
) -> Option<(&'a str, &'a str)> {
    match (target_settings, name) {
        (Target::Property(id), Some(name)) => Some((id, name)),
        _ => None,
    }
}
