//! Server functions for signing in and out and for managing accounts.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
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
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "auth/me")]
pub async fn current_user() -> Result<Option<Principal>, ConsoleError> {
    Ok(super::current_principal())
}

/// Checks the password, starts a session (cookie) and returns to `next`. Failures are counted per
/// (account, address) and per address and slow further tries down; they never lock anyone out.
/// Every failure reads the same, whatever was wrong.
#[server(output = crate::wire::Wire, prefix = "/api", endpoint = "auth/sign_in")]
pub async fn sign_in(username: String, password: String, next: String) -> Result<(), ConsoleError> {
    use super::password::{verify_nothing_off_thread, verify_off_thread};
    use super::session::{new_session_token, token_hash, CookiePolicy, SignInThrottle};
    use crate::auth::{caller_address, context};
    use crate::domain::accounts::{
        safe_return_path, validate_username, MAX_PASSWORD_BYTES, SESSION_ABSOLUTE_SECS,
        SIGN_IN_REFUSED,
    };

    let not_correct = || {
        back_to_sign_in_page(&next);
        ConsoleError::invalid("password", SIGN_IN_REFUSED)
    };
    // Input no account can have is refused before it is stored, logged or hashed.
    let Ok(username) = validate_username(&username) else {
        return Err(not_correct());
    };
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ConsoleError::invalid(
            "password",
            format!("A password has at most {MAX_PASSWORD_BYTES} bytes."),
        ));
    }
    let store = context::store()?;
    let now = context::now();
    let throttle = use_context::<SignInThrottle>().unwrap_or_default();
    let address = caller_address();
    let delay = throttle.begin_attempt(&username, address, now);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let user = store.user(&username).await?;
    let verified = match &user {
        Some(user) => verify_off_thread(&password, &user.password_hash).await,
        None => {
            verify_nothing_off_thread(&password).await;
            false
        }
    };
    let Some(user) = user.filter(|_| verified) else {
        tracing::warn!(%username, %address, "console sign-in failed");
        metrics::counter!("gatehouse_console_sign_ins_total", "outcome" => "failed").increment(1);
        return Err(not_correct());
    };
    metrics::counter!("gatehouse_console_sign_ins_total", "outcome" => "ok").increment(1);
    throttle.succeeded(&username, address);
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

/// A plain form post (no JavaScript) that is refused goes back to the sign-in page, which then
/// says so (`?refused`). Script and wasm callers read the error itself.
#[cfg(feature = "ssr")]
fn back_to_sign_in_page(next: &str) {
    let plain_form_post = use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    if plain_form_post {
        let next = crate::domain::listing::encode_query_value(next);
        leptos_axum::redirect(&format!("/sign-in?next={next}&refused"));
    }
}

/// Ends this session and clears the cookie.
#[server(output = crate::wire::Wire, prefix = "/api", endpoint = "auth/sign_out")]
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
#[server(output = crate::wire::Wire, prefix = "/api", endpoint = "auth/change_password")]
pub async fn change_password(
    current: String,
    new: String,
    confirm: String,
) -> Result<(), ConsoleError> {
    use super::{console_actor, context, current_principal};
    let actor = console_actor()?;
    let session = current_principal().map(|p| p.session).unwrap_or_default();
    crate::ops::users::change_own_password(
        &context::store()?,
        &actor,
        &session,
        &current,
        &new,
        &confirm,
    )
    .await?;
    Ok(())
}

#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "auth/users")]
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
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "auth/add_user")]
pub async fn add_user(username: String, role: Role) -> Result<String, ConsoleError> {
    use super::{console_actor, context};
    let actor = console_actor()?;
    let (_, password) = crate::ops::users::add(&context::store()?, &actor, &username, role).await?;
    Ok(password)
}

#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "auth/set_role")]
pub async fn set_user_role(username: String, role: Role) -> Result<(), ConsoleError> {
    use super::{console_actor, context};
    let actor = console_actor()?;
    crate::ops::users::set_role(&context::store()?, &actor, &username, role).await?;
    Ok(())
}

/// Gives an account a new random password (returned once) and ends its sessions.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "auth/reset_password")]
pub async fn reset_user_password(username: String) -> Result<String, ConsoleError> {
    use super::{console_actor, context};
    let actor = console_actor()?;
    let (_, password) =
        crate::ops::users::reset_password(&context::store()?, &actor, &username).await?;
    Ok(password)
}

#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "auth/remove_user")]
pub async fn remove_user(username: String) -> Result<(), ConsoleError> {
    use super::{console_actor, context};
    let actor = console_actor()?;
    crate::ops::users::remove(&context::store()?, &actor, &username).await?;
    Ok(())
}
