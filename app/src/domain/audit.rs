//! The audit log's vocabulary (SPEC 4): who changed what, through which door, and what it was
//! before and after. Plain data shared by the store, the operations and the console's audit page.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which front door a change came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Door {
    Console,
    Api,
    Cli,
}

impl Door {
    pub const ALL: [Door; 3] = [Door::Console, Door::Api, Door::Cli];

    pub fn as_str(&self) -> &'static str {
        match self {
            Door::Console => "console",
            Door::Api => "api",
            Door::Cli => "cli",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Door::Console => "Console",
            Door::Api => "API",
            Door::Cli => "Command line",
        }
    }

    pub fn parse(text: &str) -> Option<Door> {
        Door::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// What kind of actor made a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActorKind {
    /// A console account.
    User,
    /// An API client.
    Client,
    /// The operator at the command line.
    System,
}

impl ActorKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Client => "client",
            ActorKind::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<ActorKind> {
        [ActorKind::User, ActorKind::Client, ActorKind::System]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// Every action the log records: (name as stored, label as shown).
pub const ACTIONS: &[(&str, &str)] = &[
    (actions::PROPERTY_CREATE, "Property created"),
    (actions::PROPERTY_COPY, "Property copied"),
    (actions::PROPERTY_RENAME, "Property renamed"),
    (actions::PROPERTY_UPDATE, "Property changed"),
    (actions::PROPERTY_FEATURES, "Features set"),
    (actions::PROPERTY_WHITELIST, "Whitelist set"),
    (actions::PROPERTY_DELETE, "Property deleted"),
    (actions::SECRET_RESET, "Secret reset"),
    (actions::SECRET_EXPIRE_PREVIOUS, "Previous secret expired"),
    (actions::SECRET_REVEAL, "Secret revealed"),
    (actions::SETTINGS_PROPERTY, "Property settings changed"),
    (actions::SETTINGS_GLOBAL, "Application settings changed"),
    (actions::USER_ADD, "Account added"),
    (actions::USER_REMOVE, "Account removed"),
    (actions::USER_ROLE, "Account role changed"),
    (actions::USER_PASSWORD_RESET, "Account password reset"),
    (actions::USER_PASSWORD_CHANGE, "Own password changed"),
    (actions::MASTER_KEY_ROTATE, "Master key rotated"),
];

/// The stored action names.
pub mod actions {
    pub const PROPERTY_CREATE: &str = "property.create";
    pub const PROPERTY_COPY: &str = "property.copy";
    pub const PROPERTY_RENAME: &str = "property.rename";
    pub const PROPERTY_UPDATE: &str = "property.update";
    pub const PROPERTY_FEATURES: &str = "property.features";
    pub const PROPERTY_WHITELIST: &str = "property.whitelist";
    pub const PROPERTY_DELETE: &str = "property.delete";
    pub const SECRET_RESET: &str = "secret.reset";
    pub const SECRET_EXPIRE_PREVIOUS: &str = "secret.expire_previous";
    pub const SECRET_REVEAL: &str = "secret.reveal";
    pub const SETTINGS_PROPERTY: &str = "settings.property";
    pub const SETTINGS_GLOBAL: &str = "settings.global";
    pub const USER_ADD: &str = "user.add";
    pub const USER_REMOVE: &str = "user.remove";
    pub const USER_ROLE: &str = "user.role";
    pub const USER_PASSWORD_RESET: &str = "user.password_reset";
    pub const USER_PASSWORD_CHANGE: &str = "user.password_change";
    pub const MASTER_KEY_ROTATE: &str = "master_key.rotate";
}

/// The label of a stored action name (the name itself if unknown).
pub fn action_label(action: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(name, _)| *name == action)
        .map(|(_, label)| *label)
        .unwrap_or(action)
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 0 until stored; grows with time.
    pub id: i64,
    /// Unix seconds, UTC.
    pub at: i64,
    pub door: Door,
    pub actor_kind: ActorKind,
    /// Username, client id, or operating-system user.
    pub actor: String,
    /// The acting client's name at the time.
    pub actor_name: Option<String>,
    /// The caller's address, or "cli".
    pub source: String,
    pub request_id: String,
    pub action: String,
    /// The property acted on and its name at the time.
    pub client_id: Option<String>,
    pub property_name: Option<String>,
    /// What changed: JSON objects holding only the changed fields. Never a secret.
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// Shared by the entries of one bulk change (one per property); None otherwise.
    #[serde(default)]
    pub batch_id: Option<String>,
}

/// What the audit page filters by; empty fields filter nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// A client id, or a property name (at the time of the entry; exact, ignoring case).
    pub property: String,
    /// A username or client id.
    pub actor: String,
    /// A stored action name.
    pub action: String,
    /// Unix seconds, inclusive.
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// One page of entries, newest first: [`AuditEntry`]s from the store, [`AuditLine`]s for the
/// console.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage<E = AuditEntry> {
    pub entries: Vec<E>,
    /// Whether older entries follow.
    pub has_more: bool,
}

impl AuditPage {
    /// The page as the console shows it.
    pub fn for_console(self) -> AuditPage<AuditLine> {
        AuditPage {
            entries: self.entries.into_iter().map(AuditLine::from).collect(),
            has_more: self.has_more,
        }
    }
}

/// An entry as the audit page shows it: its before and after already rendered as rows of text, so
/// the browser needs no JSON values (parsing and pretty-printing them cost the wasm about 9 KB).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditLine {
    pub id: i64,
    pub at: i64,
    pub door: Door,
    pub actor_kind: ActorKind,
    pub actor: String,
    pub actor_name: Option<String>,
    pub source: String,
    pub request_id: String,
    pub action: String,
    pub client_id: Option<String>,
    pub property_name: Option<String>,
    pub batch_id: Option<String>,
    pub changes: Vec<ChangeRow>,
}

impl From<AuditEntry> for AuditLine {
    fn from(entry: AuditEntry) -> Self {
        AuditLine {
            changes: change_rows(entry.before.as_ref(), entry.after.as_ref()),
            id: entry.id,
            at: entry.at,
            door: entry.door,
            actor_kind: entry.actor_kind,
            actor: entry.actor,
            actor_name: entry.actor_name,
            source: entry.source,
            request_id: entry.request_id,
            action: entry.action,
            client_id: entry.client_id,
            property_name: entry.property_name,
            batch_id: entry.batch_id,
        }
    }
}

/// One changed field: its value before and after, each pretty-printed JSON (None: absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRow {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A row for every key of either object, in the order first seen (before's keys, then after's new
/// ones); a value that is not an object is one row, "value".
pub fn change_rows(before: Option<&Value>, after: Option<&Value>) -> Vec<ChangeRow> {
    fn fields(value: Option<&Value>) -> Vec<(String, &Value)> {
        match value {
            None => Vec::new(),
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Some(other) => vec![("value".to_string(), other)],
        }
    }
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    let (before, after) = (fields(before), fields(after));
    let mut keys: Vec<String> = before.iter().map(|(k, _)| k.clone()).collect();
    for (key, _) in &after {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    let find = |list: &[(String, &Value)], key: &str| {
        list.iter().find(|(k, _)| k == key).map(|(_, v)| pretty(v))
    };
    keys.into_iter()
        .map(|field| ChangeRow {
            before: find(&before, &field),
            after: find(&after, &field),
            field,
        })
        .collect()
}

/// Entries per page of the audit log.
pub const AUDIT_PAGE_SIZE: u32 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doors_and_kinds_round_trip_their_stored_names() {
        for door in Door::ALL {
            assert_eq!(Door::parse(door.as_str()), Some(door));
        }
        assert_eq!(Door::parse("web"), None);
        for kind in [ActorKind::User, ActorKind::Client, ActorKind::System] {
            assert_eq!(ActorKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn changes_list_every_field_of_either_side() {
        use serde_json::json;
        let row = |field: &str, before: Option<&str>, after: Option<&str>| ChangeRow {
            field: field.to_string(),
            before: before.map(str::to_string),
            after: after.map(str::to_string),
        };
        let before = json!({"name": "Shop", "features": ["login_client"]});
        let after = json!({"name": "Shop 2", "whitelist": []});
        assert_eq!(
            change_rows(Some(&before), Some(&after)),
            vec![
                row("features", Some("[\n  \"login_client\"\n]"), None),
                row("name", Some("\"Shop\""), Some("\"Shop 2\"")),
                row("whitelist", None, Some("[]")),
            ]
        );
        assert_eq!(
            change_rows(None, Some(&json!(3))),
            vec![row("value", None, Some("3"))]
        );
        assert!(change_rows(None, None).is_empty());
    }

    #[test]
    fn every_action_has_a_label_and_a_unique_name() {
        let mut names: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len());
        assert_eq!(action_label(actions::SECRET_RESET), "Secret reset");
        assert_eq!(action_label("unknown.thing"), "unknown.thing");
    }
}
