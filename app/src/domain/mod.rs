//! Pure domain rules of Gatehouse.
//!
//! Everything here is deterministic and free of I/O, clocks and randomness (those are passed in),
//! so the same code runs on the server and in the browser (wasm32) and can be tested exhaustively.

pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod features;
pub mod listing;
pub mod names;
pub mod params;
#[cfg(test)]
mod proptests;
pub mod secrets;
pub mod setting_keys;
pub mod settings_edit;
pub mod signature;
pub mod tokens;
pub mod transfer;
pub mod usage;
pub mod whitelist;

/// Domain reasons are written to follow "X was not valid for the following reason:"; the console
/// shows them as sentences: capitalized, ending with a full stop. Only an ASCII first letter is
/// capitalized: the reasons are ours, in English, and Unicode case mapping would put its tables
/// (about 24 KB) in the wasm.
pub fn capitalize(reason: &str) -> String {
    let mut chars = reason.chars();
    match chars.next() {
        Some(first) => {
            let mut sentence: String = std::iter::once(first.to_ascii_uppercase())
                .chain(chars)
                .collect();
            if !sentence.ends_with('.') {
                sentence.push('.');
            }
            sentence
        }
        None => String::new(),
    }
}

/// User input echoed into an error message or a log line is cut to this many characters.
pub const MAX_ECHO_CHARS: usize = 100;

/// Shortens user input before it is echoed in an error message or a log line, so that hostile
/// input cannot make answers or logs large.
pub fn echo(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHO_CHARS) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}...", &s[..cut]),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn echoes_are_bounded() {
        assert_eq!(super::echo("short"), "short");
        let long = "é".repeat(1000);
        let echoed = super::echo(&long);
        assert_eq!(echoed.chars().count(), super::MAX_ECHO_CHARS + 3);
        assert!(echoed.ends_with("..."));
        assert_eq!(super::echo(&"a".repeat(100)), "a".repeat(100));
    }

    #[test]
    fn reasons_become_sentences() {
        assert_eq!(super::capitalize("the key is bad"), "The key is bad.");
        assert_eq!(super::capitalize("already."), "Already.");
        assert_eq!(super::capitalize("élan"), "élan.");
        assert_eq!(super::capitalize(""), "");
    }
}
