//! Bulk actions on the Manage Properties list (issue #19): which properties (a list of ids, or
//! everything the list's current search and feature filter match) and what to do to each. The
//! per-property rules are the single-property ones: the feature rules of the console and the
//! whitelist's parsing and size limit.

use serde::{Deserialize, Serialize};

use super::features::{self, Feature, FeatureError};
use super::whitelist::{self, CidrError, WhitelistError};

/// At most this many ids in one explicit selection (a bigger one is "all matching").
pub const MAX_SELECTED_IDS: usize = 10_000;

/// The properties a bulk action applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkTarget {
    /// The properties ticked one by one.
    Ids(Vec<String>),
    /// Everything the list shows for this search and feature filter, on every page.
    Matching {
        search: String,
        features: Vec<Feature>,
    },
}

/// What a bulk action does to each property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkChange {
    AddFeature(Feature),
    RemoveFeature(Feature),
    /// One whitelist entry (an address or a CIDR range), added where it is missing.
    AddIpRange(String),
    /// Deletes every selected property except owners, which are skipped.
    Delete,
}

impl BulkChange {
    /// "Feature added", for the result message.
    pub fn done_label(&self) -> &'static str {
        match self {
            BulkChange::AddFeature(_) => "Feature added to",
            BulkChange::RemoveFeature(_) => "Feature removed from",
            BulkChange::AddIpRange(_) => "IP range added to",
            BulkChange::Delete => "Deleted",
        }
    }
}

/// The feature set a property gets from a feature change, or the rule it would break. Other
/// changes leave the features as they are.
pub fn features_after(change: &BulkChange, old: &[Feature]) -> Result<Vec<Feature>, FeatureError> {
    let mut new = old.to_vec();
    match change {
        BulkChange::AddFeature(f) => new.push(*f),
        BulkChange::RemoveFeature(f) => new.retain(|x| x != f),
        _ => return Ok(features::normalize(old)),
    }
    let new = features::normalize(&new);
    features::check_console_change(old, &new)?;
    Ok(new)
}

/// The canonical form of the entry an "Add IP range" adds, or why it is not one.
pub fn parse_range(entry: &str) -> Result<String, CidrError> {
    whitelist::parse_entry(entry.trim()).map(|net| whitelist::stored_form(&net))
}

/// The whitelist a property gets from adding `range` (canonical), or why it cannot. Unchanged
/// (`None`) when the entry is already there.
pub fn whitelist_after(old: &[String], range: &str) -> Result<Option<Vec<String>>, WhitelistError> {
    if old.iter().any(|e| e == range) {
        return Ok(None);
    }
    let mut new = old.to_vec();
    new.push(range.to_string());
    whitelist::parse_entries(new.iter().map(String::as_str)).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_changes_follow_the_console_rules() {
        let add = BulkChange::AddFeature(Feature::LoginClient);
        assert_eq!(
            features_after(&add, &[]).unwrap(),
            vec![Feature::LoginClient]
        );
        assert_eq!(
            features_after(&add, &[Feature::DirectAccess]),
            Err(FeatureError::LoginClientCombined)
        );
        let remove_owner = BulkChange::RemoveFeature(Feature::Owner);
        assert_eq!(
            features_after(&remove_owner, &[Feature::Owner]),
            Err(FeatureError::OwnerLocked)
        );
        assert_eq!(
            features_after(
                &BulkChange::RemoveFeature(Feature::DirectAccess),
                &[Feature::DirectAccess]
            )
            .unwrap(),
            Vec::<Feature>::new()
        );
    }

    #[test]
    fn ranges_are_parsed_and_added_once() {
        assert!(parse_range("not an address").is_err());
        assert!(parse_range("").is_err());
        let range = parse_range(" 10.0.0.0/8 ").unwrap();
        assert_eq!(range, "10.0.0.0/8");
        let old = vec!["192.0.2.1/32".to_string()];
        assert_eq!(whitelist_after(&old, &range).unwrap().unwrap().len(), 2);
        assert_eq!(
            whitelist_after(std::slice::from_ref(&range), &range).unwrap(),
            None
        );
    }
}
