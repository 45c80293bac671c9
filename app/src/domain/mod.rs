//! Pure domain rules of Gatehouse.
//!
//! Everything here is deterministic and free of I/O, clocks and randomness (those are passed in),
//! so the same code runs on the server and in the browser (wasm32) and can be tested exhaustively.

pub mod accounts;
pub mod features;
pub mod names;
pub mod setting_keys;
pub mod settings_edit;
pub mod signature;
pub mod tokens;
pub mod whitelist;

/// Domain reasons are written to follow "X was not valid for the following reason:"; the console
/// shows them as sentences: capitalized, ending with a full stop.
pub fn capitalize(reason: &str) -> String {
    let mut chars = reason.chars();
    match chars.next() {
        Some(first) => {
            let mut sentence: String = first.to_uppercase().chain(chars).collect();
            if !sentence.ends_with('.') {
                sentence.push('.');
            }
            sentence
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reasons_become_sentences() {
        assert_eq!(super::capitalize("the key is bad"), "The key is bad.");
        assert_eq!(super::capitalize("already."), "Already.");
        assert_eq!(super::capitalize("élan"), "Élan.");
        assert_eq!(super::capitalize(""), "");
    }
}
