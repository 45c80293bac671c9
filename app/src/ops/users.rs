//! Operations on console accounts: add, remove, change a role, reset a password, change one's own
//! password. Passwords and their hashes never reach the audit log.

use serde_json::json;

use super::{begin, Actor, Field, OpError, OpResult, Who};
use crate::auth::password::{hash_off_thread, random_password, verify_off_thread};
use crate::domain::accounts::{
    validate_password, validate_username, Permission, Role, MAX_PASSWORD_BYTES,
};
use crate::domain::audit::actions;
use crate::store::{Store, StoreError};

fn store_error(error: StoreError) -> OpError {
    match error {
        StoreError::UsernameTaken => OpError::invalid(Field::Username, "an account with this username already exists"),
        StoreError::LastAdmin => OpError::invalid(
            Field::Role,
            "this is the last admin account; make another account admin first, so someone can still manage the console",
        ),
        StoreError::NotFound => OpError::invalid(Field::Username, "there is no account with this username"),
        other => other.into(),
    }
}

fn username(raw: &str) -> OpResult<String> {
    validate_username(raw)
        .map_err(|reason| OpError::invalid(Field::Username, lowercase_first(&reason)))
}

/// The account rules are written as sentences for the console; reasons start lower-case.
fn lowercase_first(sentence: &str) -> String {
    let trimmed = sentence.trim_end_matches('.');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Adds an account with a random password, returned once.
pub async fn add(
    store: &Store,
    actor: &Actor,
    raw_username: &str,
    role: Role,
) -> OpResult<(String, String)> {
    actor.require(Permission::ManageUsers)?;
    let username = username(raw_username)?;
    let password = random_password();
    let hash = hash_off_thread(&password).await;
    let mut w = begin(store).await?;
    w.create_user(&username, &hash, role, actor.now)
        .await
        .map_err(store_error)?;
    w.audit(&actor.entry(
        actions::USER_ADD,
        None,
        None,
        Some(json!({ "username": username, "role": role.as_str() })),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(%username, %role, by = %actor.describe(), "console account added");
    Ok((username, password))
}

pub async fn remove(store: &Store, actor: &Actor, raw_username: &str) -> OpResult<()> {
    actor.require(Permission::ManageUsers)?;
    let username = raw_username.trim().to_lowercase();
    let mut w = begin(store).await?;
    let old = w.user(&username).await?;
    w.delete_user(&username).await.map_err(store_error)?;
    let role = old.map(|u| u.role.as_str());
    w.audit(&actor.entry(
        actions::USER_REMOVE,
        None,
        Some(json!({ "username": username, "role": role })),
        None,
    ))
    .await?;
    w.commit().await?;
    tracing::info!(%username, by = %actor.describe(), "console account removed");
    Ok(())
}

pub async fn set_role(
    store: &Store,
    actor: &Actor,
    raw_username: &str,
    role: Role,
) -> OpResult<()> {
    actor.require(Permission::ManageUsers)?;
    let username = raw_username.trim().to_lowercase();
    let mut w = begin(store).await?;
    let old = w.user(&username).await?;
    w.set_user_role(&username, role, actor.now)
        .await
        .map_err(store_error)?;
    w.audit(&actor.entry(
        actions::USER_ROLE,
        None,
        Some(json!({ "username": username, "role": old.map(|u| u.role.as_str()) })),
        Some(json!({ "username": username, "role": role.as_str() })),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(%username, %role, by = %actor.describe(), "console account role changed");
    Ok(())
}

/// Gives an account a new random password (returned once) and ends its sessions.
pub async fn reset_password(
    store: &Store,
    actor: &Actor,
    raw_username: &str,
) -> OpResult<(String, String)> {
    actor.require(Permission::ManageUsers)?;
    let username = raw_username.trim().to_lowercase();
    let password = random_password();
    let hash = hash_off_thread(&password).await;
    let mut w = begin(store).await?;
    w.set_user_password(&username, &hash, None, actor.now)
        .await
        .map_err(store_error)?;
    w.audit(&actor.entry(
        actions::USER_PASSWORD_RESET,
        None,
        None,
        Some(json!({ "username": username })),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(%username, by = %actor.describe(), "console account password reset");
    Ok((username, password))
}

/// The signed-in person changes their own password; their other sessions end.
pub async fn change_own_password(
    store: &Store,
    actor: &Actor,
    keep_session: &str,
    current: &str,
    new: &str,
    confirm: &str,
) -> OpResult<()> {
    let Who::User { username, .. } = &actor.who else {
        return Err(OpError::Forbidden(
            "only a console account has a password to change".into(),
        ));
    };
    let user = store
        .user(username)
        .await?
        .ok_or_else(|| store_error(StoreError::NotFound))?;
    if current.len() > MAX_PASSWORD_BYTES || !verify_off_thread(current, &user.password_hash).await
    {
        return Err(OpError::invalid(
            Field::CurrentPassword,
            "this is not your current password",
        ));
    }
    validate_password(new)
        .map_err(|m| OpError::invalid(Field::NewPassword, lowercase_first(&m)))?;
    if new != confirm {
        return Err(OpError::invalid(
            Field::ConfirmPassword,
            "the two new passwords differ; type the same password twice",
        ));
    }
    let hash = hash_off_thread(new).await;
    let mut w = begin(store).await?;
    w.set_user_password(username, &hash, Some(keep_session), actor.now)
        .await
        .map_err(store_error)?;
    w.audit(&actor.entry(
        actions::USER_PASSWORD_CHANGE,
        None,
        None,
        Some(json!({ "username": username })),
    ))
    .await?;
    w.commit().await?;
    tracing::info!(%username, "console password changed");
    Ok(())
}
