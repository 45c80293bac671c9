//! Rules for client secrets: how long the current secret may stay valid after a reset.

/// Longest grace period a reset may give the current secret: one week.
pub const MAX_HOURS_TO_LIVE: u32 = 168;

/// Reads a number of hours (the API's `hours_to_live`, the console's "Hours to Expire"): a whole
/// number from 0 to 168 written in digits, nothing else. The reason follows
/// "<field> was not valid for the following reason:".
pub fn parse_hours(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let reason =
        || format!("the number of hours must be a whole number from 0 to {MAX_HOURS_TO_LIVE}");
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(reason());
    }
    match t.parse::<u32>() {
        Ok(hours) if hours <= MAX_HOURS_TO_LIVE => Ok(hours),
        _ => Err(reason()),
    }
}

/// Seconds the previous secret stays valid for `hours`.
pub fn grace_seconds(hours: u32) -> i64 {
    i64::from(hours) * 3600
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_digits_from_0_to_168() {
        assert_eq!(parse_hours("0"), Ok(0));
        assert_eq!(parse_hours(" 24 "), Ok(24));
        assert_eq!(parse_hours("168"), Ok(168));
        for bad in [
            "",
            " ",
            "169",
            "-1",
            "+5",
            "1.5",
            "1e2",
            "twelve",
            "99999999999999999999",
        ] {
            assert_eq!(
                parse_hours(bad),
                Err("the number of hours must be a whole number from 0 to 168".to_string()),
                "{bad:?}"
            );
        }
        assert_eq!(grace_seconds(2), 7200);
    }
}
