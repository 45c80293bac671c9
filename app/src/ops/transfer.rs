//! Export and import (issue #19): the document from the store, and an import's plan applied in
//! one write with an audit entry per created, changed or deleted property. The rules live in
//! [`crate::domain::transfer`]; this only reads, writes and records.

use serde_json::{json, Value};

use super::settings::audit_values;
use super::{begin, Actor, OpError};
use crate::domain::accounts::Permission;
use crate::domain::audit::actions;
use crate::domain::bulk::BulkTarget;
use crate::domain::features::Feature;
use crate::domain::transfer::{self, Document, FieldDiff, Plan, Problem};
use crate::store::properties::NewProperty;
use crate::store::settings::{Scope, SettingsMap};
use crate::store::{Store, StoreError, Write};

/// Which properties an export holds, with the list's meaning: a case-insensitive substring of
/// the name or the id, and any of the features (empty: no filter); and, when `ids` is not empty,
/// only those client ids (the list's selection, checked as a bulk selection is).
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub search: String,
    pub features: Vec<Feature>,
    pub ids: Vec<String>,
}

impl ExportFilter {
    fn is_empty(&self) -> bool {
        self.search.trim().is_empty() && self.features.is_empty()
    }
}

/// The document of the properties `filter` selects (by client id) and all global settings.
/// Never a secret: the state read holds none.
pub async fn export(
    store: &Store,
    actor: &Actor,
    filter: &ExportFilter,
) -> Result<Document, OpError> {
    actor.require(Permission::Read)?;
    let selected = if filter.ids.is_empty() {
        None
    } else {
        let ids = super::bulk::resolve(store, &BulkTarget::Ids(filter.ids.clone())).await?;
        Some(
            ids.into_iter()
                .collect::<std::collections::HashSet<String>>(),
        )
    };
    let (global, mut properties) = store.transfer_state().await?;
    if let Some(selected) = selected {
        properties.retain(|p| selected.contains(&p.client_id));
    }
    if !filter.is_empty() {
        // The list decides what matches, so an export holds exactly what the console lists.
        let wanted: std::collections::HashSet<String> = store
            .matching_client_ids(&filter.search, &filter.features)
            .await?
            .into_iter()
            .collect();
        properties.retain(|p| wanted.contains(&p.client_id));
    }
    Ok(transfer::export_document(global, &properties))
}

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is invalid or does not fit the current state; nothing was written.
    #[error("the file has {} problem(s); nothing was written", .0.len())]
    Invalid(Vec<Problem>),
    /// The database changed between showing the plan and applying it; nothing was written.
    #[error("the properties or settings changed since the plan was shown; nothing was written, run the import again")]
    PlanChanged,
    #[error(transparent)]
    Op(#[from] OpError),
}

impl From<StoreError> for ImportError {
    fn from(error: StoreError) -> Self {
        ImportError::Op(error.into())
    }
}

/// A property the import created, with its new secret: shown once to whoever imported.
pub struct Created {
    pub position: usize,
    pub client_id: String,
    pub name: String,
    pub client_secret: String,
}

/// The plan for importing `document` now (reads only; writes nothing).
pub async fn plan_import(
    store: &Store,
    actor: &Actor,
    document: &Document,
    prune: bool,
) -> Result<Plan, ImportError> {
    actor.require(Permission::Write)?;
    let (global, properties) = store.transfer_state().await?;
    transfer::plan(&properties, &global, document, prune).map_err(ImportError::Invalid)
}

/// Applies `confirmed` (what [`plan_import`] showed) in one write: only if the plan computed
/// inside the write is still the same, all of it or nothing. Returns the created properties with
/// their new secrets.
pub async fn apply_import(
    store: &Store,
    actor: &Actor,
    document: &Document,
    prune: bool,
    confirmed: &Plan,
) -> Result<Vec<Created>, ImportError> {
    actor.require(Permission::Write)?;
    let mut w = begin(store).await?;
    let (global, properties) = w.transfer_state().await?;
    let plan =
        transfer::plan(&properties, &global, document, prune).map_err(ImportError::Invalid)?;
    if plan != *confirmed {
        return Err(ImportError::PlanChanged);
    }
    let by_id: std::collections::HashMap<&str, &transfer::PropertyState> = properties
        .iter()
        .map(|p| (p.client_id.as_str(), p))
        .collect();
    for gone in &plan.deletes {
        match w.delete_property(&gone.client_id).await? {
            crate::store::properties::DeleteOutcome::Deleted => {}
            crate::store::properties::DeleteOutcome::IsOwner => {
                return Err(OpError::invalid(
                    super::Field::Target,
                    "the property has the owner feature, and owner properties cannot be deleted",
                )
                .into())
            }
        }
        let before = by_id
            .get(gone.client_id.as_str())
            .map(|p| json!({ "name": p.name, "features": p.features, "whitelist": p.whitelist }));
        w.audit(&actor.entry(
            actions::PROPERTY_DELETE,
            Some((&gone.client_id, &gone.name)),
            before,
            None,
        ))
        .await?;
    }
    // Renames first move out of the way under a name no valid name can clash with (it has a
    // control character), so names may be swapped between properties in one import.
    for change in &plan.changes {
        if change
            .diffs
            .iter()
            .any(|d| matches!(d, FieldDiff::Name { .. }))
        {
            let parked = format!("\u{1}import {}", change.client_id);
            w.rename_property(&change.client_id, &parked, actor.now)
                .await?;
        }
    }
    for change in &plan.changes {
        apply_change(&mut w, actor, change).await?;
    }
    let mut created = Vec::with_capacity(plan.creates.len());
    for new in &plan.creates {
        let record = w
            .create_property(
                &NewProperty {
                    name: new.name.clone(),
                    features: new.features.clone(),
                    whitelist: new.whitelist.clone(),
                },
                actor.now,
            )
            .await?;
        if !new.settings.is_empty() {
            w.set_settings(Scope::Property(&record.client_id), &new.settings, actor.now)
                .await?;
        }
        let after = json!({
            "name": record.name,
            "features": record.features,
            "whitelist": record.whitelist,
            "settings": audit_values(new.settings.iter().map(|(k, v)| (k.clone(), Some(v.clone())))),
            "imported": true,
        });
        w.audit(&actor.entry(
            actions::PROPERTY_CREATE,
            Some((&record.client_id, &record.name)),
            None,
            Some(after),
        ))
        .await?;
        created.push(Created {
            position: new.position,
            client_id: record.client_id,
            name: record.name,
            client_secret: record.client_secret.expose().to_string(),
        });
    }
    if !plan.global.is_empty() {
        let (before, after) = apply_settings(&mut w, actor, Scope::Global, &plan.global).await?;
        w.audit(&actor.entry(actions::SETTINGS_GLOBAL, None, Some(before), Some(after)))
            .await?;
    }
    w.commit().await?;
    tracing::info!(
        created = plan.creates.len(),
        changed = plan.changes.len(),
        deleted = plan.deletes.len(),
        global = plan.global.len(),
        by = %actor.describe(),
        "import applied"
    );
    Ok(created)
}

/// One changed property: its fields, then its settings, and one audit entry with what differed.
async fn apply_change(
    w: &mut Write,
    actor: &Actor,
    change: &transfer::Change,
) -> Result<(), ImportError> {
    let id = change.client_id.as_str();
    let (mut before, mut after) = (json!({ "imported": true }), json!({ "imported": true }));
    let mut name = change.name.clone();
    for diff in &change.diffs {
        match diff {
            FieldDiff::Name { from, to } => {
                w.rename_property(id, to, actor.now).await?;
                before["name"] = json!(from);
                after["name"] = json!(to);
                name = to.clone();
            }
            FieldDiff::Features { from, to } => {
                w.set_features(id, to, actor.now).await?;
                before["features"] = json!(from);
                after["features"] = json!(to);
            }
            FieldDiff::Whitelist { from, to } => {
                w.set_whitelist(id, to, actor.now).await?;
                before["whitelist"] = json!(from);
                after["whitelist"] = json!(to);
            }
            FieldDiff::Setting { .. } => {}
        }
    }
    let settings: Vec<FieldDiff> = change
        .diffs
        .iter()
        .filter(|d| matches!(d, FieldDiff::Setting { .. }))
        .cloned()
        .collect();
    if !settings.is_empty() {
        let (old, new) = apply_settings(w, actor, Scope::Property(id), &settings).await?;
        before["settings"] = old;
        after["settings"] = new;
    }
    w.audit(&actor.entry(
        actions::PROPERTY_UPDATE,
        Some((id, &name)),
        Some(before),
        Some(after),
    ))
    .await?;
    Ok(())
}

/// Writes setting diffs of one scope; returns their audit before / after (sensitive values
/// redacted).
async fn apply_settings(
    w: &mut Write,
    actor: &Actor,
    scope: Scope<'_>,
    diffs: &[FieldDiff],
) -> Result<(Value, Value), ImportError> {
    let mut set = SettingsMap::new();
    let (mut old, mut new) = (Vec::new(), Vec::new());
    for diff in diffs {
        if let FieldDiff::Setting { key, from, to } = diff {
            old.push((key.clone(), from.clone()));
            new.push((key.clone(), to.clone()));
            match to {
                Some(value) => {
                    set.insert(key.clone(), value.clone());
                }
                None => {
                    w.delete_setting(scope, key).await?;
                }
            }
        }
    }
    if !set.is_empty() {
        w.set_settings(scope, &set, actor.now).await?;
    }
    Ok((audit_values(old), audit_values(new)))
}

#[cfg(test)]
mod tests {
    use sqlx::SqlitePool;

    use super::*;
    use crate::domain::listing::ListQuery;
    use crate::domain::transfer::{DocumentProperty, FORMAT, VERSION};

    fn actor() -> Actor {
        Actor::operator("transferops00000".into(), 1_000)
    }

    async fn add(store: &Store, name: &str, features: &[Feature]) -> String {
        super::super::properties::create(store, &actor(), name, features, &[])
            .await
            .unwrap()
            .client_id
    }

    fn entry(id: Option<&str>, name: &str, features: &[&str]) -> DocumentProperty {
        DocumentProperty {
            client_id: id.map(String::from),
            name: name.into(),
            features: features.iter().map(|s| s.to_string()).collect(),
            whitelist: vec![],
            settings: Default::default(),
        }
    }

    fn document(properties: Vec<DocumentProperty>) -> Document {
        Document {
            format: FORMAT.into(),
            version: VERSION,
            global_settings: [("site_name".to_string(), "G".to_string())].into(),
            properties,
        }
    }

    async fn import(
        store: &Store,
        doc: &Document,
        prune: bool,
    ) -> Result<Vec<Created>, ImportError> {
        let plan = plan_import(store, &actor(), doc, prune).await?;
        apply_import(store, &actor(), doc, prune, &plan).await
    }

    #[sqlx::test(migrations = false)]
    async fn an_import_swaps_names_deletes_creates_and_audits_each_property(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let shop = add(&store, "Shop", &[]).await;
        let blog = add(&store, "Blog", &[]).await;
        let old = add(&store, "Old", &[]).await;
        let owner = add(&store, "Owner", &[Feature::Owner]).await;
        let mut new = entry(None, "New", &["login_client"]);
        new.settings.insert("k".into(), "v".into());
        let doc = document(vec![
            entry(Some(&shop), "Blog", &[]),
            entry(Some(&blog), "Shop", &[]),
            new,
        ]);
        let created = import(&store, &doc, true).await.unwrap();
        assert_eq!(created.len(), 1);
        let record = store
            .property(&created[0].client_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.client_secret.expose(), created[0].client_secret);
        assert_eq!(record.features, vec![Feature::LoginClient]);
        assert_eq!(
            store.property_settings(&record.client_id).await.unwrap()["k"],
            "v"
        );
        assert_eq!(store.property(&shop).await.unwrap().unwrap().name, "Blog");
        assert_eq!(store.property(&blog).await.unwrap().unwrap().name, "Shop");
        assert!(store.property(&old).await.unwrap().is_none());
        assert!(
            store.property(&owner).await.unwrap().is_some(),
            "owners stay"
        );
        assert_eq!(store.global_settings().await.unwrap()["site_name"], "G");
        let audit = store.audit_since(0).await.unwrap();
        let actions: Vec<(&str, Option<&str>)> = audit
            .iter()
            .skip(4)
            .map(|e| (e.action.as_str(), e.client_id.as_deref()))
            .collect();
        assert_eq!(
            actions,
            [
                (actions::PROPERTY_DELETE, Some(old.as_str())),
                (actions::PROPERTY_UPDATE, Some(shop.as_str())),
                (actions::PROPERTY_UPDATE, Some(blog.as_str())),
                (actions::PROPERTY_CREATE, Some(record.client_id.as_str())),
                (actions::SETTINGS_GLOBAL, None),
            ]
        );
        // The list sees the import at once.
        let page = store
            .list_properties(&ListQuery {
                search: "blog".into(),
                limit: 50,
                ..ListQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(page.rows.len(), 1);
        assert_eq!(page.rows[0].client_id, shop);
    }

    #[sqlx::test(migrations = false)]
    async fn a_plan_that_no_longer_fits_is_not_applied(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let shop = add(&store, "Shop", &[]).await;
        let doc = document(vec![
            entry(Some(&shop), "Shop 2", &[]),
            entry(None, "New", &[]),
        ]);
        let plan = plan_import(&store, &actor(), &doc, false).await.unwrap();
        super::super::properties::rename(&store, &actor(), &shop, "Changed meanwhile")
            .await
            .unwrap();
        let error = apply_import(&store, &actor(), &doc, false, &plan).await;
        assert!(matches!(error, Err(ImportError::PlanChanged)));
        assert_eq!(store.property_count().await.unwrap(), 1);
        assert!(store.global_settings().await.unwrap().is_empty());
    }

    #[sqlx::test(migrations = false)]
    async fn an_invalid_document_writes_nothing_and_export_filters_like_the_list(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        add(&store, "Web Shop", &[Feature::DirectAccess]).await;
        add(&store, "Blog", &[Feature::LoginClient]).await;
        let doc = document(vec![
            entry(None, "Fine", &[]),
            entry(None, "Bad", &["nope"]),
        ]);
        match import(&store, &doc, false).await {
            Err(ImportError::Invalid(problems)) => {
                assert_eq!(problems[0].position, "properties[1].features[0]")
            }
            _ => panic!("expected problems"),
        }
        assert_eq!(store.property_count().await.unwrap(), 2);
        // With a space: a client id (letters and digits) can never match it by chance.
        let filter = ExportFilter {
            search: "B SH".into(),
            ..ExportFilter::default()
        };
        let doc = export(&store, &actor(), &filter).await.unwrap();
        assert_eq!(doc.properties.len(), 1);
        assert_eq!(doc.properties[0].name, "Web Shop");
        let filter = ExportFilter {
            features: vec![Feature::LoginClient],
            ..ExportFilter::default()
        };
        let doc = export(&store, &actor(), &filter).await.unwrap();
        assert_eq!(doc.properties.len(), 1);
        assert_eq!(doc.properties[0].name, "Blog");
        assert_eq!(
            export(&store, &actor(), &ExportFilter::default())
                .await
                .unwrap()
                .properties
                .len(),
            2
        );
    }

    #[sqlx::test(migrations = false)]
    async fn an_export_of_a_selection_holds_only_its_ids(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let shop = add(&store, "Web Shop", &[Feature::DirectAccess]).await;
        let blog = add(&store, "Blog", &[Feature::LoginClient]).await;
        add(&store, "Wiki", &[]).await;
        let selection = |ids: &[&str]| ExportFilter {
            ids: ids.iter().map(|id| id.to_string()).collect(),
            ..ExportFilter::default()
        };
        let names = |doc: Document| {
            let mut names: Vec<String> = doc.properties.into_iter().map(|p| p.name).collect();
            names.sort();
            names
        };
        let doc = export(&store, &actor(), &selection(&[&shop, &blog, &shop]))
            .await
            .unwrap();
        assert_eq!(names(doc), ["Blog", "Web Shop"]);
        // With a filter as well, a property must be selected and match.
        let both = ExportFilter {
            features: vec![Feature::LoginClient],
            ..selection(&[&shop, &blog])
        };
        assert_eq!(
            names(export(&store, &actor(), &both).await.unwrap()),
            ["Blog"]
        );
        // Ids are checked as a bulk selection's are: a malformed one is refused, not ignored.
        assert!(matches!(
            export(&store, &actor(), &selection(&["not an id"])).await,
            Err(OpError::Invalid { .. })
        ));
    }
}
