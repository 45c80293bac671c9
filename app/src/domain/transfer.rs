//! Export and import of properties and global settings as one JSON document (issue #19).
//!
//! Pure: the document's types, its validation (every problem at once, each with its position in
//! the file, such as `properties[3].whitelist[1]`), and the plan an import would carry out against
//! the current state (what is created, changed field by field, left alone, deleted). The store
//! reads the state and the operation applies the plan; nothing here does I/O.
//!
//! The document never holds a client secret: ids are exported so a later import can match them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::echo;
use super::features::{self, Feature, FeatureError};
use super::names::{name_key, validate_name, NameError};
use super::setting_keys::{is_sensitive_key, validate_key, validate_value, MAX_SETTINGS};
use super::tokens::is_token;
use super::whitelist::{default_whitelist, parse_entries, WhitelistError};

/// The `format` field: tells a Gatehouse export from any other JSON file.
pub const FORMAT: &str = "gatehouse-export";
/// The `version` field this build writes and reads.
pub const VERSION: u32 = 1;

pub type Settings = BTreeMap<String, String>;

/// The exported document, as written and as read back. Unknown fields are refused, so a typo (or
/// a `client_secret` someone added by hand) is reported rather than silently ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub global_settings: Settings,
    #[serde(default)]
    pub properties: Vec<DocumentProperty>,
}

/// One property in the document. Features are plain strings here, so that an unknown name is
/// reported with its position instead of failing the whole parse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentProperty {
    /// Used only to match an existing property; a created property always gets a new id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub whitelist: Vec<String>,
    #[serde(default)]
    pub settings: Settings,
}

/// A property as it is stored now (no secret): what export writes and import compares against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyState {
    pub client_id: String,
    pub name: String,
    pub features: Vec<Feature>,
    pub whitelist: Vec<String>,
    pub settings: Settings,
}

impl PropertyState {
    fn is_owner(&self) -> bool {
        self.features.contains(&Feature::Owner)
    }
}

/// The document for `global` settings and `properties` (in the order given).
pub fn export_document(global: Settings, properties: &[PropertyState]) -> Document {
    Document {
        format: FORMAT.into(),
        version: VERSION,
        global_settings: global,
        properties: properties
            .iter()
            .map(|p| DocumentProperty {
                client_id: Some(p.client_id.clone()),
                name: p.name.clone(),
                features: p.features.iter().map(|f| f.as_str().to_string()).collect(),
                whitelist: p.whitelist.clone(),
                settings: p.settings.clone(),
            })
            .collect(),
    }
}

/// One thing wrong with the document: where (`properties[3].whitelist[1]`, or `line 4 column 9`
/// for JSON that does not parse) and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub position: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.reason)
    }
}

fn problem(position: impl Into<String>, reason: impl Into<String>) -> Problem {
    Problem {
        position: position.into(),
        reason: reason.into(),
    }
}

/// Reads a document from JSON text. Malformed JSON, a wrong type or an unknown field is one
/// problem with its line and column.
pub fn parse(text: &str) -> Result<Document, Vec<Problem>> {
    serde_json::from_str(text).map_err(|error| {
        let reason = error.to_string();
        // serde_json appends " at line L column C"; the position says it already.
        let reason = match reason.rfind(" at line ") {
            Some(cut) => reason[..cut].to_string(),
            None => reason,
        };
        vec![problem(
            format!("line {} column {}", error.line(), error.column()),
            reason,
        )]
    })
}

/// A property of the document after validation: the name trimmed, features normalised, the
/// whitelist in stored form (an empty one is the default, any address).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desired {
    /// Index in the document's `properties`.
    pub position: usize,
    pub client_id: Option<String>,
    pub name: String,
    pub features: Vec<Feature>,
    pub whitelist: Vec<String>,
    pub settings: Settings,
}

/// Position of a setting key, quoted so any key reads unambiguously.
fn key_position(prefix: &str, key: &str) -> String {
    format!("{prefix}[{:?}]", echo(key))
}

fn check_settings(prefix: &str, settings: &Settings, problems: &mut Vec<Problem>) {
    for (key, value) in settings {
        if let Err(e) = validate_key(key) {
            problems.push(problem(key_position(prefix, key), e.reason()));
        } else if let Err(e) = validate_value(value) {
            problems.push(problem(key_position(prefix, key), e.reason()));
        }
    }
}

/// Checks every field with the same rules as the console and the API and lists every problem,
/// each with its position; also duplicate names (case-insensitive, as uniqueness is) and
/// duplicate ids within the file.
pub fn validate(document: &Document) -> Result<Vec<Desired>, Vec<Problem>> {
    let mut problems = Vec::new();
    if document.format != FORMAT {
        problems.push(problem(
            "format",
            format!(
                "expected \"{FORMAT}\", found \"{}\"; this is not a Gatehouse export",
                echo(&document.format)
            ),
        ));
    }
    if document.version != VERSION {
        problems.push(problem(
            "version",
            format!(
                "this Gatehouse reads version {VERSION}, the file has version {}",
                document.version
            ),
        ));
    }
    check_settings("global_settings", &document.global_settings, &mut problems);
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut desired = Vec::with_capacity(document.properties.len());
    for (i, property) in document.properties.iter().enumerate() {
        let at = format!("properties[{i}]");
        let before = problems.len();
        if let Some(id) = &property.client_id {
            if !is_token(id) {
                problems.push(problem(
                    format!("{at}.client_id"),
                    format!(
                        "\"{}\" is not a client id (32 lowercase letters and digits)",
                        echo(id)
                    ),
                ));
            } else if let Some(first) = ids.insert(id, i) {
                problems.push(problem(
                    format!("{at}.client_id"),
                    format!("properties[{first}] has the same client id"),
                ));
            }
        }
        let name = match validate_name(&property.name) {
            Ok(name) => {
                if let Some(first) = names.insert(name_key(&name), i) {
                    problems.push(problem(
                        format!("{at}.name"),
                        format!(
                            "properties[{first}] has the same name \"{}\" (names are unique, \
                             ignoring case)",
                            echo(&name)
                        ),
                    ));
                }
                name
            }
            Err(e) => {
                problems.push(problem(format!("{at}.name"), e.reason()));
                String::new()
            }
        };
        let mut feature_list = Vec::with_capacity(property.features.len());
        for (k, text) in property.features.iter().enumerate() {
            let parsed = if text.is_empty() {
                Err(FeatureError::EmptyName)
            } else {
                text.parse::<Feature>()
            };
            match parsed {
                Ok(feature) => feature_list.push(feature),
                Err(e) => problems.push(problem(format!("{at}.features[{k}]"), e.reason())),
            }
        }
        let feature_list = features::normalize(&feature_list);
        if let Err(e) = features::check_combination(&feature_list) {
            problems.push(problem(format!("{at}.features"), e.reason()));
        }
        let whitelist = match parse_entries(property.whitelist.iter().map(String::as_str)) {
            Ok(list) if list.is_empty() => default_whitelist(),
            Ok(list) => list,
            Err(e) => {
                let position = match &e {
                    WhitelistError::Entry { index, .. } => format!("{at}.whitelist[{index}]"),
                    _ => format!("{at}.whitelist"),
                };
                problems.push(problem(position, e.reason()));
                Vec::new()
            }
        };
        if property.settings.len() > MAX_SETTINGS {
            problems.push(problem(
                format!("{at}.settings"),
                format!(
                    "a property holds at most {MAX_SETTINGS} settings of its own (this one has {})",
                    property.settings.len()
                ),
            ));
        }
        check_settings(&format!("{at}.settings"), &property.settings, &mut problems);
        if problems.len() == before {
            desired.push(Desired {
                position: i,
                client_id: property.client_id.clone(),
                name,
                features: feature_list,
                whitelist,
                settings: property.settings.clone(),
            });
        }
    }
    if problems.is_empty() {
        Ok(desired)
    } else {
        Err(problems)
    }
}

/// One field of one property (or one global key) that an import changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldDiff {
    Name {
        from: String,
        to: String,
    },
    Features {
        from: Vec<Feature>,
        to: Vec<Feature>,
    },
    Whitelist {
        from: Vec<String>,
        to: Vec<String>,
    },
    /// `None` on the left: the key is added; on the right: it is removed (only with prune).
    Setting {
        key: String,
        from: Option<String>,
        to: Option<String>,
    },
}

fn setting_text(key: &str, value: &Option<String>) -> String {
    match value {
        None => "(none)".into(),
        Some(_) if is_sensitive_key(key) => "[redacted]".into(),
        Some(value) => format!("{:?}", echo(value)),
    }
}

fn feature_text(list: &[Feature]) -> String {
    let names: Vec<&str> = list.iter().map(Feature::as_str).collect();
    format!("[{}]", names.join(", "))
}

impl FieldDiff {
    /// The field as the plan names it: `name`, `features`, `whitelist` or `settings.KEY`.
    pub fn field(&self) -> String {
        match self {
            FieldDiff::Name { .. } => "name".into(),
            FieldDiff::Features { .. } => "features".into(),
            FieldDiff::Whitelist { .. } => "whitelist".into(),
            FieldDiff::Setting { key, .. } => format!("settings.{key}"),
        }
    }

    /// The value before and after, as the plan shows them; values of sensitive setting keys are
    /// never shown, and `(none)` stands for a setting that is absent.
    pub fn values(&self) -> (String, String) {
        match self {
            FieldDiff::Name { from, to } => (format!("{from:?}"), format!("{to:?}")),
            FieldDiff::Features { from, to } => (feature_text(from), feature_text(to)),
            FieldDiff::Whitelist { from, to } => (
                format!("[{}]", from.join(", ")),
                format!("[{}]", to.join(", ")),
            ),
            FieldDiff::Setting { key, from, to } => {
                (setting_text(key, from), setting_text(key, to))
            }
        }
    }
}

impl fmt::Display for FieldDiff {
    /// One line for the plan: `field: before -> after`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (before, after) = self.values();
        write!(f, "{}: {before} -> {after}", self.field())
    }
}

/// A property the import changes: its id, its name now, the fields that differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub position: usize,
    pub client_id: String,
    pub name: String,
    pub diffs: Vec<FieldDiff>,
}

/// A property that exists and is left as it is (by the file matching it, or by prune refusing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Existing {
    pub client_id: String,
    pub name: String,
}

/// What an import does, computed before anything is written. It crosses the wire: the console
/// shows it and sends it back with "Apply", and the import is applied only if it still holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub creates: Vec<Desired>,
    pub changes: Vec<Change>,
    pub unchanged: Vec<Existing>,
    /// Properties not in the file, deleted because prune was asked for.
    pub deletes: Vec<Existing>,
    /// Properties not in the file that prune would delete, but owners are never deleted.
    pub kept_owners: Vec<Existing>,
    /// Global settings that change (with prune, keys not in the file are removed).
    pub global: Vec<FieldDiff>,
}

impl Plan {
    /// Whether applying the plan would write anything.
    pub fn is_empty(&self) -> bool {
        self.creates.is_empty()
            && self.changes.is_empty()
            && self.deletes.is_empty()
            && self.global.is_empty()
    }

    /// The plan as the command line shows it before asking: counts, then every line of detail.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} to create, {} to change, {} unchanged, {} to delete; {} global settings to change\n",
            self.creates.len(),
            self.changes.len(),
            self.unchanged.len(),
            self.deletes.len(),
            self.global.len()
        );
        for create in &self.creates {
            out.push_str(&format!(
                "  create {:?} (properties[{}]): features {}, whitelist [{}], {} settings\n",
                create.name,
                create.position,
                feature_text(&create.features),
                create.whitelist.join(", "),
                create.settings.len()
            ));
        }
        for change in &self.changes {
            out.push_str(&format!(
                "  change {:?} ({}, properties[{}]):\n",
                change.name, change.client_id, change.position
            ));
            for diff in &change.diffs {
                out.push_str(&format!("    {diff}\n"));
            }
        }
        for delete in &self.deletes {
            out.push_str(&format!(
                "  delete {:?} ({})\n",
                delete.name, delete.client_id
            ));
        }
        for kept in &self.kept_owners {
            out.push_str(&format!(
                "  keep {:?} ({}): not in the file, but owner properties are never deleted\n",
                kept.name, kept.client_id
            ));
        }
        for diff in &self.global {
            out.push_str(&format!("  global {diff}\n"));
        }
        out
    }
}

/// Differences between two settings maps: keys of `new` that are absent or differ in `old`, and
/// with `prune` the keys of `old` that `new` lacks.
fn settings_diffs(old: &Settings, new: &Settings, prune: bool) -> Vec<FieldDiff> {
    let mut diffs: Vec<FieldDiff> = new
        .iter()
        .filter(|(key, value)| old.get(*key) != Some(value))
        .map(|(key, value)| FieldDiff::Setting {
            key: key.clone(),
            from: old.get(key).cloned(),
            to: Some(value.clone()),
        })
        .collect();
    if prune {
        diffs.extend(
            old.iter()
                .filter(|(key, _)| !new.contains_key(*key))
                .map(|(key, value)| FieldDiff::Setting {
                    key: key.clone(),
                    from: Some(value.clone()),
                    to: None,
                }),
        );
        diffs.sort_by(|a, b| match (a, b) {
            (FieldDiff::Setting { key: a, .. }, FieldDiff::Setting { key: b, .. }) => a.cmp(b),
            _ => std::cmp::Ordering::Equal,
        });
    }
    diffs
}

/// The plan for importing `document` into the state `current` / `current_global`. Each property
/// of the file matches an existing one by client id, else by name (ignoring case), else is
/// created. A matched property takes the file's name, features and whitelist; its settings are
/// set as in the file, and only with `prune` are its other keys removed; `owner` is never taken
/// away. With `prune`, properties and global keys not in the file are deleted, except owners. Problems (invalid fields, two
/// entries matching one property, a name another remaining property holds, too many settings)
/// are all listed, and then there is no plan.
pub fn plan(
    current: &[PropertyState],
    current_global: &Settings,
    document: &Document,
    prune: bool,
) -> Result<Plan, Vec<Problem>> {
    let desired = validate(document)?;
    let by_id: HashMap<&str, usize> = current
        .iter()
        .enumerate()
        .map(|(i, p)| (p.client_id.as_str(), i))
        .collect();
    let by_name: HashMap<String, usize> = current
        .iter()
        .enumerate()
        .map(|(i, p)| (name_key(&p.name), i))
        .collect();
    let mut problems = Vec::new();
    // current index -> document position that matched it
    let mut matched: HashMap<usize, usize> = HashMap::new();
    let mut matches: Vec<Option<usize>> = Vec::with_capacity(desired.len());
    for want in &desired {
        let found = want
            .client_id
            .as_deref()
            .and_then(|id| by_id.get(id))
            .or_else(|| by_name.get(&name_key(&want.name)))
            .copied();
        if let Some(index) = found {
            if let Some(first) = matched.insert(index, want.position) {
                problems.push(problem(
                    format!("properties[{}]", want.position),
                    format!(
                        "matches the same property as properties[{first}] ({}, \"{}\")",
                        current[index].client_id,
                        echo(&current[index].name)
                    ),
                ));
            }
        }
        matches.push(found);
    }
    let mut plan = Plan::default();
    for (i, existing) in current.iter().enumerate() {
        if matched.contains_key(&i) || !prune {
            continue;
        }
        let entry = Existing {
            client_id: existing.client_id.clone(),
            name: existing.name.clone(),
        };
        if existing.is_owner() {
            plan.kept_owners.push(entry);
        } else {
            plan.deletes.push(entry);
        }
    }
    // Names that stay with properties the file does not mention: the file may not take them.
    let deleted: std::collections::HashSet<&str> =
        plan.deletes.iter().map(|e| e.client_id.as_str()).collect();
    let staying: HashMap<String, &PropertyState> = current
        .iter()
        .enumerate()
        .filter(|(i, p)| !matched.contains_key(i) && !deleted.contains(p.client_id.as_str()))
        .map(|(_, p)| (name_key(&p.name), p))
        .collect();
    for (want, found) in desired.iter().zip(&matches) {
        if let Some(holder) = staying.get(&name_key(&want.name)) {
            problems.push(problem(
                format!("properties[{}].name", want.position),
                format!(
                    "{} (client id {}, which is not in the file)",
                    NameError::Taken {
                        name: echo(&holder.name)
                    }
                    .reason(),
                    holder.client_id
                ),
            ));
            continue;
        }
        let Some(index) = found else {
            plan.creates.push(want.clone());
            continue;
        };
        let now = &current[*index];
        let mut diffs = Vec::new();
        if now.name != want.name {
            diffs.push(FieldDiff::Name {
                from: now.name.clone(),
                to: want.name.clone(),
            });
        }
        // As in the console: once saved, owner stays (an edited file must not strip the
        // application of its administrators).
        if let Err(e) = features::check_console_change(&now.features, &want.features) {
            problems.push(problem(
                format!("properties[{}].features", want.position),
                e.reason(),
            ));
        }
        if now.features != want.features {
            diffs.push(FieldDiff::Features {
                from: now.features.clone(),
                to: want.features.clone(),
            });
        }
        // A stored empty whitelist (the API's `[]`) and the default both let every address in:
        // its export reads back as the default, which is no change.
        let allows_all_both = now.whitelist.is_empty() && want.whitelist == default_whitelist();
        if now.whitelist != want.whitelist && !allows_all_both {
            diffs.push(FieldDiff::Whitelist {
                from: now.whitelist.clone(),
                to: want.whitelist.clone(),
            });
        }
        diffs.extend(settings_diffs(&now.settings, &want.settings, prune));
        let total = if prune {
            want.settings.len()
        } else {
            now.settings
                .keys()
                .filter(|k| !want.settings.contains_key(*k))
                .count()
                + want.settings.len()
        };
        if total > MAX_SETTINGS {
            problems.push(problem(
                format!("properties[{}].settings", want.position),
                format!(
                    "a property holds at most {MAX_SETTINGS} settings of its own (with those \
                     it has, this would make {total})"
                ),
            ));
        }
        if diffs.is_empty() {
            plan.unchanged.push(Existing {
                client_id: now.client_id.clone(),
                name: now.name.clone(),
            });
        } else {
            plan.changes.push(Change {
                position: want.position,
                client_id: now.client_id.clone(),
                name: now.name.clone(),
                diffs,
            });
        }
    }
    plan.global = settings_diffs(current_global, &document.global_settings, prune);
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Feature::*;

    const ID_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const ID_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const ID_OWNER: &str = "oooooooooooooooooooooooooooooooo";

    fn state(
        id: &str,
        name: &str,
        features: &[Feature],
        settings: &[(&str, &str)],
    ) -> PropertyState {
        PropertyState {
            client_id: id.into(),
            name: name.into(),
            features: features.to_vec(),
            whitelist: default_whitelist(),
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn current() -> Vec<PropertyState> {
        vec![
            state(ID_A, "Shop", &[DirectAccess], &[("site_name", "Shop")]),
            state(ID_B, "Blog", &[LoginClient], &[]),
            state(ID_OWNER, "Owner", &[Owner], &[]),
        ]
    }

    fn document(properties: Vec<DocumentProperty>) -> Document {
        Document {
            format: FORMAT.into(),
            version: VERSION,
            global_settings: Settings::new(),
            properties,
        }
    }

    fn entry(
        id: Option<&str>,
        name: &str,
        features: &[&str],
        whitelist: &[&str],
    ) -> DocumentProperty {
        DocumentProperty {
            client_id: id.map(String::from),
            name: name.into(),
            features: features.iter().map(|s| s.to_string()).collect(),
            whitelist: whitelist.iter().map(|s| s.to_string()).collect(),
            settings: Settings::new(),
        }
    }

    fn positions(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.position.as_str()).collect()
    }

    #[test]
    fn the_export_of_the_state_imports_as_all_unchanged() {
        let now = current();
        let global: Settings = [("site_name".to_string(), "G".to_string())].into();
        let doc = export_document(global.clone(), &now);
        let text = serde_json::to_string(&doc).unwrap();
        assert!(!text.contains("secret"), "{text}");
        let read = parse(&text).unwrap();
        assert_eq!(read, doc);
        let plan = plan(&now, &global, &read, true).unwrap();
        assert!(plan.is_empty(), "{}", plan.render());
        assert_eq!(plan.unchanged.len(), 3);
    }

    #[test]
    fn an_empty_stored_whitelist_reads_back_unchanged() {
        // The API stores `[]` for "any address"; the file's `[]` means the default, the same.
        let mut now = current();
        now[1].whitelist = vec![];
        let doc = export_document(Settings::new(), &now);
        let same = plan(&now, &Settings::new(), &doc, false).unwrap();
        assert!(same.is_empty(), "{}", same.render());
        let mut narrowed = doc.clone();
        narrowed.properties[1].whitelist = vec!["10.0.0.0/8".into()];
        let plan = plan(&now, &Settings::new(), &narrowed, false).unwrap();
        assert_eq!(
            plan.changes[0].diffs,
            [FieldDiff::Whitelist {
                from: vec![],
                to: vec!["10.0.0.0/8".into()]
            }]
        );
    }

    #[test]
    fn into_an_empty_state_everything_is_created_with_normalised_fields() {
        let mut p = entry(
            None,
            "  New  ",
            &["direct_read_access", "owner", "owner"],
            &["10.1.2.3", "10.1.2.3/32"],
        );
        p.settings.insert("k".into(), "v".into());
        let doc = document(vec![p, entry(None, "Open", &[], &[])]);
        let plan = plan(&[], &Settings::new(), &doc, false).unwrap();
        assert_eq!(plan.creates.len(), 2);
        let first = &plan.creates[0];
        assert_eq!(first.name, "New");
        assert_eq!(first.features, vec![Owner, DirectReadAccess]);
        assert_eq!(first.whitelist, vec!["10.1.2.3/32"]);
        assert_eq!(first.settings.get("k").map(String::as_str), Some("v"));
        assert_eq!(plan.creates[1].whitelist, default_whitelist());
        assert!(plan.changes.is_empty() && plan.deletes.is_empty());
    }

    #[test]
    fn matches_by_id_first_then_by_name_ignoring_case() {
        // By id: the file renames Shop; by name: "blog" is Blog although its id is unknown.
        let mut renamed = entry(Some(ID_A), "Shop EU", &["direct_access"], &["0.0.0.0/0"]);
        renamed.settings.insert("site_name".into(), "Shop".into());
        let doc = document(vec![
            renamed,
            entry(
                Some("cccccccccccccccccccccccccccccccc"),
                "BLOG",
                &["login_client"],
                &[],
            ),
        ]);
        let plan = plan(&current(), &Settings::new(), &doc, false).unwrap();
        assert!(plan.creates.is_empty());
        assert_eq!(plan.changes.len(), 2);
        assert_eq!(plan.changes[0].client_id, ID_A);
        assert_eq!(
            plan.changes[0].diffs,
            vec![FieldDiff::Name {
                from: "Shop".into(),
                to: "Shop EU".into()
            }]
        );
        assert_eq!(plan.changes[1].client_id, ID_B);
        assert_eq!(
            plan.changes[1].diffs,
            vec![FieldDiff::Name {
                from: "Blog".into(),
                to: "BLOG".into()
            }]
        );
        assert!(plan.deletes.is_empty() && plan.kept_owners.is_empty());
        assert_eq!(plan.unchanged.len(), 0);
    }

    #[test]
    fn every_changed_field_is_a_diff_and_settings_are_only_removed_with_prune() {
        let mut p = entry(Some(ID_A), "Shop", &["access_issuer"], &["10.0.0.0/8"]);
        p.settings.insert("new_key".into(), "1".into());
        let doc = document(vec![p]);
        let without = plan(&current(), &Settings::new(), &doc, false).unwrap();
        assert_eq!(
            without.changes[0].diffs,
            vec![
                FieldDiff::Features {
                    from: vec![DirectAccess],
                    to: vec![AccessIssuer]
                },
                FieldDiff::Whitelist {
                    from: default_whitelist(),
                    to: vec!["10.0.0.0/8".into()]
                },
                FieldDiff::Setting {
                    key: "new_key".into(),
                    from: None,
                    to: Some("1".into())
                },
            ]
        );
        assert!(without.deletes.is_empty(), "nothing deleted without prune");
        let with = plan(&current(), &Settings::new(), &doc, true).unwrap();
        assert_eq!(
            &with.changes[0].diffs[2..],
            &[
                FieldDiff::Setting {
                    key: "new_key".into(),
                    from: None,
                    to: Some("1".into())
                },
                FieldDiff::Setting {
                    key: "site_name".into(),
                    from: Some("Shop".into()),
                    to: None
                },
            ]
        );
    }

    #[test]
    fn prune_deletes_what_the_file_lacks_but_never_an_owner() {
        let doc = document(vec![]);
        let plan = plan(&current(), &Settings::new(), &doc, true).unwrap();
        let deleted: Vec<&str> = plan.deletes.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(deleted, ["Shop", "Blog"]);
        assert_eq!(plan.kept_owners[0].client_id, ID_OWNER);
        let text = plan.render();
        assert!(
            text.contains("owner properties are never deleted"),
            "{text}"
        );
        assert!(
            text.starts_with("0 to create, 0 to change, 0 unchanged, 2 to delete"),
            "{text}"
        );
    }

    #[test]
    fn global_settings_are_added_changed_and_only_with_prune_removed() {
        let now: Settings = [
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]
        .into();
        let mut doc = document(vec![]);
        doc.global_settings = [
            ("a".to_string(), "1".to_string()),
            ("c".to_string(), "3".to_string()),
        ]
        .into();
        let kept = plan(&[], &now, &doc, false).unwrap();
        assert_eq!(
            kept.global,
            vec![FieldDiff::Setting {
                key: "c".into(),
                from: None,
                to: Some("3".into())
            }]
        );
        let pruned = plan(&[], &now, &doc, true).unwrap();
        assert_eq!(
            pruned.global,
            vec![
                FieldDiff::Setting {
                    key: "b".into(),
                    from: Some("2".into()),
                    to: None
                },
                FieldDiff::Setting {
                    key: "c".into(),
                    from: None,
                    to: Some("3".into())
                },
            ]
        );
    }

    #[test]
    fn every_invalid_field_is_listed_with_its_position() {
        let mut bad_settings = entry(None, "Fine", &[], &[]);
        bad_settings.settings.insert("bad key".into(), "v".into());
        let doc = document(vec![
            entry(None, "One", &[], &["10.0.0.0/8", "10.0.0.0/33"]),
            entry(None, "Two", &["owner", "ninja_superuser"], &[]),
            entry(None, "one", &[], &[]),
            entry(None, "   ", &[], &[]),
            entry(None, "Three", &["login_client", "owner"], &[]),
            entry(Some("not-an-id"), "Four", &[], &[]),
            bad_settings,
            entry(Some(ID_A), "Five", &[], &[]),
            entry(Some(ID_A), "Six", &["", "metadata"], &[]),
        ]);
        let problems = plan(&[], &Settings::new(), &doc, false).unwrap_err();
        assert_eq!(
            positions(&problems),
            [
                "properties[0].whitelist[1]",
                "properties[1].features[1]",
                "properties[2].name",
                "properties[3].name",
                "properties[4].features",
                "properties[5].client_id",
                "properties[6].settings[\"bad key\"]",
                "properties[8].client_id",
                "properties[8].features[0]",
            ]
        );
        assert!(
            problems[0]
                .reason
                .contains("value after slash must be 32 or less"),
            "{}",
            problems[0]
        );
        assert!(problems[1]
            .reason
            .contains("ninja_superuser is not a valid feature name"));
        assert!(problems[2]
            .reason
            .contains("properties[0] has the same name"));
        assert!(problems[4]
            .reason
            .contains("login_client cannot be combined"));
        assert!(problems[7]
            .reason
            .contains("properties[7] has the same client id"));
    }

    #[test]
    fn format_version_and_global_keys_are_checked() {
        let mut doc = document(vec![]);
        doc.format = "something-else".into();
        doc.version = 7;
        doc.global_settings.insert("x y".into(), "v".into());
        let problems = validate(&doc).unwrap_err();
        assert_eq!(
            positions(&problems),
            ["format", "version", "global_settings[\"x y\"]"]
        );
    }

    #[test]
    fn bad_json_unknown_fields_and_wrong_types_name_the_line() {
        for text in [
            "{",
            "[]",
            r#"{"format":"gatehouse-export","version":1,"properties":[{"name":"A","client_secret":"x"}]}"#,
            r#"{"format":"gatehouse-export","version":1,"properties":[{"name":"A","features":[1]}]}"#,
            "",
        ] {
            let problems = parse(text).unwrap_err();
            assert_eq!(problems.len(), 1, "{text}");
            assert!(problems[0].position.starts_with("line "), "{}", problems[0]);
            assert!(!problems[0].reason.contains(" at line "), "{}", problems[0]);
        }
        let problems = parse(r#"{"format":"gatehouse-export","version":1,"properties":[{"name":"A","client_secret":"x"}]}"#).unwrap_err();
        assert!(
            problems[0].reason.contains("unknown field `client_secret`"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn two_entries_matching_one_property_are_refused() {
        // The first by id, the second by name: both mean Shop.
        let doc = document(vec![
            entry(Some(ID_A), "Shop renamed", &["direct_access"], &[]),
            entry(None, "shop", &[], &[]),
        ]);
        let problems = plan(&current(), &Settings::new(), &doc, false).unwrap_err();
        assert_eq!(positions(&problems), ["properties[1]"]);
        assert!(
            problems[0]
                .reason
                .contains("same property as properties[0]"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn a_name_held_by_a_property_outside_the_file_is_refused_unless_prune_deletes_it() {
        // Shop, renamed to "Blog", while Blog is not in the file.
        let doc = document(vec![entry(Some(ID_A), "Blog", &["direct_access"], &[])]);
        let problems = plan(&current(), &Settings::new(), &doc, false).unwrap_err();
        assert_eq!(positions(&problems), ["properties[0].name"]);
        assert!(problems[0].reason.contains(ID_B), "{}", problems[0]);
        assert!(
            problems[0].reason.contains("already named \"Blog\""),
            "{}",
            problems[0]
        );
        // With prune Blog is deleted, so Shop may take its name.
        let plan = plan(&current(), &Settings::new(), &doc, true).unwrap();
        assert_eq!(plan.deletes[0].client_id, ID_B);
        assert_eq!(plan.changes[0].client_id, ID_A);
        // An owner stays even with prune, and so does its name.
        let doc = document(vec![entry(Some(ID_A), "OWNER", &["direct_access"], &[])]);
        let problems = super::plan(&current(), &Settings::new(), &doc, true).unwrap_err();
        assert_eq!(positions(&problems), ["properties[0].name"]);
        assert!(problems[0].reason.contains(ID_OWNER), "{}", problems[0]);
    }

    #[test]
    fn the_owner_feature_is_never_removed_by_an_import() {
        let doc = document(vec![entry(
            Some(ID_OWNER),
            "Owner",
            &["direct_access"],
            &[],
        )]);
        let problems = plan(&current(), &Settings::new(), &doc, false).unwrap_err();
        assert_eq!(positions(&problems), ["properties[0].features"]);
        assert!(
            problems[0].reason.contains("cannot be removed"),
            "{}",
            problems[0]
        );
        // Adding it is a change like any other.
        let doc = document(vec![entry(
            Some(ID_A),
            "Shop",
            &["direct_access", "owner"],
            &[],
        )]);
        let plan = plan(&current(), &Settings::new(), &doc, false).unwrap();
        assert_eq!(
            plan.changes[0].diffs,
            vec![FieldDiff::Features {
                from: vec![DirectAccess],
                to: vec![Owner, DirectAccess]
            }]
        );
    }

    #[test]
    fn names_may_be_swapped_between_properties_in_the_file() {
        let doc = document(vec![
            entry(Some(ID_A), "Blog", &["direct_access"], &[]),
            entry(Some(ID_B), "Shop", &["login_client"], &[]),
        ]);
        let plan = plan(&current(), &Settings::new(), &doc, false).unwrap();
        assert_eq!(plan.changes.len(), 2);
    }

    #[test]
    fn settings_limits_count_what_the_property_keeps() {
        let many: Settings = (0..=MAX_SETTINGS)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        let mut p = entry(None, "Big", &[], &[]);
        p.settings = many;
        let problems = validate(&document(vec![p])).unwrap_err();
        assert_eq!(positions(&problems), ["properties[0].settings"]);
        // Shop keeps site_name without prune: 1000 new keys make 1001.
        let mut p = entry(Some(ID_A), "Shop", &["direct_access"], &[]);
        p.settings = (0..MAX_SETTINGS)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        let doc = document(vec![p]);
        assert!(plan(&current(), &Settings::new(), &doc, false).is_err());
        assert!(plan(&current(), &Settings::new(), &doc, true).is_ok());
    }

    #[test]
    fn the_rendered_plan_redacts_sensitive_values() {
        let mut p = entry(Some(ID_A), "Shop", &["direct_access"], &[]);
        p.settings.insert("site_name".into(), "Shop".into());
        p.settings
            .insert("backplane_password".into(), "hunter2".into());
        let plan = plan(&current(), &Settings::new(), &document(vec![p]), false).unwrap();
        let text = plan.render();
        assert!(
            text.contains("settings.backplane_password: (none) -> [redacted]"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            text.starts_with("0 to create, 1 to change, 0 unchanged"),
            "{text}"
        );
    }

    #[test]
    fn a_plan_crosses_the_wire_unchanged_and_names_each_field_with_its_values() {
        let mut shop = entry(Some(ID_A), "Shop 2", &["login_client"], &["10.0.0.0/8"]);
        shop.settings.insert("site_name".into(), "New".into());
        shop.settings.insert("rpx_secret".into(), "hunter2".into());
        let mut doc = document(vec![shop, entry(None, "Fresh", &[], &[])]);
        doc.global_settings.insert("k".into(), "v".into());
        let plan = plan(&current(), &Settings::new(), &doc, true).unwrap();
        let text = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<Plan>(&text).unwrap(), plan);
        let shown: Vec<(String, (String, String))> = plan.changes[0]
            .diffs
            .iter()
            .map(|d| (d.field(), d.values()))
            .collect();
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            shown,
            [
                ("name".to_string(), pair("\"Shop\"", "\"Shop 2\"")),
                ("features".into(), pair("[direct_access]", "[login_client]")),
                ("whitelist".into(), pair("[0.0.0.0/0]", "[10.0.0.0/8]")),
                ("settings.rpx_secret".into(), pair("(none)", "[redacted]")),
                ("settings.site_name".into(), pair("\"Shop\"", "\"New\"")),
            ]
        );
        assert_eq!(
            plan.changes[0].diffs[0].to_string(),
            "name: \"Shop\" -> \"Shop 2\""
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        for text in [
            "null",
            "1",
            "\"x\"",
            "{\"format\":null}",
            "{\"format\":\"gatehouse-export\",\"version\":-1}",
            "{\"format\":\"gatehouse-export\",\"version\":99999999999}",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
        let long = "x".repeat(10_000);
        let doc = document(vec![entry(Some(&long), &long, &[&long], &[&long])]);
        let problems = validate(&doc).unwrap_err();
        assert_eq!(problems.len(), 4);
        assert!(
            problems.iter().all(|p| p.reason.len() < 400),
            "{problems:?}"
        );
    }
}
