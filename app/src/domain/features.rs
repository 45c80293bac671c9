//! Client features (permissions) and the rules for combining and changing them.
//!
//! The API (seed 000) and the console (seed 003) share these rules so that a combination refused in
//! one place is refused in the other too.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use super::echo;

/// A feature a property (API client) may hold. Declaration order is the console's display order,
/// so the derived `Ord` sorts lists the way the console shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Owner,
    AccessIssuer,
    DirectReadAccess,
    DirectAccess,
    LoginClient,
    Metadata,
}

impl Feature {
    /// Every feature, in console order.
    pub const ALL: [Feature; 6] = [
        Feature::Owner,
        Feature::AccessIssuer,
        Feature::DirectReadAccess,
        Feature::DirectAccess,
        Feature::LoginClient,
        Feature::Metadata,
    ];

    /// The features the API accepts (seed 000); `metadata` is reserved for console administrators.
    pub const API_ASSIGNABLE: [Feature; 5] = [
        Feature::Owner,
        Feature::AccessIssuer,
        Feature::DirectReadAccess,
        Feature::DirectAccess,
        Feature::LoginClient,
    ];

    /// The wire name, exactly as the Capture API spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Feature::Owner => "owner",
            Feature::AccessIssuer => "access_issuer",
            Feature::DirectReadAccess => "direct_read_access",
            Feature::DirectAccess => "direct_access",
            Feature::LoginClient => "login_client",
            Feature::Metadata => "metadata",
        }
    }

    /// One-line explanation shown next to the checkbox in the console (wording from seed 000).
    pub fn description(&self) -> &'static str {
        match self {
            Feature::Owner => "Complete admin access.",
            Feature::AccessIssuer => "Can issue access tokens for other clients.",
            Feature::DirectReadAccess => "Has read access to all records.",
            Feature::DirectAccess => "Has read and write access to all records.",
            Feature::LoginClient => {
                "Read-only client for logging users into your website or application; \
                 cannot be combined with other features."
            }
            Feature::Metadata => {
                "Reserved; updates made by this client leave a record's lastUpdated time unchanged."
            }
        }
    }

    /// Whether the API may assign this feature (everything except the reserved `metadata`).
    pub fn api_assignable(&self) -> bool {
        *self != Feature::Metadata
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Feature {
    type Err = FeatureError;

    /// Exact, case-sensitive match: the API never accepted `Owner` or ` owner`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Feature::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| FeatureError::UnknownName(echo(s)))
    }
}

/// Why a feature list or a change to it was refused. The `Display` text (also `reason()`) is the
/// part after "features was not valid for the following reason: ".
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum FeatureError {
    #[error("expected a JSON array of feature names, but the value is not valid JSON")]
    InvalidJson,
    #[error("expected a JSON array of feature names, but got {0}")]
    NotAnArray(&'static str),
    #[error(
        "expected a JSON array of feature names, but element {index} is {found}, not a string"
    )]
    NotAString { index: usize, found: &'static str },
    #[error("an empty string is not a valid feature name")]
    EmptyName,
    #[error("{0} is not a valid feature name")]
    UnknownName(String),
    #[error("metadata is a reserved feature name and cannot be assigned through the API")]
    Reserved,
    #[error("login_client cannot be combined with other features")]
    LoginClientCombined,
    #[error("an owner client may not remove the owner feature from itself")]
    OwnerSelfRemoval,
    #[error("the owner feature cannot be removed once it has been saved")]
    OwnerLocked,
}

impl FeatureError {
    /// The human-readable reason, for `<arg> was not valid for the following reason: <reason>`.
    pub fn reason(&self) -> String {
        self.to_string()
    }
}

/// Names the JSON type of a value for error messages ("a number", "an object", ...).
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Sorts into console order and removes duplicates, so stored lists compare and display stably.
pub fn normalize(features: &[Feature]) -> Vec<Feature> {
    let mut v = features.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Parses the API's `features` parameter (a JSON array of names). The first bad element decides
/// the error, so the caller sees exactly which name is wrong. `allow_metadata` is false for the
/// API (the name is reserved there) and true for console administrators.
pub fn parse_feature_list_json(
    text: &str,
    allow_metadata: bool,
) -> Result<Vec<Feature>, FeatureError> {
    let value: Value = serde_json::from_str(text).map_err(|_| FeatureError::InvalidJson)?;
    let items = match &value {
        Value::Array(items) => items,
        other => return Err(FeatureError::NotAnArray(json_kind(other))),
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let name = match item {
            Value::String(s) => s,
            other => {
                return Err(FeatureError::NotAString {
                    index,
                    found: json_kind(other),
                })
            }
        };
        if name.is_empty() {
            return Err(FeatureError::EmptyName);
        }
        let feature: Feature = name.parse()?;
        if feature == Feature::Metadata && !allow_metadata {
            return Err(FeatureError::Reserved);
        }
        out.push(feature);
    }
    Ok(normalize(&out))
}

/// `login_client` must stand alone: a login client is handed to browsers and apps, so it must
/// never carry any other power.
pub fn check_combination(features: &[Feature]) -> Result<(), FeatureError> {
    let has_login = features.contains(&Feature::LoginClient);
    let has_other = features.iter().any(|f| *f != Feature::LoginClient);
    if has_login && has_other {
        Err(FeatureError::LoginClientCombined)
    } else {
        Ok(())
    }
}

/// API rule (seed 000): an owner may not strip `owner` from itself, which could leave the
/// application without an administrator; it may do so for another property.
pub fn check_owner_change(
    caller_is_target: bool,
    old: &[Feature],
    new: &[Feature],
) -> Result<(), FeatureError> {
    if caller_is_target && old.contains(&Feature::Owner) && !new.contains(&Feature::Owner) {
        Err(FeatureError::OwnerSelfRemoval)
    } else {
        Ok(())
    }
}

/// Console rule: once `owner` has been saved on a property its checkbox is locked.
pub fn console_owner_locked(saved: &[Feature]) -> bool {
    saved.contains(&Feature::Owner)
}

/// Everything the console checks before saving a property's features.
pub fn check_console_change(old_saved: &[Feature], new: &[Feature]) -> Result<(), FeatureError> {
    if console_owner_locked(old_saved) && !new.contains(&Feature::Owner) {
        return Err(FeatureError::OwnerLocked);
    }
    check_combination(new)
}

/// Permission check: does holding `held` allow an action that needs `needed`?
/// `direct_access` (read and write) includes `direct_read_access`.
pub fn grants(held: &[Feature], needed: Feature) -> bool {
    held.contains(&needed)
        || (needed == Feature::DirectReadAccess && held.contains(&Feature::DirectAccess))
}

/// Why the console should grey out `candidate`'s checkbox given the current selection, or `None`
/// if it may be toggled. A ticked box always stays available so it can be unticked.
pub fn unavailable_reason(selected: &[Feature], candidate: Feature) -> Option<&'static str> {
    if selected.contains(&candidate) {
        return None;
    }
    if candidate == Feature::LoginClient {
        if selected.iter().any(|f| *f != Feature::LoginClient) {
            return Some("login_client cannot be combined with other features; untick them first");
        }
    } else if selected.contains(&Feature::LoginClient) {
        return Some(
            "login_client is selected and cannot be combined with other features; untick it first",
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use Feature::*;

    #[test]
    fn names_round_trip() {
        for f in Feature::ALL {
            assert_eq!(f.as_str().parse::<Feature>().unwrap(), f);
            assert_eq!(f.to_string(), f.as_str());
            assert!(!f.description().is_empty());
            assert!(!f.description().contains('\n'));
        }
    }

    #[test]
    fn all_is_in_console_order_and_sorted() {
        let names: Vec<_> = Feature::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "owner",
                "access_issuer",
                "direct_read_access",
                "direct_access",
                "login_client",
                "metadata"
            ]
        );
        let mut sorted = Feature::ALL;
        sorted.sort();
        assert_eq!(sorted, Feature::ALL);
    }

    #[test]
    fn api_assignable_is_all_but_metadata() {
        assert_eq!(Feature::API_ASSIGNABLE.len(), 5);
        assert!(!Feature::API_ASSIGNABLE.contains(&Metadata));
        for f in Feature::ALL {
            assert_eq!(f.api_assignable(), Feature::API_ASSIGNABLE.contains(&f));
        }
    }

    #[test]
    fn serde_uses_snake_case() {
        assert_eq!(
            serde_json::to_string(&DirectReadAccess).unwrap(),
            "\"direct_read_access\""
        );
        assert_eq!(
            serde_json::to_string(&[Owner, LoginClient]).unwrap(),
            r#"["owner","login_client"]"#
        );
        let f: Feature = serde_json::from_str("\"access_issuer\"").unwrap();
        assert_eq!(f, AccessIssuer);
    }

    #[test]
    fn from_str_is_exact() {
        assert!("Owner".parse::<Feature>().is_err());
        assert!(" owner".parse::<Feature>().is_err());
        assert!("owner ".parse::<Feature>().is_err());
        assert!("OWNER".parse::<Feature>().is_err());
        assert!("direct-access".parse::<Feature>().is_err());
        assert_eq!(
            "ninja_superuser".parse::<Feature>().unwrap_err().reason(),
            "ninja_superuser is not a valid feature name"
        );
    }

    #[test]
    fn parse_ok_sorted_and_deduped() {
        assert_eq!(
            parse_feature_list_json(r#"["owner"]"#, false).unwrap(),
            vec![Owner]
        );
        assert_eq!(parse_feature_list_json("[]", false).unwrap(), vec![]);
        assert_eq!(parse_feature_list_json(" [ ] ", false).unwrap(), vec![]);
        assert_eq!(
            parse_feature_list_json(
                r#"["direct_access","owner","direct_access","access_issuer"]"#,
                false
            )
            .unwrap(),
            vec![Owner, AccessIssuer, DirectAccess]
        );
        assert_eq!(
            parse_feature_list_json(r#"["metadata","owner"]"#, true).unwrap(),
            vec![Owner, Metadata]
        );
    }

    #[test]
    fn parse_unknown_name_matches_seed() {
        let e = parse_feature_list_json(r#"["ninja_superuser"]"#, false).unwrap_err();
        assert_eq!(e.reason(), "ninja_superuser is not a valid feature name");
        assert_eq!(
            format!("features was not valid for the following reason: {}", e.reason()),
            "features was not valid for the following reason: ninja_superuser is not a valid feature name"
        );
        // The first bad element wins.
        let e = parse_feature_list_json(r#"["owner","bad1","bad2"]"#, false).unwrap_err();
        assert_eq!(e, FeatureError::UnknownName("bad1".into()));
        let e = parse_feature_list_json(r#"["Owner"]"#, false).unwrap_err();
        assert_eq!(e.reason(), "Owner is not a valid feature name");
    }

    #[test]
    fn parse_metadata_reserved_for_api() {
        let e = parse_feature_list_json(r#"["metadata"]"#, false).unwrap_err();
        assert_eq!(e, FeatureError::Reserved);
        assert_eq!(
            e.reason(),
            "metadata is a reserved feature name and cannot be assigned through the API"
        );
    }

    #[test]
    fn parse_not_json_or_not_array() {
        for bad in [
            "",
            "   ",
            "owner",
            "[owner]",
            "[\"owner\"",
            "[\"owner\",]",
            "\u{0}",
        ] {
            assert_eq!(
                parse_feature_list_json(bad, false).unwrap_err(),
                FeatureError::InvalidJson,
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_feature_list_json("\"owner\"", false)
                .unwrap_err()
                .reason(),
            "expected a JSON array of feature names, but got a string"
        );
        assert_eq!(
            parse_feature_list_json("{\"owner\":true}", false)
                .unwrap_err()
                .reason(),
            "expected a JSON array of feature names, but got an object"
        );
        assert_eq!(
            parse_feature_list_json("null", false).unwrap_err().reason(),
            "expected a JSON array of feature names, but got null"
        );
        assert_eq!(
            parse_feature_list_json("12", false).unwrap_err(),
            FeatureError::NotAnArray("a number")
        );
    }

    #[test]
    fn parse_non_string_elements() {
        assert_eq!(
            parse_feature_list_json(r#"["owner", 5]"#, false)
                .unwrap_err()
                .reason(),
            "expected a JSON array of feature names, but element 1 is a number, not a string"
        );
        assert_eq!(
            parse_feature_list_json(r#"[["owner"]]"#, false).unwrap_err(),
            FeatureError::NotAString {
                index: 0,
                found: "an array"
            }
        );
        assert_eq!(
            parse_feature_list_json(r#"[null]"#, false).unwrap_err(),
            FeatureError::NotAString {
                index: 0,
                found: "null"
            }
        );
        assert_eq!(
            parse_feature_list_json(r#"[true]"#, false).unwrap_err(),
            FeatureError::NotAString {
                index: 0,
                found: "a boolean"
            }
        );
        assert_eq!(
            parse_feature_list_json(r#"[{}]"#, false).unwrap_err(),
            FeatureError::NotAString {
                index: 0,
                found: "an object"
            }
        );
    }

    #[test]
    fn parse_odd_input_never_panics() {
        assert_eq!(
            parse_feature_list_json(r#"[""]"#, false).unwrap_err(),
            FeatureError::EmptyName
        );
        let e = parse_feature_list_json(r#"["ownér😀"]"#, false).unwrap_err();
        assert_eq!(e.reason(), "ownér😀 is not a valid feature name");
        // Huge names are shortened in the echo.
        let long = "x".repeat(100_000);
        let e = parse_feature_list_json(&format!("[\"{long}\"]"), false).unwrap_err();
        assert_eq!(
            e.reason(),
            format!("{}... is not a valid feature name", "x".repeat(100))
        );
        // Deep nesting hits serde_json's recursion limit instead of the stack.
        let deep = "[".repeat(100_000);
        assert_eq!(
            parse_feature_list_json(&deep, false).unwrap_err(),
            FeatureError::InvalidJson
        );
        // Large but valid lists are fine.
        let many = format!("[{}\"owner\"]", "\"owner\",".repeat(10_000));
        assert_eq!(parse_feature_list_json(&many, false).unwrap(), vec![Owner]);
        // Escapes are decoded before matching.
        assert_eq!(
            parse_feature_list_json(r#"["\u006fwner"]"#, false).unwrap(),
            vec![Owner]
        );
    }

    #[test]
    fn combination_rule() {
        assert!(check_combination(&[]).is_ok());
        assert!(check_combination(&[LoginClient]).is_ok());
        assert!(check_combination(&[LoginClient, LoginClient]).is_ok());
        assert!(check_combination(&[
            Owner,
            AccessIssuer,
            DirectReadAccess,
            DirectAccess,
            Metadata
        ])
        .is_ok());
        for f in Feature::ALL {
            if f != LoginClient {
                let e = check_combination(&[LoginClient, f]).unwrap_err();
                assert_eq!(
                    e.reason(),
                    "login_client cannot be combined with other features"
                );
                assert!(check_combination(&[f, LoginClient]).is_err());
            }
        }
    }

    #[test]
    fn owner_self_removal() {
        let e = check_owner_change(true, &[Owner, DirectAccess], &[DirectAccess]).unwrap_err();
        assert_eq!(
            e.reason(),
            "an owner client may not remove the owner feature from itself"
        );
        assert!(check_owner_change(true, &[Owner], &[]).is_err());
        // Keeping owner, or changing another property, is fine.
        assert!(check_owner_change(true, &[Owner], &[Owner, AccessIssuer]).is_ok());
        assert!(check_owner_change(false, &[Owner], &[]).is_ok());
        assert!(check_owner_change(false, &[Owner], &[LoginClient]).is_ok());
        // Nothing to remove.
        assert!(check_owner_change(true, &[AccessIssuer], &[]).is_ok());
        assert!(check_owner_change(true, &[], &[Owner]).is_ok());
    }

    #[test]
    fn console_rules() {
        assert!(console_owner_locked(&[AccessIssuer, Owner]));
        assert!(!console_owner_locked(&[AccessIssuer]));
        assert!(!console_owner_locked(&[]));
        assert_eq!(
            check_console_change(&[Owner], &[]).unwrap_err(),
            FeatureError::OwnerLocked
        );
        assert_eq!(
            check_console_change(&[Owner], &[LoginClient]).unwrap_err(),
            FeatureError::OwnerLocked
        );
        assert_eq!(
            check_console_change(&[Owner], &[Owner, LoginClient]).unwrap_err(),
            FeatureError::LoginClientCombined
        );
        assert!(check_console_change(&[Owner], &[Owner, Metadata]).is_ok());
        assert!(check_console_change(&[], &[Owner]).is_ok());
        assert!(check_console_change(&[AccessIssuer], &[LoginClient]).is_ok());
        assert_eq!(
            check_console_change(&[], &[LoginClient, DirectAccess]).unwrap_err(),
            FeatureError::LoginClientCombined
        );
    }

    #[test]
    fn grants_rules() {
        assert!(grants(&[DirectAccess], DirectReadAccess));
        assert!(grants(&[DirectAccess], DirectAccess));
        assert!(!grants(&[DirectReadAccess], DirectAccess));
        assert!(grants(&[DirectReadAccess], DirectReadAccess));
        assert!(grants(&[Owner], Owner));
        assert!(!grants(&[Owner], DirectAccess));
        assert!(!grants(&[], Owner));
        assert!(!grants(&[LoginClient], DirectReadAccess));
        assert!(grants(&[AccessIssuer, LoginClient], AccessIssuer));
    }

    #[test]
    fn console_exclusivity() {
        // Nothing selected: everything available.
        for f in Feature::ALL {
            assert_eq!(unavailable_reason(&[], f), None);
        }
        // login_client selected: others unavailable, login_client itself can be unticked.
        for f in Feature::ALL {
            let r = unavailable_reason(&[LoginClient], f);
            if f == LoginClient {
                assert_eq!(r, None);
            } else {
                assert!(r.unwrap().contains("login_client"));
            }
        }
        // Any other selected: only login_client unavailable.
        for other in Feature::ALL.into_iter().filter(|f| *f != LoginClient) {
            for f in Feature::ALL {
                let r = unavailable_reason(&[other], f);
                assert_eq!(r.is_some(), f == LoginClient, "{other} {f}");
            }
        }
        // An invalid mixed state keeps the ticked boxes untickable.
        assert_eq!(unavailable_reason(&[LoginClient, Owner], Owner), None);
        assert_eq!(unavailable_reason(&[LoginClient, Owner], LoginClient), None);
        assert!(unavailable_reason(&[LoginClient, Owner], AccessIssuer).is_some());
    }

    #[test]
    fn normalize_sorts_and_dedups() {
        assert_eq!(
            normalize(&[Metadata, Owner, Metadata, AccessIssuer]),
            vec![Owner, AccessIssuer, Metadata]
        );
        assert_eq!(normalize(&[]), vec![]);
    }
}
