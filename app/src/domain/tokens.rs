//! Client ids, secrets and request ids built from injected random bytes, and constant-time
//! comparison of secrets.
//!
//! Randomness is passed in (`fill`) so this module stays pure and compiles for wasm32 without a
//! random-number crate; the server hands in its CSPRNG.

use subtle::ConstantTimeEq;

/// Length of a client id and of a client secret.
pub const TOKEN_LEN: usize = 32;

/// Length of an error's `request_id` (SPEC 2.1).
pub const REQUEST_ID_LEN: usize = 16;

/// The characters ids and secrets are made of: lowercase letters and digits.
pub const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Bytes at or above this are rejected: 252 = 7 * 36, so `b % 36` is uniform below it.
const ACCEPT_BELOW: u8 = 252;

/// Rejected bytes tolerated in a row before the source is declared broken. A working CSPRNG
/// rejects with probability 4/256 per byte, so this is never reached by chance.
const MAX_CONSECUTIVE_REJECTS: usize = 4096;

/// `len` characters from [`ALPHABET`], uniformly distributed (rejection sampling), pulling more
/// bytes from `fill` as needed.
///
/// # Panics
/// If `fill` yields thousands of bytes >= 252 in a row, i.e. the random source is broken; a
/// failed random source must stop secret generation rather than hang or weaken it.
pub fn random_alphanumeric(len: usize, mut fill: impl FnMut(&mut [u8])) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    let mut rejects = 0usize;
    while out.len() < len {
        fill(&mut buf);
        for &b in &buf {
            if out.len() == len {
                break;
            }
            if b < ACCEPT_BELOW {
                out.push(char::from(ALPHABET[usize::from(b % 36)]));
                rejects = 0;
            } else {
                rejects += 1;
                assert!(
                    rejects < MAX_CONSECUTIVE_REJECTS,
                    "random source is broken: it only returns bytes >= 252"
                );
            }
        }
    }
    out
}

/// A new client id or secret: 32 lowercase alphanumerics (about 165 bits of entropy).
pub fn token_from_random(fill: impl FnMut(&mut [u8])) -> String {
    random_alphanumeric(TOKEN_LEN, fill)
}

/// A request id for error responses and logs: 16 lowercase alphanumerics.
pub fn request_id_from_random(fill: impl FnMut(&mut [u8])) -> String {
    random_alphanumeric(REQUEST_ID_LEN, fill)
}

/// Whether `s` has the shape of a client id or secret; lets callers reject junk cheaply before a
/// lookup.
pub fn is_token(s: &str) -> bool {
    s.len() == TOKEN_LEN && s.bytes().all(|b| ALPHABET.contains(&b))
}

/// Compares secrets without leaking, through timing, how many leading characters matched.
/// Only the length difference can be observed, and secret lengths are public anyway.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic "random" source: consecutive byte values starting at `start`.
    fn counter(start: u8) -> impl FnMut(&mut [u8]) {
        let mut next = start;
        move |buf: &mut [u8]| {
            for b in buf.iter_mut() {
                *b = next;
                next = next.wrapping_add(1);
            }
        }
    }

    #[test]
    fn token_shape() {
        let t = token_from_random(counter(0));
        assert_eq!(t.len(), TOKEN_LEN);
        assert!(is_token(&t));
        assert_eq!(t, "abcdefghijklmnopqrstuvwxyz012345");
        let r = request_id_from_random(counter(0));
        assert_eq!(r, "abcdefghijklmnop");
        assert_eq!(r.len(), 16);
    }

    #[test]
    fn deterministic_for_same_bytes() {
        assert_eq!(token_from_random(counter(7)), token_from_random(counter(7)));
        assert_ne!(token_from_random(counter(7)), token_from_random(counter(8)));
    }

    #[test]
    fn rejects_high_bytes() {
        // Starting at 250: 250, 251 accepted; 252..=255 rejected; then 0, 1, ...
        let t = token_from_random(counter(250));
        // 250 % 36 = 34 -> '8', 251 % 36 = 35 -> '9'
        assert!(t.starts_with("89abc"), "{t}");
        // Only rejected bytes for a while, then good ones: still completes.
        let mut calls = 0;
        let t = token_from_random(|buf: &mut [u8]| {
            calls += 1;
            let v = if calls < 10 { 0xFF } else { 0x01 };
            buf.iter_mut().for_each(|b| *b = v);
        });
        assert_eq!(t, "b".repeat(32));
        assert_eq!(calls, 10);
    }

    #[test]
    #[should_panic(expected = "random source is broken")]
    fn broken_source_panics_instead_of_hanging() {
        token_from_random(|buf: &mut [u8]| buf.iter_mut().for_each(|b| *b = 0xFF));
    }

    #[test]
    fn unbiased_over_a_full_byte_cycle() {
        // 252 accepted bytes per 256-cycle: every character exactly 7 times.
        let s = random_alphanumeric(252 * 4, counter(0));
        for &c in ALPHABET.iter() {
            let n = s.bytes().filter(|&b| b == c).count();
            assert_eq!(n, 28, "{}", c as char);
        }
    }

    #[test]
    fn calls_fill_again_when_needed() {
        let mut calls = 0;
        let long = random_alphanumeric(1000, |buf: &mut [u8]| {
            calls += 1;
            buf.iter_mut().for_each(|b| *b = 3);
        });
        assert_eq!(long, "d".repeat(1000));
        assert_eq!(calls, 16); // 64 bytes per call
        assert_eq!(
            random_alphanumeric(0, |_: &mut [u8]| panic!("not needed")),
            ""
        );
    }

    #[test]
    fn is_token_rules() {
        assert!(is_token("abcdefghijklmnopqrstuvwxyz012345"));
        assert!(!is_token("abcdefghijklmnopqrstuvwxyz01234"));
        assert!(!is_token("abcdefghijklmnopqrstuvwxyz0123456"));
        assert!(!is_token("Abcdefghijklmnopqrstuvwxyz012345"));
        assert!(!is_token("abcdefghijklmnopqrstuvwxyz01234-"));
        assert!(!is_token("abcdefghijklmnopqrstuvwxyz01234é"));
        assert!(!is_token(""));
        assert!(!is_token(&"😀".repeat(8))); // 32 bytes, not alphanumeric
    }

    #[test]
    fn constant_time_eq_rules() {
        assert!(constant_time_eq("", ""));
        assert!(constant_time_eq("secret", "secret"));
        assert!(!constant_time_eq("secret", "secreT"));
        assert!(!constant_time_eq("secret", "secret "));
        assert!(!constant_time_eq("secret", ""));
        assert!(constant_time_eq("é😀", "é😀"));
    }
}
