//! First start and recovery: make sure an owner API client exists and hand its credentials to the
//! operator on the terminal (never to the log).

use app::domain::accounts::Role;
use app::domain::features::Feature;
use app::ops::{properties, users, Actor, Field, OpError};
use app::store::Store;

/// Credentials to show the operator once.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OwnerCredentials {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
}

/// Creates the owner client "Owner" when no owner exists; returns its credentials if it did. The
/// operator who starts the server is its actor in the audit log.
pub async fn ensure_owner(store: &Store, now: i64) -> Result<Option<OwnerCredentials>, OpError> {
    if store.first_owner().await?.is_some() {
        return Ok(None);
    }
    create_owner(store, &operator(now)).await.map(Some)
}

/// The operator starting or recovering the server, as the actor of an audited operation.
fn operator(now: i64) -> Actor {
    Actor::operator(crate::capture::error::new_request_id(), now)
}

async fn create_owner(store: &Store, actor: &Actor) -> Result<OwnerCredentials, OpError> {
    // "Owner" may be taken by a non-owner property; fall back to a numbered name.
    for attempt in 1..=100 {
        let name = if attempt == 1 {
            "Owner".to_string()
        } else {
            format!("Owner {attempt}")
        };
        match properties::create(store, actor, &name, &[Feature::Owner], &[]).await {
            Ok(record) => {
                return Ok(OwnerCredentials {
                    client_id: record.client_id,
                    client_secret: record.client_secret.expose().to_string(),
                    name: record.name,
                })
            }
            Err(OpError::Invalid {
                field: Field::Name, ..
            }) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(OpError::invalid(
        Field::Name,
        "no free name for the owner client (Owner ... Owner 100)",
    ))
}

/// Gives the first owner a new secret at once (no grace period), creating an owner if none exists.
/// Done by `actor` (the operator), so it is audited like any other reset.
pub async fn reset_owner_secret(
    store: &Store,
    actor: &app::ops::Actor,
) -> Result<OwnerCredentials, app::ops::OpError> {
    match store.first_owner().await? {
        Some(owner) => {
            let secret =
                app::ops::properties::reset_secret(store, actor, &owner.client_id, 0).await?;
            Ok(OwnerCredentials {
                client_id: owner.client_id,
                client_secret: secret,
                name: owner.name,
            })
        }
        None => create_owner(store, actor).await,
    }
}

/// How a person reaches a server listening on `address`: an unspecified address (0.0.0.0, [::])
/// is reached on loopback from the same machine.
pub fn base_url(address: std::net::SocketAddr) -> String {
    let reachable = if address.ip().is_unspecified() {
        match address {
            std::net::SocketAddr::V4(_) => std::net::IpAddr::from([127, 0, 0, 1]),
            std::net::SocketAddr::V6(_) => std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        }
    } else {
        address.ip()
    };
    format!(
        "http://{}",
        std::net::SocketAddr::new(reachable, address.port())
    )
}

/// The terminal banner for new owner credentials; `base` is where the server answers.
pub fn owner_banner(credentials: &OwnerCredentials, headline: &str, base: &str) -> String {
    let rule = "-".repeat(72);
    format!(
        "{rule}\n{headline}\nKeep these safe: they are shown only this once.\n\n  \
         property:      {}\n  client_id:     {}\n  client_secret: {}\n\n\
         Try it: curl -u {}:{} {base}/clients/list\n{rule}",
        credentials.name,
        credentials.client_id,
        credentials.client_secret,
        credentials.client_id,
        credentials.client_secret
    )
}

/// A console account's fresh credentials, to show once.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AccountCredentials {
    pub username: String,
    pub password: String,
}

/// Creates the console account "admin" with a random password when there are no accounts.
pub async fn ensure_admin(store: &Store, now: i64) -> Result<Option<AccountCredentials>, OpError> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let (username, password) = users::add(store, &operator(now), "admin", Role::Admin).await?;
    Ok(Some(AccountCredentials { username, password }))
}

/// The terminal banner for a console account's new password.
pub fn account_banner(credentials: &AccountCredentials, headline: &str) -> String {
    let rule = "-".repeat(72);
    format!(
        "{rule}\n{headline}\nShown only this once.\n\n  username: {}\n  password: {}\n{rule}",
        credentials.username, credentials.password
    )
}

/// The terminal banner for a master key created on the first start.
pub fn key_banner(path: &std::path::Path) -> String {
    let rule = "-".repeat(72);
    format!(
        "{rule}\nGatehouse created the master key that seals the client secrets:\n  {}\n\
         Back it up now, apart from the database backups: without it the secrets cannot be read,\n\
         and with it and a database backup anyone can read them.\n{rule}",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_base_url_is_one_a_person_can_open() {
        let url = |a: &str| super::base_url(a.parse().unwrap());
        assert_eq!(url("127.0.0.1:3000"), "http://127.0.0.1:3000");
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080");
        assert_eq!(url("[::]:3000"), "http://[::1]:3000");
        assert_eq!(url("10.0.0.5:3000"), "http://10.0.0.5:3000");
    }
}
