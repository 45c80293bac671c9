//! The rules of the console's settings editors (SPEC 3.5 and 3.6): what an edited row means, which
//! changes "Save Changes" sends, and what the "Select setting key" picker offers for a typed query.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::capitalize;
use super::setting_keys::{is_standard_key, validate_key, STANDARD_KEYS};

/// One write the console asks for. It applies only while the stored value is still `expected`, so
/// saving never overwrites a change someone else made after the page was loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingChange {
    pub key: String,
    /// The value the page was loaded with (`None`: the key was not set in this scope).
    pub expected: Option<String>,
    /// The value to store (`None`: delete the key from this scope).
    pub new: Option<String>,
}

/// How many keys one save added, changed and removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsDiff {
    pub added: u32,
    pub changed: u32,
    pub removed: u32,
}

impl SettingsDiff {
    /// Counts one change by its kind.
    pub fn count(&mut self, change: &SettingChange) {
        match (&change.expected, &change.new) {
            (None, Some(_)) => self.added += 1,
            (Some(_), Some(_)) => self.changed += 1,
            (Some(_), None) => self.removed += 1,
            (None, None) => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added + self.changed + self.removed == 0
    }

    /// "Saved: 1 setting added, 2 changed, 1 removed." for the confirmation after a save.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "Nothing to save: no setting was changed.".to_string();
        }
        let mut parts = Vec::new();
        let noun = |n: u32| if n == 1 { "setting" } else { "settings" };
        let mut first = true;
        for (n, verb) in [
            (self.added, "added"),
            (self.changed, "changed"),
            (self.removed, "removed"),
        ] {
            if n == 0 {
                continue;
            }
            if first {
                parts.push(format!("{n} {} {verb}", noun(n)));
                first = false;
            } else {
                parts.push(format!("{n} {verb}"));
            }
        }
        format!("Saved: {}.", parts.join(", "))
    }
}

/// The changes that turn `loaded` into `edited`, ordered by key: one walk over both maps in key
/// order (no sort, so the browser's wasm carries no sort routine for this type).
pub fn changes_between(
    loaded: &BTreeMap<String, String>,
    edited: &BTreeMap<String, String>,
) -> Vec<SettingChange> {
    let mut changes = Vec::new();
    let mut old = loaded.iter().peekable();
    let mut new = edited.iter().peekable();
    loop {
        let order = match (old.peek(), new.peek()) {
            (None, None) => return changes,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((a, _)), Some((b, _))) => a.cmp(b),
        };
        // Less: a key only `loaded` has (removed); Greater: only `edited` (added); Equal: both.
        let was = if order.is_le() { old.next() } else { None };
        let now = if order.is_ge() { new.next() } else { None };
        let Some((key, _)) = was.or(now) else {
            return changes;
        };
        let (expected, value) = (was.map(|(_, v)| v), now.map(|(_, v)| v));
        if expected != value {
            changes.push(SettingChange {
                key: key.clone(),
                expected: expected.cloned(),
                new: value.cloned(),
            });
        }
    }
}

/// The property value a row's input stands for. Emptying the input of a key that is set globally
/// removes the override, so the global value applies again (an empty override set through the API
/// stays while the input is left alone); otherwise the input is the value, the empty string
/// included.
pub fn property_value(input: &str, loaded: Option<&str>, has_global: bool) -> Option<String> {
    if input.is_empty() && has_global {
        return loaded.filter(|v| v.is_empty()).map(str::to_string);
    }
    Some(input.to_string())
}

/// One standard key in the picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PickerOption {
    pub key: &'static str,
    pub description: &'static str,
    /// Already a row of the editor: shown greyed out and cannot be picked.
    pub present: bool,
}

/// What the "Select setting key" picker shows for a query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PickerView {
    /// Standard keys whose name contains the query (case-insensitive), in key order.
    pub options: Vec<PickerOption>,
    /// A custom key the user may create with the "Create <key>" button.
    pub create: Option<String>,
    /// Why the query cannot become a key, shown as the user types.
    pub problem: Option<String>,
}

impl PickerView {
    /// Options that can be picked.
    pub fn pickable(&self) -> impl Iterator<Item = &PickerOption> {
        self.options.iter().filter(|o| !o.present)
    }
}

/// The picker's content for `query`, given which keys the editor already has.
pub fn picker_view(query: &str, present: impl Fn(&str) -> bool) -> PickerView {
    // Standard keys are ASCII (and ASCII folding keeps Unicode case tables out of the wasm).
    let needle = query.to_ascii_lowercase();
    let options = STANDARD_KEYS
        .iter()
        .filter(|k| k.key.contains(needle.as_str()))
        .map(|k| PickerOption {
            key: k.key,
            description: k.description,
            present: present(k.key),
        })
        .collect();
    let mut view = PickerView {
        options,
        ..PickerView::default()
    };
    if query.is_empty() {
        return view;
    }
    match validate_key(query) {
        Err(problem) => view.problem = Some(capitalize(&problem.reason())),
        Ok(()) if present(query) => {
            view.problem = Some(format!("{query} is already in the list of settings."))
        }
        Ok(()) if is_standard_key(query) => {}
        Ok(()) => view.create = Some(query.to_string()),
    }
    view
}

/// The error a row shows when the picker was left without choosing a key.
pub fn unresolved_key_message(query: &str) -> String {
    if query.is_empty() {
        return "Choose a setting key from the list, or remove this row.".to_string();
    }
    let view = picker_view(query, |_| false);
    if let Some(problem) = view.problem {
        return problem;
    }
    if view.create.is_some() {
        format!("\u{201c}{query}\u{201d} is not a key yet: press \u{201c}Create {query}\u{201d} to add it, or choose a key from the list.")
    } else {
        format!("Choose \u{201c}{query}\u{201d} from the list to add it.")
    }
}

/// A settings map from key/value pairs, inserted one by one. (`collect` sorts the pairs first,
/// which puts one more sort routine into the browser's wasm for the settings pages.)
pub fn settings_from_pairs(
    pairs: impl IntoIterator<Item = (String, String)>,
) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    map.extend(pairs);
    map
}

/// Builds a settings map from pairs (tests only).
#[cfg(test)]
pub fn settings_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::settings_map as map;
    use super::*;

    fn change(key: &str, expected: Option<&str>, new: Option<&str>) -> SettingChange {
        SettingChange {
            key: key.into(),
            expected: expected.map(Into::into),
            new: new.map(Into::into),
        }
    }

    #[test]
    fn changes_cover_add_change_remove_and_skip_the_same() {
        let loaded = map(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let edited = map(&[("a", "1"), ("b", "20"), ("d", "4")]);
        assert_eq!(
            changes_between(&loaded, &edited),
            vec![
                change("b", Some("2"), Some("20")),
                change("c", Some("3"), None),
                change("d", None, Some("4")),
            ]
        );
        assert!(changes_between(&loaded, &loaded).is_empty());
        assert!(changes_between(&map(&[]), &map(&[])).is_empty());
        // An empty string is a value like any other.
        assert_eq!(
            changes_between(&map(&[("a", "")]), &map(&[("a", "x")])),
            vec![change("a", Some(""), Some("x"))]
        );
    }

    #[test]
    fn diff_counts_and_summary() {
        let mut diff = SettingsDiff::default();
        assert!(diff.is_empty());
        assert_eq!(diff.summary(), "Nothing to save: no setting was changed.");
        diff.count(&change("a", None, Some("1")));
        assert_eq!(diff.summary(), "Saved: 1 setting added.");
        diff.count(&change("b", Some("1"), Some("2")));
        diff.count(&change("c", Some("1"), Some("3")));
        diff.count(&change("d", Some("1"), None));
        diff.count(&change("e", None, None));
        assert_eq!(
            diff,
            SettingsDiff {
                added: 1,
                changed: 2,
                removed: 1
            }
        );
        assert_eq!(
            diff.summary(),
            "Saved: 1 setting added, 2 changed, 1 removed."
        );
        let removed_only = SettingsDiff {
            removed: 3,
            ..SettingsDiff::default()
        };
        assert_eq!(removed_only.summary(), "Saved: 3 settings removed.");
    }

    #[test]
    fn property_value_rules() {
        // Untouched inputs keep what was loaded.
        assert_eq!(property_value("4", Some("4"), true), Some("4".into()));
        assert_eq!(property_value("", None, true), None);
        assert_eq!(property_value("", Some(""), true), Some("".into()));
        // Typing overrides.
        assert_eq!(property_value("6", None, true), Some("6".into()));
        assert_eq!(property_value("6", Some("4"), true), Some("6".into()));
        // Emptying a global key's override resets it to the global value.
        assert_eq!(property_value("", Some("4"), true), None);
        // A property-only key keeps an emptied value as the empty string (the row has a trash can
        // for removing it), and so does a new key.
        assert_eq!(property_value("", Some("4"), false), Some("".into()));
        assert_eq!(property_value("", None, false), Some("".into()));
        // Whitespace is a value, not an empty input.
        assert_eq!(property_value(" ", None, true), Some(" ".into()));
    }

    #[test]
    fn picker_lists_filters_and_greys_present_keys() {
        let all = picker_view("", |_| false);
        assert_eq!(all.options.len(), STANDARD_KEYS.len());
        assert_eq!(all.create, None);
        assert_eq!(all.problem, None);

        let view = picker_view("LOGIN", |k| k == "login_attempts");
        let keys: Vec<_> = view.options.iter().map(|o| (o.key, o.present)).collect();
        assert_eq!(
            keys,
            vec![
                ("login_attempts", true),
                ("login_attempts_threshold", false)
            ]
        );
        assert_eq!(
            view.pickable().map(|o| o.key).collect::<Vec<_>>(),
            vec!["login_attempts_threshold"]
        );
        // A typed standard key is picked from the list, not created.
        let exact = picker_view("site_name", |_| false);
        assert_eq!(exact.create, None);
        assert_eq!(exact.problem, None);
        assert_eq!(exact.options.len(), 1);
        assert!(!exact.options[0].description.is_empty());
    }

    #[test]
    fn picker_offers_create_for_valid_custom_keys_only() {
        let custom = picker_view("my_setting_name", |_| false);
        assert!(custom.options.is_empty());
        assert_eq!(custom.create.as_deref(), Some("my_setting_name"));
        assert_eq!(custom.problem, None);

        let spaced = picker_view("my setting", |_| false);
        assert_eq!(spaced.create, None);
        assert_eq!(
            spaced.problem.as_deref(),
            Some("The key contains a space; use underscores instead (my_setting_name).")
        );
        let bad = picker_view("a#b", |_| false);
        assert_eq!(bad.create, None);
        assert!(bad.problem.unwrap().contains("'#'"));

        let present = picker_view("custom_key", |k| k == "custom_key");
        assert_eq!(present.create, None);
        assert_eq!(
            present.problem.as_deref(),
            Some("custom_key is already in the list of settings.")
        );
        // Case matters for keys: a different case is a different key.
        let other_case = picker_view("Site_Name", |_| false);
        assert_eq!(other_case.create.as_deref(), Some("Site_Name"));
        assert_eq!(other_case.options.len(), 1, "the filter ignores case");
        assert!(picker_view(&"k".repeat(101), |_| false).problem.is_some());
    }

    #[test]
    fn unresolved_messages_say_what_to_do() {
        assert_eq!(
            unresolved_key_message(""),
            "Choose a setting key from the list, or remove this row."
        );
        assert_eq!(
            unresolved_key_message("site_locale"),
            "\u{201c}site_locale\u{201d} is not a key yet: press \u{201c}Create site_locale\u{201d} to add it, or choose a key from the list."
        );
        assert_eq!(
            unresolved_key_message("site_name"),
            "Choose \u{201c}site_name\u{201d} from the list to add it."
        );
        assert!(unresolved_key_message("my key").contains("space"));
    }
}
