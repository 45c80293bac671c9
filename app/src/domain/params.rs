//! Rules for the parameters of a Capture API request (SPEC 2.1 **decision**): how many, and which
//! names. Checked before anything else, authentication included, so a hostile request costs little.

use super::echo;

/// At most this many parameters (query string and body together) in one request.
pub const MAX_PARAMS: usize = 256;

/// Why a parameter name is refused. The reason follows "<name> was not valid for the following
/// reason:".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamNameError {
    #[error("a parameter name is empty; every parameter needs a name")]
    Empty,
    /// A signed request joins `name=value` lines, so a name with `=`, `&` or a line break would let
    /// a captured signature be re-split into another call.
    #[error("parameter names may not contain {0}")]
    Forbidden(&'static str),
}

/// Checks one parameter name (already URL-decoded).
pub fn check_param_name(name: &str) -> Result<(), ParamNameError> {
    if name.is_empty() {
        return Err(ParamNameError::Empty);
    }
    for c in name.chars() {
        let what = match c {
            '=' => "\"=\"",
            '&' => "\"&\"",
            '\n' | '\r' => "line breaks",
            c if c.is_control() => "control characters",
            _ => continue,
        };
        return Err(ParamNameError::Forbidden(what));
    }
    Ok(())
}

/// A parameter name as it may appear in an error's `argument_name` or a log line: bounded, with
/// control characters shown escaped.
pub fn printable_name(name: &str) -> String {
    echo(&name.escape_debug().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "client_id",
            "for_client_id",
            "a",
            "x.y-z",
            "ünïcode",
            "with space",
        ] {
            assert_eq!(check_param_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn names_that_could_reshape_a_signed_string_are_refused() {
        assert_eq!(check_param_name(""), Err(ParamNameError::Empty));
        assert_eq!(
            check_param_name("for_client_id=X\nhours_to_live"),
            Err(ParamNameError::Forbidden("\"=\""))
        );
        assert_eq!(
            check_param_name("a\nb"),
            Err(ParamNameError::Forbidden("line breaks"))
        );
        assert_eq!(
            check_param_name("a\rb"),
            Err(ParamNameError::Forbidden("line breaks"))
        );
        assert_eq!(
            check_param_name("a&b"),
            Err(ParamNameError::Forbidden("\"&\""))
        );
        assert_eq!(
            check_param_name("a\u{0}b"),
            Err(ParamNameError::Forbidden("control characters"))
        );
        assert_eq!(
            check_param_name("a\u{85}b"),
            Err(ParamNameError::Forbidden("control characters"))
        );
    }

    #[test]
    fn printable_names_are_short_and_escaped() {
        assert_eq!(printable_name("a\nb"), "a\\nb");
        let long = "x".repeat(10_000);
        assert!(printable_name(&long).chars().count() <= super::super::MAX_ECHO_CHARS + 3);
    }
}
