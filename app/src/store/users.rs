//! SQL for console accounts and their sign-in sessions. Only a hash of a session token is stored.

use sqlx::Row;

use super::{Store, StoreError, Write};
use crate::domain::accounts::Role;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A live session and whom it belongs to.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub user: UserRecord,
    pub created_at: i64,
    pub last_seen_at: i64,
}

fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<UserRecord, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(UserRecord {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        role: role.parse().unwrap_or(Role::Viewer),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Refuses to leave the console without an admin: `role` and `delete` statements carry this guard
/// so the check and the change are one atomic step.
const KEEPS_AN_ADMIN: &str =
    "(role != 'admin' OR (SELECT count(*) FROM users WHERE role = 'admin') > 1)";

impl Store {
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        now: i64,
    ) -> Result<UserRecord, StoreError> {
        let mut w = self.write().await?;
        let user = w.create_user(username, password_hash, role, now).await?;
        w.commit().await?;
        Ok(user)
    }

    pub async fn user(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY username")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn set_user_role(
        &self,
        username: &str,
        role: Role,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        w.set_user_role(username, role, now).await?;
        w.commit().await
    }

    pub async fn delete_user(&self, username: &str) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        w.delete_user(username).await?;
        w.commit().await
    }

    pub async fn set_user_password(
        &self,
        username: &str,
        password_hash: &str,
        keep_session: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        w.set_user_password(username, password_hash, keep_session, now)
            .await?;
        w.commit().await
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        // Sweep expired sessions while we are writing anyway.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.writer)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(now)
            .bind(expires_at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT u.*, s.created_at AS session_created_at, s.last_seen_at FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRecord {
            user: user_from_row(&row)?,
            created_at: row.try_get("session_created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
        }))
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
            .bind(now)
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}

impl Write {
    /// The account, inside this write.
    pub async fn user(&mut self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn create_user(
        &mut self,
        username: &str,
        password_hash: &str,
        role: Role,
        now: i64,
    ) -> Result<UserRecord, StoreError> {
        let result = sqlx::query(
            "INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::UsernameTaken,
            _ => StoreError::Database(e),
        })?;
        Ok(UserRecord {
            id: result.last_insert_rowid(),
            username: username.to_string(),
            password_hash: password_hash.to_string(),
            role,
            created_at: now,
            updated_at: now,
        })
    }

    /// Changes a role; demoting the last admin is refused.
    pub async fn set_user_role(
        &mut self,
        username: &str,
        role: Role,
        now: i64,
    ) -> Result<(), StoreError> {
        let result = sqlx::query(&format!(
            "UPDATE users SET role = ?, updated_at = ? WHERE username = ? AND (? = 'admin' OR {KEEPS_AN_ADMIN})"
        ))
        .bind(role.as_str())
        .bind(now)
        .bind(username)
        .bind(role.as_str())
        .execute(&mut *self.tx)
        .await?;
        self.explain_untouched_user(result.rows_affected(), username)
            .await
    }

    /// Deletes an account (and its sessions); deleting the last admin is refused.
    pub async fn delete_user(&mut self, username: &str) -> Result<(), StoreError> {
        let result = sqlx::query(&format!(
            "DELETE FROM users WHERE username = ? AND {KEEPS_AN_ADMIN}"
        ))
        .bind(username)
        .execute(&mut *self.tx)
        .await?;
        self.explain_untouched_user(result.rows_affected(), username)
            .await
    }

    async fn explain_untouched_user(
        &mut self,
        rows: u64,
        username: &str,
    ) -> Result<(), StoreError> {
        if rows > 0 {
            return Ok(());
        }
        match self.user(username).await? {
            Some(_) => Err(StoreError::LastAdmin),
            None => Err(StoreError::NotFound),
        }
    }

    /// Sets a new password hash and ends every session of the account except `keep_session`.
    pub async fn set_user_password(
        &mut self,
        username: &str,
        password_hash: &str,
        keep_session: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let result =
            sqlx::query("UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?")
                .bind(password_hash)
                .bind(now)
                .bind(username)
                .execute(&mut *self.tx)
                .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?) AND token_hash IS NOT ?",
        )
        .bind(username)
        .bind(keep_session)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test(migrations = false)]
    async fn the_last_admin_can_be_neither_demoted_nor_deleted(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        store
            .create_user("root", "h", Role::Admin, 1)
            .await
            .unwrap();
        store
            .create_user("watcher", "h", Role::Viewer, 1)
            .await
            .unwrap();
        assert!(matches!(
            store.set_user_role("root", Role::Viewer, 2).await,
            Err(StoreError::LastAdmin)
        ));
        assert!(matches!(
            store.delete_user("root").await,
            Err(StoreError::LastAdmin)
        ));
        store
            .set_user_role("watcher", Role::Admin, 3)
            .await
            .unwrap();
        store.set_user_role("root", Role::Viewer, 4).await.unwrap();
        assert!(matches!(
            store.delete_user("watcher").await,
            Err(StoreError::LastAdmin)
        ));
        store.delete_user("root").await.unwrap();
        assert!(matches!(
            store.delete_user("nobody").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.create_user("watcher", "h", Role::Viewer, 5).await,
            Err(StoreError::UsernameTaken)
        ));
    }

    #[sqlx::test(migrations = false)]
    async fn a_new_password_ends_the_other_sessions(pool: SqlitePool) {
        let store = Store::from_pool(pool).await.unwrap();
        let user = store
            .create_user("ann", "h1", Role::Admin, 1)
            .await
            .unwrap();
        store.create_session("a", user.id, 1, 100).await.unwrap();
        store.create_session("b", user.id, 1, 100).await.unwrap();
        store
            .set_user_password("ann", "h2", Some("a"), 2)
            .await
            .unwrap();
        assert!(store.session("a").await.unwrap().is_some());
        assert!(store.session("b").await.unwrap().is_none());
        store.set_user_password("ann", "h3", None, 3).await.unwrap();
        assert!(store.session("a").await.unwrap().is_none());
        store.create_session("c", user.id, 200, 300).await.unwrap();
        assert_eq!(
            store.session("c").await.unwrap().unwrap().user.username,
            "ann"
        );
        store.delete_user("ann").await.ok();
    }
}
