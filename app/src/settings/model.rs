//! What the settings pages load and save.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::settings_edit::{settings_from_pairs, SettingsDiff};

/// One key of an editor: its value in each scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingRow {
    pub key: String,
    /// The property's own value (property page only).
    pub property: Option<String>,
    /// The global value.
    pub global: Option<String>,
    /// How many properties set their own value for this key (application page only).
    pub overrides: u32,
}

/// The property a settings page belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyRef {
    pub client_id: String,
    pub name: String,
}

/// A settings page as loaded: the property (`None` on the application page) and its rows, by key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsSnapshot {
    pub property: Option<PropertyRef>,
    pub rows: Vec<SettingRow>,
}

impl SettingsSnapshot {
    /// The values of the scope the page edits, as loaded.
    pub fn scope_values(&self) -> BTreeMap<String, String> {
        settings_from_pairs(self.rows.iter().filter_map(|row| {
            let value = if self.property.is_some() {
                row.property.as_ref()
            } else {
                row.global.as_ref()
            };
            value.map(|v| (row.key.clone(), v.clone()))
        }))
    }
}

/// The answer to "Save Changes": what changed, and the page as now stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSettings {
    pub diff: SettingsDiff,
    pub snapshot: SettingsSnapshot,
}

/// One row per key set in either scope, sorted by key (the property page's table).
pub fn merge_rows(
    property: &BTreeMap<String, String>,
    global: &BTreeMap<String, String>,
) -> Vec<SettingRow> {
    let mut keys: Vec<&String> = property.keys().chain(global.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|key| SettingRow {
            key: key.clone(),
            property: property.get(key).cloned(),
            global: global.get(key).cloned(),
            overrides: 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::settings_edit::settings_map as map;

    #[test]
    fn rows_cover_both_scopes_sorted_by_key() {
        let rows = merge_rows(
            &map(&[("login_attempts", "4"), ("custom", "c")]),
            &map(&[("login_attempts", "6"), ("site_name", "S")]),
        );
        let summary: Vec<_> = rows
            .iter()
            .map(|r| (r.key.as_str(), r.property.as_deref(), r.global.as_deref()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("custom", Some("c"), None),
                ("login_attempts", Some("4"), Some("6")),
                ("site_name", None, Some("S")),
            ]
        );
        assert!(merge_rows(&map(&[]), &map(&[])).is_empty());
    }

    #[test]
    fn scope_values_follow_the_page() {
        let rows = merge_rows(&map(&[("a", "1")]), &map(&[("a", "g"), ("b", "2")]));
        let property_page = SettingsSnapshot {
            property: Some(PropertyRef {
                client_id: "x".into(),
                name: "X".into(),
            }),
            rows: rows.clone(),
        };
        assert_eq!(property_page.scope_values(), map(&[("a", "1")]));
        let application_page = SettingsSnapshot {
            property: None,
            rows,
        };
        assert_eq!(
            application_page.scope_values(),
            map(&[("a", "g"), ("b", "2")])
        );
    }
}
