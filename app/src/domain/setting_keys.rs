//! Setting keys and values: validation, the standard keys offered by the console's key picker,
//! and how a property's value overrides the global one.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Longest allowed key, in characters (keys are ASCII, so also bytes).
pub const MAX_KEY_CHARS: usize = 100;

/// Largest allowed value, in bytes of UTF-8; keeps one setting from bloating every response.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Most settings one property may hold, and most changes one request may carry.
pub const MAX_SETTINGS: usize = 1000;

/// Why a key was refused; `reason()` is the text after "key was not valid for the following
/// reason: ".
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum KeyError {
    #[error("the key must not be empty")]
    Empty,
    #[error("the key must be at most {max} characters (it has {chars})", max = MAX_KEY_CHARS)]
    TooLong { chars: usize },
    #[error("the key contains a space; use underscores instead (my_setting_name)")]
    ContainsSpace,
    #[error("the key contains the character '{}', which is not allowed; use letters, digits, _ - .", .ch.escape_debug())]
    InvalidChar { ch: char },
}

impl KeyError {
    /// The human-readable reason.
    pub fn reason(&self) -> String {
        self.to_string()
    }
}

/// Why a value was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ValueError {
    #[error("the value must be at most {max} bytes (64 KiB); it has {bytes}", max = MAX_VALUE_BYTES)]
    TooLarge { bytes: usize },
}

impl ValueError {
    /// The human-readable reason.
    pub fn reason(&self) -> String {
        self.to_string()
    }
}

fn key_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'
}

/// Checks a key: 1-100 characters from `A-Z a-z 0-9 _ - .`. Keys are not trimmed: a key with a
/// space anywhere is refused with a hint rather than silently changed.
pub fn validate_key(key: &str) -> Result<(), KeyError> {
    if key.is_empty() {
        return Err(KeyError::Empty);
    }
    let chars = key.chars().count();
    if chars > MAX_KEY_CHARS {
        return Err(KeyError::TooLong { chars });
    }
    if key.contains(' ') {
        return Err(KeyError::ContainsSpace);
    }
    match key.chars().find(|c| !key_char_ok(*c)) {
        Some(ch) => Err(KeyError::InvalidChar { ch }),
        None => Ok(()),
    }
}

/// Checks a value: any string up to [`MAX_VALUE_BYTES`] bytes (the empty string included).
/// Keys whose values are credentials (`backplane_password`, `rpx_key`, anything with "secret"):
/// the audit log records that they changed, never their values.
pub fn is_sensitive_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token"]
        .iter()
        .any(|word| key.contains(word))
        || key.ends_with("_key")
        || key == "key"
}

pub fn validate_value(value: &str) -> Result<(), ValueError> {
    if value.len() > MAX_VALUE_BYTES {
        Err(ValueError::TooLarge { bytes: value.len() })
    } else {
        Ok(())
    }
}

/// A well-known key offered by the console's key picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StandardKey {
    pub key: &'static str,
    pub description: &'static str,
}

const fn sk(key: &'static str, description: &'static str) -> StandardKey {
    StandardKey { key, description }
}

/// The standard keys of SPEC section 1, alphabetically; custom keys are allowed too.
pub const STANDARD_KEYS: &[StandardKey] = &[
    sk(
        "backplane_bus",
        "Name of the Backplane bus that sign-in events are published to (Backplane 1.x).",
    ),
    sk(
        "backplane_password",
        "Password of the Backplane client (Backplane 1.x).",
    ),
    sk(
        "backplane_server",
        "Backplane server that events are published to (Backplane 1.x).",
    ),
    sk(
        "backplane_username",
        "User name of the Backplane client (Backplane 1.x).",
    ),
    sk(
        "backplane_version",
        "Backplane protocol version to speak, e.g. v1.2.",
    ),
    sk(
        "capture_server_url",
        "Address of the server that hosts the registration application.",
    ),
    sk(
        "ccp_edit_form",
        "Form the console uses to edit a user profile (default ccp_editProfileForm).",
    ),
    sk(
        "ccp_enable_email_send_buttons",
        "true or false: show the console's resend-verification and password-reset buttons.",
    ),
    sk(
        "ccp_flow_name",
        "Registration flow the console uses when editing user profiles.",
    ),
    sk(
        "ccp_flow_version",
        "Version of the console's flow; the latest version when unset.",
    ),
    sk(
        "default_flow_name",
        "Registration flow used when a request does not name one.",
    ),
    sk(
        "default_flow_version",
        "Flow version used when a request does not name one.",
    ),
    sk(
        "email_method",
        "How emails are generated during the registration flow.",
    ),
    sk(
        "jump_publish_settings",
        "Settings published to the hosted registration (JUMP) user interface.",
    ),
    sk(
        "login_attempts",
        "Sign-in attempts allowed within the threshold window before a temporary lock-out.",
    ),
    sk(
        "login_attempts_threshold",
        "Seconds after which a user's sign-in attempt counter resets to zero.",
    ),
    sk(
        "password_recover_url",
        "Page that password-reset emails link to.",
    ),
    sk(
        "recover_code_lifetime",
        "Seconds a password-reset code stays valid.",
    ),
    sk(
        "rpx_app_id",
        "App id of the Social Login application that powers social sign-in.",
    ),
    sk("rpx_key", "API key of the Social Login application."),
    sk(
        "rpx_realm",
        "Realm (sub-domain) of the Social Login application.",
    ),
    sk("rpx_server", "Address of the Social Login server."),
    sk(
        "site_name",
        "Site name shown to users, for example in emails.",
    ),
    sk(
        "user_entity_type",
        "Entity type that holds user records, usually user.",
    ),
    sk(
        "verify_email_url",
        "Page that email-verification emails link to.",
    ),
];

/// The standard key entry for `key`, if it is one (for the picker's descriptions).
pub fn standard_key(key: &str) -> Option<&'static StandardKey> {
    STANDARD_KEYS.iter().find(|k| k.key == key)
}

/// Whether `key` is one of the standard keys.
pub fn is_standard_key(key: &str) -> bool {
    standard_key(key).is_some()
}

/// The effective value of a key for a property: its own value if set, else the global one.
pub fn effective<'a>(property: Option<&'a str>, global: Option<&'a str>) -> Option<&'a str> {
    property.or(global)
}

/// Where a key is defined, which decides the console's row icon: a padlocked globe (global keys
/// cannot be deleted from a property page) or a trash can (property-only keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettingScope {
    /// Only the global (application) value exists.
    Global,
    /// Only this property sets the key.
    PropertyOnly,
    /// The property overrides a global value.
    Both,
}

impl SettingScope {
    /// Whether the console may offer to delete the whole row (only property-only keys).
    pub fn deletable_on_property(&self) -> bool {
        *self == SettingScope::PropertyOnly
    }
}

/// The scope of a key given where it has values; `None` if it is set nowhere.
pub fn scope(has_property: bool, has_global: bool) -> Option<SettingScope> {
    match (has_property, has_global) {
        (false, false) => None,
        (false, true) => Some(SettingScope::Global),
        (true, false) => Some(SettingScope::PropertyOnly),
        (true, true) => Some(SettingScope::Both),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_among_the_keys_are_sensitive() {
        for key in ["backplane_password", "rpx_key", "api_secret", "Auth_Token"] {
            assert!(is_sensitive_key(key), "{key}");
        }
        for key in [
            "site_name",
            "rpx_realm",
            "login_attempts",
            "keyboard_layout",
        ] {
            assert!(!is_sensitive_key(key), "{key}");
        }
    }

    #[test]
    fn valid_keys() {
        for k in [
            "a",
            "A",
            "my_setting_name",
            "x.y-z_0",
            "9",
            "-",
            ".",
            "_",
            "login_attempts",
        ] {
            assert_eq!(validate_key(k), Ok(()), "{k}");
        }
        assert_eq!(validate_key(&"k".repeat(100)), Ok(()));
    }

    #[test]
    fn key_reasons() {
        assert_eq!(
            validate_key("").unwrap_err().reason(),
            "the key must not be empty"
        );
        assert_eq!(
            validate_key(&"k".repeat(101)).unwrap_err().reason(),
            "the key must be at most 100 characters (it has 101)"
        );
        assert_eq!(
            validate_key("my setting").unwrap_err().reason(),
            "the key contains a space; use underscores instead (my_setting_name)"
        );
        assert_eq!(validate_key(" key").unwrap_err(), KeyError::ContainsSpace);
        assert_eq!(validate_key("key ").unwrap_err(), KeyError::ContainsSpace);
        assert_eq!(
            validate_key("a#b").unwrap_err().reason(),
            "the key contains the character '#', which is not allowed; use letters, digits, _ - ."
        );
        // The first forbidden character is named.
        assert_eq!(
            validate_key("a/b#c").unwrap_err(),
            KeyError::InvalidChar { ch: '/' }
        );
        // Invisible characters are shown escaped so the user can see them.
        assert_eq!(
            validate_key("a\tb").unwrap_err().reason(),
            "the key contains the character '\\t', which is not allowed; use letters, digits, _ - ."
        );
        assert_eq!(
            validate_key("clé").unwrap_err(),
            KeyError::InvalidChar { ch: 'é' }
        );
        assert_eq!(
            validate_key("a😀").unwrap_err(),
            KeyError::InvalidChar { ch: '😀' }
        );
        assert_eq!(
            validate_key("a\u{0}").unwrap_err(),
            KeyError::InvalidChar { ch: '\u{0}' }
        );
        assert_eq!(
            validate_key("a\u{a0}b").unwrap_err(),
            KeyError::InvalidChar { ch: '\u{a0}' }
        );
        assert_eq!(
            validate_key("a=b").unwrap_err(),
            KeyError::InvalidChar { ch: '=' }
        );
        // Length counts characters.
        assert_eq!(
            validate_key(&"é".repeat(60)).unwrap_err(),
            KeyError::InvalidChar { ch: 'é' }
        );
        assert_eq!(
            validate_key(&"é".repeat(101)).unwrap_err(),
            KeyError::TooLong { chars: 101 }
        );
        assert_eq!(
            validate_key(&"x".repeat(1_000_000)).unwrap_err(),
            KeyError::TooLong { chars: 1_000_000 }
        );
    }

    #[test]
    fn values() {
        assert_eq!(validate_value(""), Ok(()));
        assert_eq!(validate_value("any\nthing 😀"), Ok(()));
        assert_eq!(validate_value(&"v".repeat(MAX_VALUE_BYTES)), Ok(()));
        let e = validate_value(&"v".repeat(MAX_VALUE_BYTES + 1)).unwrap_err();
        assert_eq!(e, ValueError::TooLarge { bytes: 65_537 });
        assert_eq!(
            e.reason(),
            "the value must be at most 65536 bytes (64 KiB); it has 65537"
        );
        // Bytes, not characters.
        assert!(validate_value(&"é".repeat(MAX_VALUE_BYTES / 2)).is_ok());
        assert!(validate_value(&"é".repeat(MAX_VALUE_BYTES / 2 + 1)).is_err());
    }

    #[test]
    fn standard_keys_complete_sorted_valid() {
        let expected = [
            "backplane_bus",
            "backplane_password",
            "backplane_server",
            "backplane_username",
            "backplane_version",
            "capture_server_url",
            "ccp_edit_form",
            "ccp_enable_email_send_buttons",
            "ccp_flow_name",
            "ccp_flow_version",
            "default_flow_name",
            "default_flow_version",
            "email_method",
            "jump_publish_settings",
            "login_attempts",
            "login_attempts_threshold",
            "password_recover_url",
            "recover_code_lifetime",
            "rpx_app_id",
            "rpx_key",
            "rpx_realm",
            "rpx_server",
            "site_name",
            "user_entity_type",
            "verify_email_url",
        ];
        let keys: Vec<_> = STANDARD_KEYS.iter().map(|k| k.key).collect();
        assert_eq!(keys, expected);
        assert_eq!(STANDARD_KEYS.len(), 25);
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, keys);
        for k in STANDARD_KEYS {
            assert_eq!(validate_key(k.key), Ok(()));
            assert!(!k.description.is_empty() && !k.description.contains('\n'));
            assert!(k.description.ends_with('.'), "{}", k.key);
        }
        assert!(is_standard_key("site_name"));
        assert!(!is_standard_key("Site_name"));
        assert_eq!(standard_key("rpx_key").unwrap().key, "rpx_key");
        assert!(standard_key("custom").is_none());
    }

    #[test]
    fn effective_values() {
        assert_eq!(effective(Some("p"), Some("g")), Some("p"));
        assert_eq!(effective(None, Some("g")), Some("g"));
        assert_eq!(effective(Some("p"), None), Some("p"));
        assert_eq!(effective(None, None), None);
        // An empty property value is still a value (the console removes the override instead).
        assert_eq!(effective(Some(""), Some("g")), Some(""));
    }

    #[test]
    fn scopes() {
        assert_eq!(scope(false, false), None);
        assert_eq!(scope(false, true), Some(SettingScope::Global));
        assert_eq!(scope(true, false), Some(SettingScope::PropertyOnly));
        assert_eq!(scope(true, true), Some(SettingScope::Both));
        assert!(SettingScope::PropertyOnly.deletable_on_property());
        assert!(!SettingScope::Both.deletable_on_property());
        assert!(!SettingScope::Global.deletable_on_property());
        assert_eq!(
            serde_json::to_string(&SettingScope::PropertyOnly).unwrap(),
            "\"PropertyOnly\""
        );
    }
}
