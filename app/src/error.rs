//! The console's one error type: what a server function can answer, mapped to words an
//! administrator can act on. A field error names its field so the page shows it beside that field.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::transfer::Problem;

/// At most this many of an import file's problems are sent to the console (the count says how
/// many there are in all): enough to fix a file by, small enough for one answer.
pub const MAX_LISTED_PROBLEMS: usize = 1_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ConsoleError {
    /// Bad input; `field` is the name of the form field it belongs to.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("This property no longer exists. Someone may have deleted it.")]
    NotFound,
    #[error("Your account is not allowed to do this.")]
    Forbidden,
    #[error("Your session has ended. Sign in again to continue.")]
    Unauthenticated,
    #[error("Someone else changed this property after you opened it. Nothing was saved; reload to see their changes (your edits stay on screen until you do).")]
    Conflict,
    #[error("Someone else changed {} after you opened this page. Nothing was saved; load the latest settings to see their changes (your edits stay on screen until you do).", conflict_keys(.keys))]
    SettingsConflict { keys: Vec<String> },
    /// An import file that cannot be imported: every problem with its position in the file
    /// (the first [`MAX_LISTED_PROBLEMS`]; `total` counts them all). Nothing was written.
    #[error("{}", problems_sentence(*.total))]
    ImportProblems {
        problems: Vec<Problem>,
        total: usize,
    },
    /// The properties or settings changed between showing an import's plan and applying it.
    #[error("The properties or settings changed after this plan was shown, so nothing was imported. Show the plan again to see what the import would do now.")]
    PlanChanged,
    #[error("The server could not complete the request ({0}). Try again; if it keeps failing, check the server log.")]
    Server(String),
}

impl ConsoleError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ConsoleError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The message for `field`, if this error belongs to it.
    pub fn for_field(&self, name: &str) -> Option<String> {
        match self {
            ConsoleError::Invalid { field, message } if field == name => Some(message.clone()),
            _ => None,
        }
    }
}

fn problems_sentence(total: usize) -> String {
    match total {
        1 => "The file has 1 problem, so nothing was imported.".into(),
        n => format!("The file has {n} problems, so nothing was imported."),
    }
}

/// "site_name" / "site_name and rpx_key" / "a, b and c", for the settings conflict message.
fn conflict_keys(keys: &[String]) -> String {
    match keys {
        [] => "these settings".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(feature = "ssr")]
impl ConsoleError {
    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            ConsoleError::Invalid { .. } | ConsoleError::ImportProblems { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ConsoleError::NotFound => StatusCode::NOT_FOUND,
            ConsoleError::Forbidden => StatusCode::FORBIDDEN,
            ConsoleError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ConsoleError::Conflict
            | ConsoleError::SettingsConflict { .. }
            | ConsoleError::PlanChanged => StatusCode::CONFLICT,
            ConsoleError::Server(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl FromServerFnError for ConsoleError {
    type Encoder = crate::wire::TextJson;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ConsoleError::Server(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<crate::store::StoreError> for ConsoleError {
    fn from(error: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match error {
            StoreError::NotFound => ConsoleError::NotFound,
            StoreError::VersionConflict => ConsoleError::Conflict,
            StoreError::SettingsConflict { keys } => ConsoleError::SettingsConflict { keys },
            StoreError::NameTaken => ConsoleError::invalid(
                "name",
                "Another property already has this name. Choose a different one.",
            ),
            StoreError::UsernameTaken => {
                ConsoleError::invalid("username", "An account with this username already exists.")
            }
            StoreError::LastAdmin => ConsoleError::invalid(
                "role",
                "This is the last admin account. Make another account admin first, so someone can still manage the console.",
            ),
            other => {
                tracing::error!(error = %other, "console request failed");
                ConsoleError::Server("a database error, logged on the server".into())
            }
        }
    }
}

/// One mapping from the operations' error to the console's: the reason becomes a sentence beside
/// the form field it belongs to.
#[cfg(feature = "ssr")]
impl From<crate::ops::OpError> for ConsoleError {
    fn from(error: crate::ops::OpError) -> Self {
        use crate::domain::capitalize;
        use crate::ops::{Field, OpError};
        match error {
            OpError::Invalid { field, reason } => {
                let field = match field {
                    Field::Target => "client_id".to_string(),
                    Field::Name => "name".into(),
                    Field::Features => "features".into(),
                    Field::Whitelist => "whitelist".into(),
                    Field::WhitelistEntry(index) => {
                        crate::properties::server_fns::whitelist_field(index)
                    }
                    Field::Hours => "hours".into(),
                    Field::Key(Some(key)) | Field::Value(Some(key)) => key,
                    Field::Key(None) => "key".into(),
                    Field::Value(None) => "value".into(),
                    Field::Settings => "settings".into(),
                    Field::Username => "username".into(),
                    Field::Role => "role".into(),
                    Field::CurrentPassword => "current".into(),
                    Field::NewPassword => "new".into(),
                    Field::ConfirmPassword => "confirm".into(),
                };
                ConsoleError::Invalid {
                    field,
                    message: capitalize(&reason),
                }
            }
            OpError::UnknownTarget(_) => ConsoleError::NotFound,
            OpError::Forbidden(_) => ConsoleError::Forbidden,
            OpError::Conflict => ConsoleError::Conflict,
            OpError::SettingsConflict { keys } => ConsoleError::SettingsConflict { keys },
            OpError::Store(error) => error.into(),
        }
    }
}

/// An import that did not happen: its problems (listed, with positions), a plan that no longer
/// holds, or an operation's refusal.
#[cfg(feature = "ssr")]
impl From<crate::ops::transfer::ImportError> for ConsoleError {
    fn from(error: crate::ops::transfer::ImportError) -> Self {
        use crate::ops::transfer::ImportError;
        match error {
            ImportError::Invalid(mut problems) => {
                let total = problems.len();
                problems.truncate(MAX_LISTED_PROBLEMS);
                ConsoleError::ImportProblems { problems, total }
            }
            ImportError::PlanChanged => ConsoleError::PlanChanged,
            ImportError::Op(error) => error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_conflicts_name_the_keys() {
        let message = |keys: &[&str]| {
            ConsoleError::SettingsConflict {
                keys: keys.iter().map(|k| k.to_string()).collect(),
            }
            .to_string()
        };
        assert!(message(&["site_name"]).starts_with("Someone else changed site_name after"));
        assert!(message(&["a", "b"]).starts_with("Someone else changed a and b after"));
        assert!(message(&["a", "b", "c"]).starts_with("Someone else changed a, b and c after"));
        assert!(message(&[]).contains("changed these settings"));
    }
}
