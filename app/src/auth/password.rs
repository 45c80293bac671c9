//! Password hashing with argon2id (the crate's recommended parameters) and random passwords.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;

use crate::domain::tokens::random_alphanumeric;

pub fn hash_password(password: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let Ok(salt) = SaltString::encode_b64(&bytes) else {
        return String::new();
    };
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
}

/// Constant-time verification (inside argon2). A malformed stored hash never matches.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of a real verification, so an unknown username answers as slowly as a
/// wrong password.
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("gatehouse-timing-equaliser"));
    let _ = verify_password(password, hash);
}

/// Argon2 hashes at once at most; further ones wait their turn. Hashing is deliberately slow, so
/// it runs on the blocking threads and never stalls the async workers serving other requests.
const CONCURRENT_HASHES: usize = 2;

static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(CONCURRENT_HASHES));

/// Runs slow password work on the blocking threads, at most [`CONCURRENT_HASHES`] at a time.
async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _permit = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

/// [`verify_password`] without blocking an async worker.
pub async fn verify_off_thread(password: &str, stored_hash: &str) -> bool {
    let (password, stored_hash) = (password.to_string(), stored_hash.to_string());
    off_thread(move || verify_password(&password, &stored_hash))
        .await
        .unwrap_or(false)
}

/// [`verify_nothing`] without blocking an async worker.
pub async fn verify_nothing_off_thread(password: &str) {
    let password = password.to_string();
    off_thread(move || verify_nothing(&password)).await;
}

/// [`hash_password`] without blocking an async worker.
pub async fn hash_off_thread(password: &str) -> String {
    let password = password.to_string();
    off_thread(move || hash_password(&password))
        .await
        .unwrap_or_default()
}

/// A random 20-character password for new accounts and resets (about 103 bits).
pub fn random_password() -> String {
    random_alphanumeric(20, |buf| rand::rng().fill_bytes(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password_and_are_salted() {
        let hash = hash_password("correct horse battery");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert_ne!(hash, hash_password("correct horse battery"));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password("", ""));
    }

    #[tokio::test]
    async fn the_off_thread_helpers_give_the_same_answers() {
        let hash = hash_off_thread("correct horse battery").await;
        assert!(verify_off_thread("correct horse battery", &hash).await);
        assert!(!verify_off_thread("wrong horse battery", &hash).await);
        verify_nothing_off_thread("anything").await;
    }

    #[test]
    fn random_passwords_are_long_and_different() {
        let (a, b) = (random_password(), random_password());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert!(crate::domain::accounts::validate_password(&a).is_ok());
    }
}
