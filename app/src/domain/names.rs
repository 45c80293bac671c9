//! Property names (the API's `description`): validation, the uniqueness key and copy names.

use thiserror::Error;

/// Longest allowed name, counted in Unicode scalar values (what a user perceives as characters
/// far more closely than bytes do).
pub const MAX_NAME_CHARS: usize = 100;

/// Suffix the copy dialog appends to the source name (seed 003).
const COPY_SUFFIX: &str = " copy";

/// Why a name was refused; `reason()` is the text after "description was not valid for the
/// following reason: ".
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("the name must not be empty")]
    Empty,
    #[error("the name must be at most {max} characters (it has {chars})", max = MAX_NAME_CHARS)]
    TooLong { chars: usize },
    #[error("the name must not contain control characters such as tabs or line breaks")]
    ControlCharacter,
    #[error("the name must not contain invisible formatting characters (such as zero-width spaces or text direction overrides)")]
    FormatCharacter,
    #[error("another property is already named \"{name}\"; choose a different name")]
    Taken { name: String },
}

impl NameError {
    /// The human-readable reason.
    pub fn reason(&self) -> String {
        self.to_string()
    }
}

/// Validates a name and returns the trimmed form that is stored. Leading and trailing whitespace
/// never counts, so "  Shop " and "Shop" are the same name.
pub fn validate_name(raw: &str) -> Result<String, NameError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(NameError::TooLong { chars });
    }
    // U+2028/U+2029 are not "control" characters but break lines just the same.
    if name
        .chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
    {
        return Err(NameError::ControlCharacter);
    }
    if name.chars().any(is_format_character) {
        return Err(NameError::FormatCharacter);
    }
    Ok(name.to_string())
}

/// Unicode category Cf (format characters): invisible, yet they make two names that look alike
/// differ (`Own\u{200B}er`), or reorder what is displayed (bidi overrides).
fn is_format_character(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}'
        | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

/// The key under which names must be unique: NFKC-normalised and case-folded, so "Shop", "SHOP"
/// and a full-width "Ｓhop" clash. (Only the server uses it, so its tables never reach the wasm.)
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = name.trim().nfkc().collect::<String>().to_lowercase();
    folded.nfkc().collect()
}

/// The name the copy dialog proposes: `United States` -> `United States copy`. If that would be
/// too long, the source part is shortened so the proposal is always a valid name.
pub fn copy_name(source: &str) -> String {
    let source = source.trim();
    if source.is_empty() {
        return COPY_SUFFIX.trim().to_string();
    }
    let room = MAX_NAME_CHARS - COPY_SUFFIX.chars().count();
    if source.chars().count() <= room {
        return format!("{source}{COPY_SUFFIX}");
    }
    let end = source
        .char_indices()
        .nth(room)
        .map(|(i, _)| i)
        .unwrap_or(source.len());
    format!("{}{COPY_SUFFIX}", source[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_format_characters_are_refused() {
        for name in [
            "Own\u{200B}er",
            "Shop\u{202E}",
            "\u{FEFF}Shop",
            "a\u{2066}b",
            "soft\u{00AD}hyphen",
        ] {
            assert_eq!(
                validate_name(name),
                Err(NameError::FormatCharacter),
                "{name:?}"
            );
        }
        assert!(validate_name("Café Zürich 東京").is_ok());
    }

    #[test]
    fn lookalike_forms_share_one_uniqueness_key() {
        assert_eq!(name_key("Owner"), name_key("ＯＷＮＥＲ"));
        assert_eq!(name_key("Shop"), name_key(" SHOP "));
        assert_eq!(name_key("ﬁle"), name_key("file"));
        assert_ne!(name_key("Shop"), name_key("Shops"));
    }

    #[test]
    fn valid_names_are_trimmed() {
        assert_eq!(validate_name("United States").unwrap(), "United States");
        assert_eq!(validate_name("  Shop \t").unwrap(), "Shop");
        assert_eq!(validate_name("x").unwrap(), "x");
        assert_eq!(validate_name("Zürich Büro 😀").unwrap(), "Zürich Büro 😀");
        assert_eq!(validate_name("a  b").unwrap(), "a  b");
    }

    #[test]
    fn empty_names() {
        for raw in ["", " ", "\t\n", "\u{3000}"] {
            assert_eq!(validate_name(raw).unwrap_err(), NameError::Empty, "{raw:?}");
        }
        assert_eq!(NameError::Empty.reason(), "the name must not be empty");
    }

    #[test]
    fn length_counts_chars_not_bytes() {
        let max = "é".repeat(100); // 200 bytes
        assert_eq!(validate_name(&max).unwrap(), max);
        let e = validate_name(&"a".repeat(123)).unwrap_err();
        assert_eq!(e, NameError::TooLong { chars: 123 });
        assert_eq!(
            e.reason(),
            "the name must be at most 100 characters (it has 123)"
        );
        assert_eq!(
            validate_name(&"😀".repeat(101)).unwrap_err(),
            NameError::TooLong { chars: 101 }
        );
        // Surrounding whitespace does not count.
        let padded = format!("   {}   ", "a".repeat(100));
        assert_eq!(validate_name(&padded).unwrap().len(), 100);
        // Huge input does not panic.
        assert_eq!(
            validate_name(&"a".repeat(1_000_000)).unwrap_err(),
            NameError::TooLong { chars: 1_000_000 }
        );
    }

    #[test]
    fn control_characters_rejected() {
        for raw in [
            "a\u{2028}b",
            "a\u{2029}b",
            "a\nb",
            "a\tb",
            "a\u{0}b",
            "a\u{7f}b",
            "a\u{9b}b",
            "a\rb",
        ] {
            assert_eq!(
                validate_name(raw).unwrap_err(),
                NameError::ControlCharacter,
                "{raw:?}"
            );
        }
        assert!(NameError::ControlCharacter
            .reason()
            .contains("control characters"));
    }

    #[test]
    fn taken_reason() {
        assert_eq!(
            NameError::Taken {
                name: "Shop".into()
            }
            .reason(),
            "another property is already named \"Shop\"; choose a different name"
        );
    }

    #[test]
    fn key_is_case_insensitive() {
        assert_eq!(name_key("Shop"), name_key("SHOP"));
        assert_eq!(name_key("  Shop "), "shop");
        assert_eq!(name_key("ÄÖÜ"), "äöü");
        assert_eq!(name_key("ΣΑΣ"), name_key("σας".to_uppercase().as_str()));
        assert_ne!(name_key("Shop"), name_key("Shop2"));
    }

    #[test]
    fn copy_names() {
        assert_eq!(copy_name("United States"), "United States copy");
        assert_eq!(copy_name("United States copy"), "United States copy copy");
        assert_eq!(copy_name("  Shop  "), "Shop copy");
        assert_eq!(copy_name(""), "copy");
        assert_eq!(copy_name("   "), "copy");
        assert!(validate_name(&copy_name("")).is_ok());
    }

    #[test]
    fn copy_names_fit() {
        let exact = "a".repeat(95);
        assert_eq!(copy_name(&exact), format!("{exact} copy"));
        assert_eq!(copy_name(&exact).chars().count(), 100);
        let long = "b".repeat(100);
        let c = copy_name(&long);
        assert_eq!(c, format!("{} copy", "b".repeat(95)));
        assert!(validate_name(&c).is_ok());
        // Truncation lands on a char boundary and drops trailing whitespace.
        let emoji = "😀".repeat(100);
        assert_eq!(copy_name(&emoji), format!("{} copy", "😀".repeat(95)));
        let spaced = format!("{}   {}", "c".repeat(93), "d".repeat(10));
        assert_eq!(copy_name(&spaced), format!("{} copy", "c".repeat(93)));
        // Repeated copying never grows past the limit.
        let mut n = "x".repeat(99);
        for _ in 0..10 {
            n = copy_name(&n);
            assert!(validate_name(&n).is_ok());
        }
        let huge = "é".repeat(1_000_000);
        assert_eq!(copy_name(&huge).chars().count(), 100);
    }
}
