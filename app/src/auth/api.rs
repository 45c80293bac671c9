//! Server functions for signing in and out and for managing accounts.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Principal, Role};
use crate::error::ConsoleError;

/// An account as the Users page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub username: String,
    pub role: Role,
    pub created_at: i64,
}

/// The signed-in person, or None.
#[server(prefix = "/api", endpoint = "auth/me")]
pub async fn current_user() -> Result<Option<Principal>, ConsoleError> {
    Ok(super::current_principal())
}

/// Checks the password, starts a session (cookie) and returns to `next`. Failures are slowed,
/// counted per account and per address, and worded the same whatever was wrong.
#[server(prefix = "/api", endpoint = "auth/sign_in")]
pub async fn sign_in(username: String, password: String, next: String) -> Result<(), ConsoleError> {
    use super::password::{verify_nothing, verify_password};
    use super::session::{new_session_token, token_hash, CookiePolicy, SignInThrottle};
    use crate::auth::context;
    use crate::domain::accounts::{safe_return_path, SESSION_ABSOLUTE_SECS};

    let store = context::store()?;
    let now = context::now();
    let throttle = use_context::<SignInThrottle>().unwrap_or_default();
    let address = use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip())
        })
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let username = username.trim().to_lowercase();
    if let Some(seconds) = throttle.locked_for(&username, address, now) {
        return Err(ConsoleError::invalid(
            "password",
            format!(
                "Too many failed sign-ins. Try again in {} minutes.",
                (seconds + 59) / 60
            ),
        ));
    }
    let user = store.user(&username).await?;
    let verified = match &user {
        Some(user) => verify_password(&password, &user.password_hash),
        None => {
            verify_nothing(&password);
            false
        }
    };
    let Some(user) = user.filter(|_| verified) else {
        throttle.record_failure(&username, address, now);
        tracing::warn!(%username, %address, "console sign-in failed");
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        return Err(ConsoleError::invalid(
            "password",
            "The username or password is not correct.",
        ));
    };
    throttle.forget_account(&username);
    let token = new_session_token();
    store
        .create_session(
            &token_hash(&token),
            user.id,
            now,
            now + SESSION_ABSOLUTE_SECS,
        )
        .await?;
    let policy = use_context::<CookiePolicy>().unwrap_or_default();
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(cookie) = http::HeaderValue::from_str(&policy.session_cookie(&token)) {
            response.append_header(http::header::SET_COOKIE, cookie);
        }
    }
    tracing::info!(username = %user.username, %address, "console sign-in");
    leptos_axum::redirect(&safe_return_path(&next));
    Ok(())
}

/// Ends this session and clears the cookie.
#[server(prefix = "/api", endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), ConsoleError> {
    use super::session::CookiePolicy;
    if let Some(principal) = super::current_principal() {
        super::context::store()?
            .delete_session(&principal.session)
            .await?;
        tracing::info!(username = %principal.username, "console sign-out");
    }
    let policy = use_context::<CookiePolicy>().unwrap_or_default();
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(cookie) = http::HeaderValue::from_str(&policy.cleared_cookie()) {
            response.append_header(http::header::SET_COOKIE, cookie);
        }
    }
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Changes the signed-in person's own password; their other sessions end.
#[server(prefix = "/api", endpoint = "auth/change_password")]
pub async fn change_password(
    current: String,
    new: String,
    confirm: String,
) -> Result<(), ConsoleError> {
    use super::password::{hash_password, verify_password};
    use super::{authorize, context, Permission};
    use crate::domain::accounts::validate_password;

    let principal = authorize(Permission::Read).await?;
    let store = context::store()?;
    let user = store
        .user(&principal.username)
        .await?
        .ok_or(ConsoleError::Unauthenticated)?;
    if !verify_password(&current, &user.password_hash) {
        return Err(ConsoleError::invalid(
            "current",
            "This is not your current password.",
        ));
    }
    validate_password(&new).map_err(|m| ConsoleError::invalid("new", m))?;
    if new != confirm {
        return Err(ConsoleError::invalid(
            "confirm",
            "The two new passwords differ. Type the same password twice.",
        ));
    }
    store
        .set_user_password(
            &principal.username,
            &hash_password(&new),
            Some(&principal.session),
            context::now(),
        )
        .await?;
    tracing::info!(username = %principal.username, "console password changed");
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/users")]
pub async fn list_users() -> Result<Vec<UserSummary>, ConsoleError> {
    use super::{authorize, context, Permission};
    authorize(Permission::ManageUsers).await?;
    Ok(context::store()?
        .users()
        .await?
        .into_iter()
        .map(|u| UserSummary {
            username: u.username,
            role: u.role,
            created_at: u.created_at,
        })
        .collect())
}

/// Adds an account with a random password, returned once to show the admin.
#[server(prefix = "/api", endpoint = "auth/add_user")]
pub async fn add_user(username: String, role: Role) -> Result<String, ConsoleError> {
    use super::password::{hash_password, random_password};
    use super::{authorize, context, Permission};
    use crate::domain::accounts::validate_username;

    let principal = authorize(Permission::ManageUsers).await?;
    let username =
        validate_username(&username).map_err(|m| ConsoleError::invalid("username", m))?;
    let password = random_password();
    context::store()?
        .create_user(&username, &hash_password(&password), role, context::now())
        .await?;
    tracing::info!(%username, %role, by = %principal.username, "console account added");
    Ok(password)
}

#[server(prefix = "/api", endpoint = "auth/set_role")]
pub async fn set_user_role(username: String, role: Role) -> Result<(), ConsoleError> {
    use super::{authorize, context, Permission};
    let principal = authorize(Permission::ManageUsers).await?;
    context::store()?
        .set_user_role(&username, role, context::now())
        .await?;
    tracing::info!(%username, %role, by = %principal.username, "console account role changed");
    Ok(())
}

/// Gives an account a new random password (returned once) and ends its sessions.
#[server(prefix = "/api", endpoint = "auth/reset_password")]
pub async fn reset_user_password(username: String) -> Result<String, ConsoleError> {
    use super::password::{hash_password, random_password};
    use super::{authorize, context, Permission};
    let principal = authorize(Permission::ManageUsers).await?;
    let password = random_password();
    context::store()?
        .set_user_password(&username, &hash_password(&password), None, context::now())
        .await?;
    tracing::info!(%username, by = %principal.username, "console account password reset");
    Ok(password)
}

#[server(prefix = "/api", endpoint = "auth/remove_user")]
pub async fn remove_user(username: String) -> Result<(), ConsoleError> {
    use super::{authorize, context, Permission};
    let principal = authorize(Permission::ManageUsers).await?;
    context::store()?.delete_user(&username).await?;
    tracing::info!(%username, by = %principal.username, "console account removed");
    Ok(())
}
