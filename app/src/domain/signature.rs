//! The `janrain-signed` authentication scheme (SPEC 2.2): HMAC-SHA1 over the path, the `Date`
//! header and the sorted parameters, plus the UTC date format it uses.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::tokens::constant_time_eq;

type HmacSha1 = Hmac<Sha1>;

/// Parameters that are never signed: they are credentials, not request content.
pub const UNSIGNED_PARAMS: [&str; 3] = ["client_id", "client_secret", "access_token"];

/// How far (seconds) a signed request's `Date` may be from the server clock (**decision**), which
/// bounds how long a captured request can be replayed.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// The authorization scheme name.
const SCHEME: &str = "Signature";

/// `key=value` lines of the signed parameters, sorted by byte order.
fn signed_lines(params: &[(String, String)]) -> Vec<String> {
    let mut lines: Vec<String> = params
        .iter()
        .filter(|(k, _)| !UNSIGNED_PARAMS.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    lines.sort();
    lines
}

/// The string S that is signed: `<path>\n<date>\n` then every signed parameter as a raw
/// `key=value` line, the lines sorted, each ending in `\n`.
pub fn string_to_sign(path: &str, date: &str, params: &[(String, String)]) -> String {
    let mut s = format!("{path}\n{date}\n");
    for line in signed_lines(params) {
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// base64(HMAC-SHA1(secret, text)).
fn mac_base64(secret: &str, text: &str) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha1::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(text.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The signature a client with `secret` sends for this request.
pub fn sign(secret: &str, path: &str, date: &str, params: &[(String, String)]) -> String {
    mac_base64(secret, &string_to_sign(path, date, params))
}

/// The `Authorization` header value: `Signature <client_id>:<signature>`.
pub fn authorization_header(client_id: &str, signature: &str) -> String {
    format!("{SCHEME} {client_id}:{signature}")
}

/// Splits `Signature <client_id>:<signature>` into its parts. The scheme name is matched
/// case-insensitively (as HTTP requires); `None` for anything malformed.
pub fn parse_authorization(value: &str) -> Option<(String, String)> {
    let value = value.trim();
    let (scheme, rest) = value.split_once([' ', '\t'])?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let (id, sig) = rest.trim_start().split_once(':')?;
    if id.is_empty()
        || sig.is_empty()
        || id.contains(char::is_whitespace)
        || sig.contains(char::is_whitespace)
    {
        return None;
    }
    Some((id.to_string(), sig.to_string()))
}

/// Checks a presented signature in constant time. With no signed parameters, both
/// `<path>\n<date>\n` and `<path>\n<date>\n\n` are accepted (**decision**), because client
/// libraries differ on the trailing blank line.
pub fn verify(
    secret: &str,
    path: &str,
    date: &str,
    params: &[(String, String)],
    presented_sig: &str,
) -> bool {
    let s = string_to_sign(path, date, params);
    let mut ok = constant_time_eq(&mac_base64(secret, &s), presented_sig);
    if signed_lines(params).is_empty() {
        // Non-short-circuiting `|` keeps the work the same whichever form matches.
        ok |= constant_time_eq(&mac_base64(secret, &format!("{s}\n")), presented_sig);
    }
    ok
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month, day).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses the `Date` header, `YYYY-MM-DD HH:MM:SS` in UTC, to unix seconds. Strict: exactly that
/// shape, real calendar dates, no leap seconds; `None` otherwise.
pub fn parse_date(date: &str) -> Option<i64> {
    let b = date.trim().as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Formats unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC), the inverse of [`parse_date`] for years
/// 0000-9999.
pub fn format_date(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Whether a signed request's date is within [`MAX_CLOCK_SKEW_SECS`] of the server clock, in
/// either direction (client clocks run fast as well as slow).
pub fn date_is_fresh(date_unix: i64, now_unix: i64) -> bool {
    date_unix.abs_diff(now_unix) <= MAX_CLOCK_SKEW_SECS as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn spec_params() -> Vec<(String, String)> {
        p(&[
            ("param1", "this is a string"),
            ("param2", "10"),
            ("param3", "one=1\ntwo=2,three=3"),
        ])
    }

    #[test]
    fn spec_test_vector() {
        let date = "2000-01-01 01:01:01";
        let sig = sign("bar", "/entity", date, &spec_params());
        assert_eq!(sig, "G3N5RxCVc0d6rDLmBRGvcg2hCVY=");
        assert_eq!(
            authorization_header("foo", &sig),
            "Signature foo:G3N5RxCVc0d6rDLmBRGvcg2hCVY="
        );
        assert!(verify(
            "bar",
            "/entity",
            date,
            &spec_params(),
            "G3N5RxCVc0d6rDLmBRGvcg2hCVY="
        ));
        assert_eq!(
            string_to_sign("/entity", date, &spec_params()),
            "/entity\n2000-01-01 01:01:01\nparam1=this is a string\nparam2=10\nparam3=one=1\ntwo=2,three=3\n"
        );
    }

    #[test]
    fn spec_vector_independent_of_param_order_and_credentials() {
        let date = "2000-01-01 01:01:01";
        let mut shuffled = spec_params();
        shuffled.reverse();
        shuffled.push(("client_id".into(), "foo".into()));
        shuffled.push(("client_secret".into(), "bar".into()));
        shuffled.push(("access_token".into(), "xyz".into()));
        assert_eq!(
            sign("bar", "/entity", date, &shuffled),
            "G3N5RxCVc0d6rDLmBRGvcg2hCVY="
        );
        assert!(verify(
            "bar",
            "/entity",
            date,
            &shuffled,
            "G3N5RxCVc0d6rDLmBRGvcg2hCVY="
        ));
    }

    #[test]
    fn verify_rejects_changes() {
        let date = "2000-01-01 01:01:01";
        let good = "G3N5RxCVc0d6rDLmBRGvcg2hCVY=";
        assert!(!verify("baz", "/entity", date, &spec_params(), good));
        assert!(!verify("bar", "/entity2", date, &spec_params(), good));
        assert!(!verify(
            "bar",
            "/entity",
            "2000-01-01 01:01:02",
            &spec_params(),
            good
        ));
        let mut more = spec_params();
        more.push(("param4".into(), "x".into()));
        assert!(!verify("bar", "/entity", date, &more, good));
        assert!(!verify(
            "bar",
            "/entity",
            date,
            &spec_params(),
            "G3N5RxCVc0d6rDLmBRGvcg2hCVY"
        ));
        assert!(!verify("bar", "/entity", date, &spec_params(), ""));
        assert!(!verify(
            "bar",
            "/entity",
            date,
            &spec_params(),
            "g3N5RxCVc0d6rDLmBRGvcg2hCVY="
        ));
    }

    #[test]
    fn lines_sorted_by_bytes_and_raw() {
        let s = string_to_sign(
            "/x",
            "d",
            &p(&[("b", "2"), ("a", "é&x=1 +%20"), ("B", "0"), ("a", "0")]),
        );
        assert_eq!(s, "/x\nd\nB=0\na=0\na=é&x=1 +%20\nb=2\n");
        // Whole lines are sorted, so "param1=" sorts before "param=" ('1' < '=').
        let s = string_to_sign("/x", "d", &p(&[("param", "a"), ("param1", "b")]));
        assert_eq!(s, "/x\nd\nparam1=b\nparam=a\n");
    }

    #[test]
    fn empty_params_accept_both_forms() {
        let (path, date) = ("/settings/get_all", "2024-05-06 07:08:09");
        assert_eq!(
            string_to_sign(path, date, &[]),
            "/settings/get_all\n2024-05-06 07:08:09\n"
        );
        let one = mac_base64("s3cret", "/settings/get_all\n2024-05-06 07:08:09\n");
        let two = mac_base64("s3cret", "/settings/get_all\n2024-05-06 07:08:09\n\n");
        assert_ne!(one, two);
        assert_eq!(sign("s3cret", path, date, &[]), one);
        assert!(verify("s3cret", path, date, &[], &one));
        assert!(verify("s3cret", path, date, &[], &two));
        // Only credentials: still "no parameters".
        let creds = p(&[("client_id", "foo"), ("client_secret", "x")]);
        assert!(verify("s3cret", path, date, &creds, &two));
        // With parameters the blank-line variant is not accepted.
        let params = p(&[("key", "a")]);
        let blank = mac_base64(
            "s3cret",
            &format!("{}\n", string_to_sign(path, date, &params)),
        );
        assert!(!verify("s3cret", path, date, &params, &blank));
        assert!(!verify("wrong", path, date, &[], &one));
    }

    #[test]
    fn authorization_round_trip() {
        assert_eq!(
            parse_authorization("Signature foo:G3N5RxCVc0d6rDLmBRGvcg2hCVY="),
            Some(("foo".into(), "G3N5RxCVc0d6rDLmBRGvcg2hCVY=".into()))
        );
        let h = authorization_header("abc", "x/y+z=");
        assert_eq!(
            parse_authorization(&h),
            Some(("abc".into(), "x/y+z=".into()))
        );
        assert_eq!(
            parse_authorization("  signature   foo:bar  "),
            Some(("foo".into(), "bar".into()))
        );
        assert_eq!(
            parse_authorization("SIGNATURE foo:bar"),
            Some(("foo".into(), "bar".into()))
        );
        // The signature itself may contain ':'? base64 never does; split at the first one.
        assert_eq!(
            parse_authorization("Signature foo:a:b"),
            Some(("foo".into(), "a:b".into()))
        );
    }

    #[test]
    fn authorization_malformed() {
        for bad in [
            "",
            "Signature",
            "Signature ",
            "Signature foo",
            "Signature :sig",
            "Signature foo:",
            "Signature foo :sig",
            "Signature foo: sig",
            "Basic Zm9vOmJhcg==",
            "Signaturefoo:bar",
            "Bearer foo:bar",
            "Signature foo:bar baz",
            "😀 foo:bar",
        ] {
            assert_eq!(parse_authorization(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates_parse() {
        assert_eq!(parse_date("1970-01-01 00:00:00"), Some(0));
        assert_eq!(parse_date("2000-01-01 01:01:01"), Some(946_688_461));
        assert_eq!(parse_date("2038-01-19 03:14:07"), Some(2_147_483_647));
        assert_eq!(parse_date("2024-02-29 12:00:00"), Some(1_709_208_000));
        assert_eq!(parse_date("1969-12-31 23:59:59"), Some(-1));
        assert_eq!(parse_date("2000-02-29 00:00:00"), Some(951_782_400));
        assert_eq!(parse_date("9999-12-31 23:59:59"), Some(253_402_300_799));
        assert_eq!(parse_date("0000-01-01 00:00:00"), Some(-62_167_219_200));
        assert_eq!(parse_date(" 2000-01-01 01:01:01 "), Some(946_688_461));
    }

    #[test]
    fn dates_rejected() {
        for bad in [
            "",
            "2000-01-01",
            "2000-01-01T01:01:01",
            "2000-01-01 01:01:01Z",
            "2000-1-01 01:01:01",
            "2000-01-01 1:01:01",
            "2000-13-01 01:01:01",
            "2000-00-01 01:01:01",
            "2000-01-00 01:01:01",
            "2000-01-32 01:01:01",
            "2023-02-29 00:00:00",
            "1900-02-29 00:00:00",
            "2000-04-31 00:00:00",
            "2000-01-01 24:00:00",
            "2000-01-01 23:60:00",
            "2000-01-01 23:59:60",
            "+200-01-01 01:01:01",
            "2000-01-01 01:01:-1",
            "２０００-01-01 01:01:01",
            "2000/01/01 01:01:01",
            "Sat, 01 Jan 2000 01:01:01 GMT",
            "2000-01-01 01:01:01.5",
            "é000-01-01 01:01:0",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates_format_and_round_trip() {
        assert_eq!(format_date(0), "1970-01-01 00:00:00");
        assert_eq!(format_date(946_688_461), "2000-01-01 01:01:01");
        assert_eq!(format_date(-1), "1969-12-31 23:59:59");
        assert_eq!(format_date(1_709_208_000), "2024-02-29 12:00:00");
        assert_eq!(format_date(253_402_300_799), "9999-12-31 23:59:59");
        // Every day over several centuries, at varying times of day.
        let mut t = parse_date("1600-01-01 00:00:00").unwrap();
        let end = parse_date("2500-01-01 00:00:00").unwrap();
        while t < end {
            let s = format_date(t);
            assert_eq!(parse_date(&s), Some(t), "{s}");
            t += 86_400 + 3_601;
        }
        // Extreme values do not panic.
        let _ = format_date(i64::MAX);
        let _ = format_date(i64::MIN);
    }

    #[test]
    fn freshness() {
        let now = 1_700_000_000;
        assert!(date_is_fresh(now, now));
        assert!(date_is_fresh(now - 300, now));
        assert!(date_is_fresh(now + 300, now));
        assert!(!date_is_fresh(now - 301, now));
        assert!(!date_is_fresh(now + 301, now));
        assert!(!date_is_fresh(i64::MIN, i64::MAX));
        assert!(!date_is_fresh(i64::MAX, i64::MIN));
        assert!(date_is_fresh(i64::MAX, i64::MAX));
    }
}
