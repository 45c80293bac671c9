//! The master key: rotating it re-seals every client secret in one transaction; every credential
//! keeps working, and the rotation is an audit entry (which never names a secret or a key).

use serde_json::json;

use super::{begin, Actor, OpResult};
use crate::domain::accounts::Permission;
use crate::domain::audit::actions;
use crate::store::sealed::MasterKey;
use crate::store::Store;

/// Re-seals every secret under `new`; returns how many properties were re-sealed. The store keeps
/// using its old key: the caller (the command line) exits, and the server is started with the
/// new key file.
pub async fn rotate_master_key(store: &Store, actor: &Actor, new: &MasterKey) -> OpResult<usize> {
    actor.require(Permission::ManageUsers)?;
    let mut w = begin(store).await?;
    let count = w.reseal_secrets(new).await?;
    w.audit(&actor.entry(
        actions::MASTER_KEY_ROTATE,
        None,
        Some(json!({ "key_file": store.key_file().display().to_string() })),
        Some(json!({ "key_file": new.path().display().to_string(), "properties": count })),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(properties = count, by = %actor.describe(), "master key rotated");
    Ok(count)
}
