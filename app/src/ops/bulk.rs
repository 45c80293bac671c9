//! Bulk actions (issue #19): one change applied to many properties in one write, all or nothing,
//! with the rules of the single-property operations checked for each and one audit entry per
//! property, the entries sharing a batch id.

use serde_json::json;

use super::{begin, check_client_id, Actor, Field, OpError, OpResult};
use crate::domain::accounts::Permission;
use crate::domain::audit::actions;
use crate::domain::bulk::{self, BulkChange, BulkTarget, MAX_SELECTED_IDS};
use crate::store::properties::{new_token, DeleteOutcome, PropertyRecord};
use crate::store::Store;

/// At most this many clashing properties are named in a refusal.
const NAMED_CLASHES: usize = 5;

/// What a bulk change did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkOutcome {
    /// Properties changed (or deleted).
    pub changed: usize,
    /// Selected properties already as asked (nothing to change).
    pub unchanged: usize,
    /// Owners a delete skipped.
    pub skipped_owners: usize,
    /// Shared by the audit entries of this change; None when nothing changed.
    pub batch_id: Option<String>,
}

/// How many properties a target selects, and how many of them are owners (for the dialog).
pub async fn count(store: &Store, actor: &Actor, target: &BulkTarget) -> OpResult<(usize, usize)> {
    actor.require(Permission::Write)?;
    let ids = resolve(store, target).await?;
    let mut owners = 0;
    for id in &ids {
        if store.property(id).await?.is_some_and(|p| p.is_owner()) {
            owners += 1;
        }
    }
    Ok((ids.len(), owners))
}

/// The client ids a target selects: the ids given (checked), or every row the list shows for the
/// search and filter, on every page.
pub async fn resolve(store: &Store, target: &BulkTarget) -> OpResult<Vec<String>> {
    match target {
        BulkTarget::Ids(ids) => {
            if ids.len() > MAX_SELECTED_IDS {
                return Err(OpError::invalid(
                    Field::Target,
                    format!("at most {MAX_SELECTED_IDS} properties can be selected one by one"),
                ));
            }
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                check_client_id(id)?;
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
            Ok(out)
        }
        BulkTarget::Matching { search, features } => {
            Ok(store.matching_client_ids(search, features).await?)
        }
    }
}

/// Applies `change` to every property `target` selects, in one write: if any property would break
/// a rule nothing changes and the error names the properties (up to five). Owners are skipped by a
/// delete, never deleted.
pub async fn apply(
    store: &Store,
    actor: &Actor,
    target: &BulkTarget,
    change: &BulkChange,
) -> OpResult<BulkOutcome> {
    actor.require(Permission::Write)?;
    let range = match change {
        BulkChange::AddIpRange(entry) => Some(
            bulk::parse_range(entry).map_err(|e| OpError::invalid(Field::Whitelist, e.reason()))?,
        ),
        _ => None,
    };
    let ids = resolve(store, target).await?;
    let mut w = begin(store).await?;
    // First every property and what it becomes, so a refusal names every clash and writes nothing.
    let mut plan: Vec<(PropertyRecord, Planned)> = Vec::with_capacity(ids.len());
    let mut clashes: Vec<(String, String)> = Vec::new();
    let mut unchanged = 0;
    let mut skipped_owners = 0;
    for id in &ids {
        let old = w
            .property(id)
            .await?
            .ok_or_else(|| OpError::UnknownTarget(id.clone()))?;
        let planned = match change {
            BulkChange::AddFeature(_) | BulkChange::RemoveFeature(_) => {
                match bulk::features_after(change, &old.features) {
                    Ok(new) if new == old.features => Planned::Nothing,
                    Ok(new) => Planned::Features(new),
                    Err(e) => {
                        clashes.push((old.name.clone(), e.reason()));
                        Planned::Nothing
                    }
                }
            }
            BulkChange::AddIpRange(_) => {
                let range = range.as_deref().unwrap_or_default();
                match bulk::whitelist_after(&old.whitelist, range) {
                    Ok(Some(new)) => Planned::Whitelist(new),
                    Ok(None) => Planned::Nothing,
                    Err(e) => {
                        clashes.push((old.name.clone(), e.reason()));
                        Planned::Nothing
                    }
                }
            }
            BulkChange::Delete if old.is_owner() => {
                skipped_owners += 1;
                continue;
            }
            BulkChange::Delete => Planned::Delete,
        };
        if matches!(planned, Planned::Nothing) {
            unchanged += 1;
        } else {
            plan.push((old, planned));
        }
    }
    if !clashes.is_empty() {
        let field = match change {
            BulkChange::AddIpRange(_) => Field::Whitelist,
            _ => Field::Features,
        };
        return Err(OpError::invalid(field, clash_reason(&clashes)));
    }
    let batch_id = (!plan.is_empty()).then(new_token);
    for (old, planned) in &plan {
        let id = old.client_id.as_str();
        let (action, before, after) = match planned {
            Planned::Features(new) => {
                w.set_features(id, new, actor.now).await?;
                (
                    actions::PROPERTY_FEATURES,
                    Some(json!({ "features": old.features })),
                    Some(json!({ "features": new })),
                )
            }
            Planned::Whitelist(new) => {
                w.set_whitelist(id, new, actor.now).await?;
                (
                    actions::PROPERTY_WHITELIST,
                    Some(json!({ "whitelist": old.whitelist })),
                    Some(json!({ "whitelist": new })),
                )
            }
            Planned::Delete => {
                if w.delete_property(id).await? == DeleteOutcome::IsOwner {
                    return Err(OpError::Conflict);
                }
                (
                    actions::PROPERTY_DELETE,
                    Some(json!({
                        "name": old.name,
                        "features": old.features,
                        "whitelist": old.whitelist,
                    })),
                    None,
                )
            }
            Planned::Nothing => continue,
        };
        let mut entry = actor.entry(action, Some((id, &old.name)), before, after);
        entry.batch_id = batch_id.clone();
        w.audit(&entry).await?;
    }
    w.commit().await?;
    tracing::info!(
        changed = plan.len(),
        unchanged,
        skipped_owners,
        by = %actor.describe(),
        "bulk change"
    );
    Ok(BulkOutcome {
        changed: plan.len(),
        unchanged,
        skipped_owners,
        batch_id,
    })
}

enum Planned {
    Nothing,
    Features(Vec<crate::domain::features::Feature>),
    Whitelist(Vec<String>),
    Delete,
}

/// "Nothing was changed: it would break Shop (login_client cannot be combined with other
/// features), Blog (...) and 3 more."
fn clash_reason(clashes: &[(String, String)]) -> String {
    let named: Vec<String> = clashes
        .iter()
        .take(NAMED_CLASHES)
        .map(|(name, reason)| format!("{name} ({reason})"))
        .collect();
    let more = clashes.len().saturating_sub(NAMED_CLASHES);
    let mut text = format!(
        "nothing was changed, because it would break {}",
        named.join(", ")
    );
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

#[cfg(test)]
mod tests {
    use sqlx::SqlitePool;

    use super::*;
    use crate::domain::accounts::Role;
    use crate::domain::audit::{AuditFilter, Door};
    use crate::domain::features::Feature;
    use crate::ops::Who;
    use crate::store::properties::NewProperty;

    fn admin() -> Actor {
        Actor {
            who: Who::User {
                username: "admin".into(),
                role: Role::Admin,
            },
            door: Door::Console,
            source: "127.0.0.1".into(),
            request_id: "bulkops000000000".into(),
            now: 1_000,
        }
    }

    async fn add(store: &Store, name: &str, features: &[Feature]) -> String {
        crate::ops::properties::create(store, &admin(), name, features, &[])
            .await
            .unwrap()
            .client_id
    }

    async fn features_of(store: &Store, id: &str) -> Vec<Feature> {
        store.property(id).await.unwrap().unwrap().features
    }

    fn matching(search: &str) -> BulkTarget {
        BulkTarget::Matching {
            search: search.into(),
            features: vec![],
        }
    }

    async fn entries(store: &Store) -> Vec<crate::domain::audit::AuditEntry> {
        store
            .audit_page(&AuditFilter::default(), None, 1000)
            .await
            .unwrap()
            .entries
    }

    #[sqlx::test(migrations = false)]
    async fn all_matching_changes_every_match_with_one_batch_of_audit_entries(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let mut shops = Vec::new();
        for i in 0..12 {
            shops.push(add(&store, &format!("Shop {i}"), &[]).await);
        }
        let blog = add(&store, "Blog", &[]).await;
        let before = entries(&store).await.len();
        let outcome = apply(
            &store,
            &admin(),
            &matching("shop"),
            &BulkChange::AddFeature(Feature::DirectAccess),
        )
        .await
        .unwrap();
        assert_eq!(outcome.changed, 12);
        for id in &shops {
            assert_eq!(features_of(&store, id).await, vec![Feature::DirectAccess]);
        }
        assert!(features_of(&store, &blog).await.is_empty());
        let log = entries(&store).await;
        let batch: Vec<_> = log[..log.len() - before].to_vec();
        assert_eq!(batch.len(), 12);
        assert!(batch
            .iter()
            .all(|e| e.batch_id == outcome.batch_id && e.batch_id.is_some()));
        assert!(batch.iter().all(|e| e.action == actions::PROPERTY_FEATURES));

        // Removing it again; the list index follows (the filter now finds none).
        apply(
            &store,
            &admin(),
            &BulkTarget::Ids(shops.clone()),
            &BulkChange::RemoveFeature(Feature::DirectAccess),
        )
        .await
        .unwrap();
        let (count, _) = count(
            &store,
            &admin(),
            &BulkTarget::Matching {
                search: String::new(),
                features: vec![Feature::DirectAccess],
            },
        )
        .await
        .unwrap();
        assert_eq!(count, 0);
    }

    #[sqlx::test(migrations = false)]
    async fn a_clash_changes_nothing_and_names_the_property(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let plain = add(&store, "Shop plain", &[]).await;
        let direct = add(&store, "Shop direct", &[Feature::DirectAccess]).await;
        let before = entries(&store).await.len();
        let error = apply(
            &store,
            &admin(),
            &matching("shop"),
            &BulkChange::AddFeature(Feature::LoginClient),
        )
        .await
        .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("Shop direct"), "{text}");
        assert!(!text.contains("Shop plain"), "{text}");
        assert!(features_of(&store, &plain).await.is_empty());
        assert_eq!(
            features_of(&store, &direct).await,
            vec![Feature::DirectAccess]
        );
        assert_eq!(entries(&store).await.len(), before);
    }

    #[sqlx::test(migrations = false)]
    async fn delete_skips_owners_and_an_unknown_id_changes_nothing(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let a = add(&store, "Temp a", &[]).await;
        let b = add(&store, "Temp b", &[]).await;
        let owner = add(&store, "Temp owner", &[Feature::Owner]).await;
        let unknown = "a".repeat(32);
        let error = apply(
            &store,
            &admin(),
            &BulkTarget::Ids(vec![a.clone(), unknown]),
            &BulkChange::Delete,
        )
        .await
        .unwrap_err();
        assert!(matches!(error, OpError::UnknownTarget(_)));
        assert!(store.property(&a).await.unwrap().is_some());

        assert_eq!(
            count(&store, &admin(), &matching("temp")).await.unwrap(),
            (3, 1)
        );
        let outcome = apply(&store, &admin(), &matching("temp"), &BulkChange::Delete)
            .await
            .unwrap();
        assert_eq!((outcome.changed, outcome.skipped_owners), (2, 1));
        assert!(store.property(&a).await.unwrap().is_none());
        assert!(store.property(&b).await.unwrap().is_none());
        assert!(store.property(&owner).await.unwrap().is_some());
        let deletes = entries(&store)
            .await
            .into_iter()
            .filter(|e| e.action == actions::PROPERTY_DELETE)
            .collect::<Vec<_>>();
        assert_eq!(deletes.len(), 2);
        assert_eq!(deletes[0].batch_id, deletes[1].batch_id);
    }

    #[sqlx::test(migrations = false)]
    async fn ip_ranges_are_checked_and_viewers_refused(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let a = add(&store, "Net", &[]).await;
        let error = apply(
            &store,
            &admin(),
            &BulkTarget::Ids(vec![a.clone()]),
            &BulkChange::AddIpRange("10.0.0.300/8".into()),
        )
        .await
        .unwrap_err();
        assert!(matches!(
            error,
            OpError::Invalid {
                field: Field::Whitelist,
                ..
            }
        ));
        apply(
            &store,
            &admin(),
            &BulkTarget::Ids(vec![a.clone()]),
            &BulkChange::AddIpRange(" 10.1.0.0/16 ".into()),
        )
        .await
        .unwrap();
        let whitelist = store.property(&a).await.unwrap().unwrap().whitelist;
        assert!(
            whitelist.contains(&"10.1.0.0/16".to_string()),
            "{whitelist:?}"
        );

        let mut viewer = admin();
        viewer.who = Who::User {
            username: "viewer".into(),
            role: Role::Viewer,
        };
        let error = apply(&store, &viewer, &matching(""), &BulkChange::Delete)
            .await
            .unwrap_err();
        assert!(matches!(error, OpError::Forbidden(_)));
        assert!(store.property(&a).await.unwrap().is_some());
    }

    /// Times a bulk change of 10,000 properties: `cargo test -p app --features ssr --release
    /// bulk_change_of_10000 -- --ignored --nocapture`.
    #[sqlx::test(migrations = false)]
    #[ignore]
    async fn bulk_change_of_10000_properties(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let batch: Vec<NewProperty> = (0..10_000)
            .map(|i| NewProperty {
                name: format!("Bulk {i:05}"),
                features: vec![],
                whitelist: vec!["0.0.0.0/0".into()],
            })
            .collect();
        store.create_properties(&batch, 1).await.unwrap();
        let started = std::time::Instant::now();
        let outcome = apply(
            &store,
            &admin(),
            &matching("bulk"),
            &BulkChange::AddFeature(Feature::DirectAccess),
        )
        .await
        .unwrap();
        let add = started.elapsed();
        assert_eq!(outcome.changed, 10_000);
        let started = std::time::Instant::now();
        let outcome = apply(&store, &admin(), &matching("bulk"), &BulkChange::Delete)
            .await
            .unwrap();
        let delete = started.elapsed();
        assert_eq!(outcome.changed, 10_000);
        println!(
            "bulk add feature to 10,000 properties: {add:?}; bulk delete of 10,000: {delete:?}"
        );
    }
}
