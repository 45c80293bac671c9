//! Client secrets at rest: sealed with XChaCha20-Poly1305 under the operator's 256-bit master key,
//! bound to the client id (associated data), so a secret copied to another row does not open. The
//! signed-request scheme needs the secret itself (HMAC), so secrets are encrypted, not hashed.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// Stored sealed values start with this; plain secrets (32 lowercase alphanumerics) never do.
const PREFIX: &str = "v1.";
const NONCE_BYTES: usize = 24;
const KEY_BYTES: usize = 32;
/// The key check value: this text sealed under the key, stored in the database, so that a server
/// never runs with the wrong key.
const CHECK_TEXT: &str = "gatehouse master key check";
const CHECK_CONTEXT: &str = "key-check";

/// A secret in memory: its `Debug` never shows it, so it cannot reach a log or a panic message.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(plain: String) -> Secret {
        Secret(plain)
    }

    /// The secret itself, for comparing, signing and handing to its owner.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Why the master key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the master key file {path} cannot be read: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("the master key file {path} must hold 32 bytes as 64 hexadecimal digits (one line); it holds something else")]
    Malformed { path: String },
    #[error("the master key file {path} is missing. Restore it from your backup, or pass --master-key-file with the right file. (Without the key the client secrets in the database cannot be read.)")]
    Missing { path: String },
    #[error("the master key in {path} does not match this database (its key check fails). Use the key file this database was created or last rotated with.")]
    WrongKey { path: String },
    #[error("could not create the master key file {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error("a stored secret could not be decrypted with the master key")]
    Undecryptable,
}

/// The operator's master key, and the file it came from (named in every error).
#[derive(Clone)]
pub struct MasterKey {
    cipher: XChaCha20Poly1305,
    path: PathBuf,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, [redacted])", self.path.display())
    }
}

impl MasterKey {
    fn from_bytes(bytes: &[u8; KEY_BYTES], path: &Path) -> MasterKey {
        MasterKey {
            cipher: XChaCha20Poly1305::new(bytes.into()),
            path: path.to_path_buf(),
        }
    }

    /// A fresh random key that lives in memory only (tests).
    pub fn ephemeral() -> MasterKey {
        let mut bytes = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        MasterKey::from_bytes(&bytes, Path::new("(in memory)"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the key file: 64 hexadecimal digits.
    pub fn load(path: &Path) -> Result<MasterKey, KeyError> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyError::Missing { path: shown })
            }
            Err(source) => {
                return Err(KeyError::Unreadable {
                    path: shown,
                    source,
                })
            }
        };
        let hex = text.trim();
        let mut bytes = [0u8; KEY_BYTES];
        if hex.len() != KEY_BYTES * 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(KeyError::Malformed { path: shown });
        }
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).map_err(|_| {
                KeyError::Malformed {
                    path: shown.clone(),
                }
            })?;
        }
        Ok(MasterKey::from_bytes(&bytes, path))
    }

    /// Creates a new random key file (mode 0600); refuses to overwrite one.
    pub fn create(path: &Path) -> Result<MasterKey, KeyError> {
        let create_error = |source| KeyError::Create {
            path: path.display().to_string(),
            source,
        };
        let mut bytes = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(create_error)?;
        writeln!(file, "{hex}").map_err(create_error)?;
        file.sync_all().map_err(create_error)?;
        Ok(MasterKey::from_bytes(&bytes, path))
    }

    /// Seals `plain` for the row of `context` (the client id).
    pub fn seal(&self, context: &str, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            // Encryption only fails for inputs of more than 256 GiB.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    /// Opens a value sealed for `context`.
    pub fn open(&self, context: &str, stored: &str) -> Result<Secret, KeyError> {
        let encoded = stored.strip_prefix(PREFIX).ok_or(KeyError::Undecryptable)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| KeyError::Undecryptable)?;
        if bytes.len() < NONCE_BYTES {
            return Err(KeyError::Undecryptable);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Undecryptable)?;
        String::from_utf8(plain)
            .map(Secret)
            .map_err(|_| KeyError::Undecryptable)
    }

    /// The key check value to store beside the sealed secrets.
    pub fn check_value(&self) -> String {
        self.seal(CHECK_CONTEXT, CHECK_TEXT)
    }

    /// Whether `stored` is this key's check value.
    pub fn verify_check_value(&self, stored: &str) -> Result<(), KeyError> {
        match self.open(CHECK_CONTEXT, stored) {
            Ok(text) if text.expose() == CHECK_TEXT => Ok(()),
            _ => Err(KeyError::WrongKey {
                path: self.path.display().to_string(),
            }),
        }
    }
}

/// Whether a stored secret is still plain text (from before secrets were sealed).
pub fn is_plain(stored: &str) -> bool {
    !stored.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_its_client_id() {
        let key = MasterKey::ephemeral();
        let sealed = key.seal("client-a", "s3cr3t");
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("s3cr3t"));
        assert_ne!(
            sealed,
            key.seal("client-a", "s3cr3t"),
            "a fresh nonce every time"
        );
        assert_eq!(key.open("client-a", &sealed).unwrap().expose(), "s3cr3t");
        assert!(
            key.open("client-b", &sealed).is_err(),
            "bound to the client id"
        );
        assert!(MasterKey::ephemeral().open("client-a", &sealed).is_err());
        assert!(key.open("client-a", "v1.bm90IGEgc2VhbA==").is_err());
        assert!(key.open("client-a", "plain").is_err());
        assert!(is_plain("abcdefghijklmnopqrstuvwxyz012345") && !is_plain(&sealed));
    }

    #[test]
    fn the_key_check_tells_the_right_key_from_a_wrong_one() {
        let key = MasterKey::ephemeral();
        let check = key.check_value();
        key.verify_check_value(&check).unwrap();
        assert!(matches!(
            MasterKey::ephemeral().verify_check_value(&check),
            Err(KeyError::WrongKey { .. })
        ));
    }

    #[test]
    fn key_files_are_created_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("gatehouse-key-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("master.key");
        assert!(matches!(
            MasterKey::load(&path),
            Err(KeyError::Missing { .. })
        ));
        let key = MasterKey::create(&path).unwrap();
        assert!(MasterKey::create(&path).is_err(), "never overwrites a key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let again = MasterKey::load(&path).unwrap();
        assert_eq!(again.open("c", &key.seal("c", "x")).unwrap().expose(), "x");
        std::fs::write(&path, "abc\n").unwrap();
        let error = MasterKey::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("64 hexadecimal digits") && error.contains("master.key"),
            "{error}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let secret = Secret::new("s3cr3t".into());
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert!(!format!("{:?}", MasterKey::ephemeral()).contains("cipher"));
    }
}
