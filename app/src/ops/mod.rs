//! The operations: one function per thing a person or a client can change, behind every door (the
//! Capture API, the console's server functions, the command line). Each takes an [`Actor`] and typed
//! input, checks the input with the domain rules, authorizes the actor with one permission table,
//! writes through the store and records the audit entry in the same transaction. Doors only read
//! their wire format, call an operation and map [`OpError`] to their wire format.

pub mod bulk;
pub mod keys;
pub mod properties;
pub mod settings;
pub mod transfer;
pub mod users;

use serde_json::Value;

use crate::domain::accounts::{Permission, Role};
use crate::domain::audit::{ActorKind, AuditEntry, Door};
use crate::domain::features::Feature;
use crate::store::properties::PropertyRecord;
use crate::store::{Store, StoreError, Write};

/// Who acts.
#[derive(Clone, Debug)]
pub enum Who {
    /// A signed-in console account.
    User { username: String, role: Role },
    /// An authenticated API client, as it was when it authenticated.
    Client {
        client_id: String,
        name: String,
        features: Vec<Feature>,
    },
    /// The operator at the command line (the operating-system user).
    Operator { os_user: String },
}

/// Who acts, through which door, from where, in which request.
#[derive(Clone, Debug)]
pub struct Actor {
    pub who: Who,
    pub door: Door,
    /// The caller's address, or "cli".
    pub source: String,
    pub request_id: String,
    /// Unix seconds: when the operation happens.
    pub now: i64,
}

impl Actor {
    pub fn client(
        record: &PropertyRecord,
        source: impl ToString,
        request_id: String,
        now: i64,
    ) -> Actor {
        Actor {
            who: Who::Client {
                client_id: record.client_id.clone(),
                name: record.name.clone(),
                features: record.features.clone(),
            },
            door: Door::Api,
            source: source.to_string(),
            request_id,
            now,
        }
    }

    /// The operator at the command line, named after the operating-system user.
    pub fn operator(request_id: String, now: i64) -> Actor {
        let os_user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "operator".into());
        Actor {
            who: Who::Operator { os_user },
            door: Door::Cli,
            source: "cli".into(),
            request_id,
            now,
        }
    }

    /// The one permission table, for accounts and clients alike: an admin account, an owner client
    /// and the operator may change properties; a viewer account and an owner client may read
    /// them; only admins and the operator manage accounts. A client that is not an owner may only
    /// touch its own settings (see [`Actor::may_use_settings_of`]).
    pub fn may(&self, permission: Permission) -> bool {
        match &self.who {
            Who::User { role, .. } => role.allows(permission),
            Who::Client { features, .. } => {
                features.contains(&Feature::Owner) && permission != Permission::ManageUsers
            }
            Who::Operator { .. } => true,
        }
    }

    /// Whether the actor may read (or with `write`, change) the own settings of `client_id`.
    pub fn may_use_settings_of(&self, client_id: &str, write: bool) -> bool {
        let needed = if write {
            Permission::Write
        } else {
            Permission::Read
        };
        self.may(needed)
            || matches!(&self.who, Who::Client { client_id: own, .. } if own == client_id)
    }

    pub fn require(&self, permission: Permission) -> Result<(), OpError> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(self.refusal())
        }
    }

    /// Why this actor is refused, in its own terms.
    fn refusal(&self) -> OpError {
        OpError::Forbidden(match &self.who {
            Who::Client { .. } => {
                "this client does not have the owner feature needed for this call".into()
            }
            _ => "your account is not allowed to do this".into(),
        })
    }

    /// The client id of an acting client.
    pub fn client_id(&self) -> Option<&str> {
        match &self.who {
            Who::Client { client_id, .. } => Some(client_id),
            _ => None,
        }
    }

    /// An audit entry of this actor for `action` on `target` (a property, if any).
    fn entry(
        &self,
        action: &str,
        target: Option<(&str, &str)>,
        before: Option<Value>,
        after: Option<Value>,
    ) -> AuditEntry {
        let (actor_kind, actor, actor_name) = match &self.who {
            Who::User { username, .. } => (ActorKind::User, username.clone(), None),
            Who::Client {
                client_id, name, ..
            } => (ActorKind::Client, client_id.clone(), Some(name.clone())),
            Who::Operator { os_user } => (ActorKind::System, os_user.clone(), None),
        };
        AuditEntry {
            id: 0,
            at: self.now,
            door: self.door,
            actor_kind,
            actor,
            actor_name,
            source: self.source.clone(),
            request_id: self.request_id.clone(),
            action: action.to_string(),
            client_id: target.map(|(id, _)| id.to_string()),
            property_name: target.map(|(_, name)| name.to_string()),
            before,
            after,
            batch_id: None,
        }
    }

    /// A short description of the actor for log lines.
    pub fn describe(&self) -> String {
        match &self.who {
            Who::User { username, .. } => username.clone(),
            Who::Client { client_id, .. } => format!("client {client_id}"),
            Who::Operator { os_user } => format!("operator {os_user}"),
        }
    }
}

/// The input an error is about. Each door names it in its own words (the API's parameter, the
/// console's form field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// The property acted on.
    Target,
    Name,
    Features,
    Whitelist,
    /// One row of a whitelist editor.
    WhitelistEntry(usize),
    Hours,
    /// A setting key; `Some(key)` when it is one of several (the row it belongs to).
    Key(Option<String>),
    Value(Option<String>),
    /// A whole set of settings changes.
    Settings,
    Username,
    Role,
    CurrentPassword,
    NewPassword,
    ConfirmPassword,
}

/// What an operation can answer besides success: one error type for every door.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// Bad input: `reason` follows "<field> was not valid for the following reason:".
    #[error("{reason}")]
    Invalid { field: Field, reason: String },
    /// The property named as target does not exist (any more).
    #[error("no client has the id {0}")]
    UnknownTarget(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("the property was changed by someone else since it was loaded")]
    Conflict,
    #[error("settings changed since they were loaded: {}", .keys.join(", "))]
    SettingsConflict { keys: Vec<String> },
    #[error("database error: {0}")]
    Store(StoreError),
}

impl OpError {
    pub fn invalid(field: Field, reason: impl Into<String>) -> OpError {
        OpError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

impl From<StoreError> for OpError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::VersionConflict => OpError::Conflict,
            StoreError::SettingsConflict { keys } => OpError::SettingsConflict { keys },
            other => OpError::Store(other),
        }
    }
}

pub type OpResult<T> = Result<T, OpError>;

/// The property `client_id` names, read inside the write; an unknown id is an error that names it.
async fn target(w: &mut Write, client_id: &str) -> OpResult<PropertyRecord> {
    check_client_id(client_id)?;
    w.property(client_id)
        .await?
        .ok_or_else(|| OpError::UnknownTarget(client_id.to_string()))
}

/// A client id is 32 lowercase letters and digits.
fn check_client_id(client_id: &str) -> OpResult<()> {
    if crate::domain::tokens::is_token(client_id) {
        Ok(())
    } else {
        Err(OpError::invalid(
            Field::Target,
            format!(
                "\"{}\" is not a client id (32 lowercase letters and digits)",
                crate::domain::echo(client_id)
            ),
        ))
    }
}

/// Opens a write for an operation.
async fn begin(store: &Store) -> OpResult<Write> {
    Ok(store.write().await?)
}
