//! IP whitelists: parsing CIDR entries exactly the same way in the browser and on the server,
//! and deciding whether a caller's address is allowed.

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde_json::Value;
use thiserror::Error;

use super::echo;
use super::features::json_kind;

/// The default whitelist entry of a new property: every address (IPv6 callers included).
pub const ALLOW_ALL: &str = "0.0.0.0/0";

/// The whitelist a new property starts with, and the one `clear_whitelist` restores.
pub fn default_whitelist() -> Vec<String> {
    vec![ALLOW_ALL.to_string()]
}

/// What exactly is wrong with a CIDR entry; the text after "invalid cidr address: <value>; ".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CidrProblem {
    Empty,
    ContainsWhitespace,
    MultipleSlashes,
    MissingAddress,
    MissingPrefix,
    PrefixNotNumber,
    PrefixTooLarge { max: u8 },
    NotAnAddress,
    Ipv4PartCount { found: usize },
    Ipv4EmptyPart,
    Ipv4PartTooLarge { part: String },
    Ipv4LeadingZero { part: String },
    InvalidIpv6,
}

impl fmt::Display for CidrProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CidrProblem::Empty => f.write_str("the value is empty"),
            CidrProblem::ContainsWhitespace => {
                f.write_str("the value must not contain spaces or other whitespace")
            }
            CidrProblem::MultipleSlashes => f.write_str("only one slash is allowed"),
            CidrProblem::MissingAddress => f.write_str("the address before the slash is missing"),
            CidrProblem::MissingPrefix => f.write_str("the value after the slash is missing"),
            CidrProblem::PrefixNotNumber => f.write_str("value after slash must be a whole number"),
            CidrProblem::PrefixTooLarge { max } => {
                write!(f, "value after slash must be {max} or less")
            }
            CidrProblem::NotAnAddress => f.write_str(
                "expected an IPv4 address such as 10.0.0.0 or an IPv6 address such as 2001:db8::",
            ),
            CidrProblem::Ipv4PartCount { found } => write!(
                f,
                "an IPv4 address has four numbers separated by dots (a.b.c.d), this one has {found}"
            ),
            CidrProblem::Ipv4EmptyPart => {
                f.write_str("an IPv4 address must not have an empty part between dots")
            }
            CidrProblem::Ipv4PartTooLarge { part } => {
                write!(
                    f,
                    "{part} is too large; each number of an IPv4 address must be 0 to 255"
                )
            }
            CidrProblem::Ipv4LeadingZero { part } => {
                write!(f, "{part} has a leading zero, which is not allowed")
            }
            CidrProblem::InvalidIpv6 => f.write_str("not a valid IPv6 address"),
        }
    }
}

/// A rejected CIDR entry. `reason()` reads `invalid cidr address: <value>; <problem>` (SPEC 2.3).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("invalid cidr address: {value}; {problem}")]
pub struct CidrError {
    /// The offending (trimmed, possibly shortened) input.
    pub value: String,
    pub problem: CidrProblem,
}

impl CidrError {
    fn new(value: &str, problem: CidrProblem) -> Self {
        CidrError {
            value: echo(value),
            problem,
        }
    }

    /// The human-readable reason, for `whitelist was not valid for the following reason: <reason>`.
    pub fn reason(&self) -> String {
        self.to_string()
    }
}

/// A rejected whitelist (the whole list, or one entry of it).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum WhitelistError {
    #[error("expected a JSON array of CIDR addresses, but the value is not valid JSON")]
    InvalidJson,
    #[error("expected a JSON array of CIDR addresses, but got {0}")]
    NotAnArray(&'static str),
    #[error(
        "expected a JSON array of CIDR addresses, but element {index} is {found}, not a string"
    )]
    NotAString { index: usize, found: &'static str },
    #[error("{error}")]
    Entry { index: usize, error: CidrError },
    #[error("the new whitelist does not allow the address you are calling from ({addr}), so you would lock yourself out")]
    WouldLockOut { addr: IpAddr },
    #[error("a whitelist holds at most {max} entries (this one has {count})", max = MAX_WHITELIST_ENTRIES)]
    TooMany { count: usize },
}

impl WhitelistError {
    /// The human-readable reason, for `whitelist was not valid for the following reason: <reason>`.
    pub fn reason(&self) -> String {
        self.to_string()
    }

    /// The position of the offending element, so the console can mark that row.
    pub fn index(&self) -> Option<usize> {
        match self {
            WhitelistError::NotAString { index, .. } | WhitelistError::Entry { index, .. } => {
                Some(*index)
            }
            _ => None,
        }
    }
}

/// Diagnoses a dotted IPv4 address precisely, so the user learns which part is wrong.
fn parse_v4(whole: &str, addr: &str) -> Result<Ipv4Addr, CidrError> {
    let parts: Vec<&str> = addr.split('.').collect();
    if parts.len() != 4 {
        return Err(CidrError::new(
            whole,
            CidrProblem::Ipv4PartCount { found: parts.len() },
        ));
    }
    let mut octets = [0u8; 4];
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            return Err(CidrError::new(whole, CidrProblem::Ipv4EmptyPart));
        }
        // Only ASCII digits reach here (checked by the caller).
        if part.len() > 1 && part.starts_with('0') {
            // "010" could mean octal 8 to some tools; refuse rather than guess.
            return Err(CidrError::new(
                whole,
                CidrProblem::Ipv4LeadingZero { part: echo(part) },
            ));
        }
        match part.parse::<u16>() {
            Ok(n) if n <= 255 => octets[i] = n as u8,
            _ => {
                return Err(CidrError::new(
                    whole,
                    CidrProblem::Ipv4PartTooLarge { part: echo(part) },
                ))
            }
        }
    }
    Ok(Ipv4Addr::from(octets))
}

/// Parses one whitelist entry: `a.b.c.d/n` (n <= 32), `x::/n` (n <= 128), or a bare address
/// (a single host). Surrounding whitespace is ignored. An entry with host bits set
/// (`10.1.2.3/8`) is accepted as given; see [`canonical_suggestion`].
pub fn parse_entry(text: &str) -> Result<IpNet, CidrError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(CidrError::new(t, CidrProblem::Empty));
    }
    if t.chars().any(char::is_whitespace) {
        return Err(CidrError::new(t, CidrProblem::ContainsWhitespace));
    }
    let mut pieces = t.split('/');
    let addr_text = pieces.next().unwrap_or("");
    let prefix_text = pieces.next();
    if pieces.next().is_some() {
        return Err(CidrError::new(t, CidrProblem::MultipleSlashes));
    }
    if addr_text.is_empty() {
        return Err(CidrError::new(t, CidrProblem::MissingAddress));
    }

    let addr: IpAddr = if addr_text.contains(':') {
        addr_text
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| CidrError::new(t, CidrProblem::InvalidIpv6))?
    } else if addr_text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        IpAddr::V4(parse_v4(t, addr_text)?)
    } else {
        return Err(CidrError::new(t, CidrProblem::NotAnAddress));
    };
    let max: u8 = if addr.is_ipv4() { 32 } else { 128 };

    let prefix: u8 = match prefix_text {
        None => max,
        Some("") => return Err(CidrError::new(t, CidrProblem::MissingPrefix)),
        Some(p) => {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CidrError::new(t, CidrProblem::PrefixNotNumber));
            }
            // All digits: the only possible failure is overflow, i.e. far too large.
            match p.parse::<u32>() {
                Ok(n) if n <= u32::from(max) => n as u8,
                _ => return Err(CidrError::new(t, CidrProblem::PrefixTooLarge { max })),
            }
        }
    };
    IpNet::new(addr, prefix).map_err(|_| CidrError::new(t, CidrProblem::PrefixTooLarge { max }))
}

/// The form an entry is stored and shown in: the address as given, the prefix always written out
/// (`10.1.2.3` -> `10.1.2.3/32`), IPv6 in its compressed lower-case form.
pub fn stored_form(net: &IpNet) -> String {
    format!("{}/{}", net.addr(), net.prefix_len())
}

/// The canonical block when the entry has host bits set (`10.1.2.3/8` -> `10.0.0.0/8`), so the
/// console can warn that the entry probably does not mean what the user thinks.
pub fn canonical_suggestion(net: &IpNet) -> Option<String> {
    let trunc = net.trunc();
    if trunc == *net {
        None
    } else {
        Some(stored_form(&trunc))
    }
}

/// Most entries one property's whitelist may hold.
pub const MAX_WHITELIST_ENTRIES: usize = 1000;

/// Parses, normalises and de-duplicates entries, keeping the given order. The error tells which
/// entry (by index) failed, so the console can mark that row.
pub fn parse_entries<'a>(
    entries: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, WhitelistError> {
    let entries: Vec<&str> = entries.into_iter().collect();
    if entries.len() > MAX_WHITELIST_ENTRIES {
        return Err(WhitelistError::TooMany {
            count: entries.len(),
        });
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let net = parse_entry(entry).map_err(|error| WhitelistError::Entry { index, error })?;
        let form = stored_form(&net);
        if seen.insert(form.clone()) {
            out.push(form);
        }
    }
    Ok(out)
}

/// Validates every entry independently, for flagging all bad rows at once while the user types.
pub fn check_each<'a>(entries: impl IntoIterator<Item = &'a str>) -> Vec<Result<IpNet, CidrError>> {
    entries.into_iter().map(parse_entry).collect()
}

/// Parses the API's `whitelist` parameter: a JSON array of CIDR strings.
pub fn parse_whitelist_json(text: &str) -> Result<Vec<String>, WhitelistError> {
    let value: Value = serde_json::from_str(text).map_err(|_| WhitelistError::InvalidJson)?;
    let items = match &value {
        Value::Array(items) => items,
        other => return Err(WhitelistError::NotAnArray(json_kind(other))),
    };
    let mut strings = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match item {
            Value::String(s) => strings.push(s.as_str()),
            other => {
                return Err(WhitelistError::NotAString {
                    index,
                    found: json_kind(other),
                })
            }
        }
    }
    parse_entries(strings)
}

/// The other spelling of the same host: IPv4 `1.2.3.4` <-> IPv4-mapped IPv6 `::ffff:1.2.3.4`.
/// Dual-stack servers report IPv4 callers in the mapped form.
fn alternate(addr: IpAddr) -> Option<IpAddr> {
    match addr {
        IpAddr::V4(v4) => Some(IpAddr::V6(v4.to_ipv6_mapped())),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
    }
}

/// What a whitelist says of one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// An empty list: every address may call.
    EveryAddress,
    /// The entry at this index (the first that does) lets the address call.
    AllowedBy(usize),
    Denied,
}

/// Whether `addr` may call, given a property's stored whitelist.
///
/// An empty list, or any `/0` entry (`0.0.0.0/0`, `::/0`), allows every address of both families.
/// Unparsable stored entries are skipped; a non-empty list of nothing but unparsable entries
/// therefore allows nobody (fail closed).
pub fn allows(whitelist: &[String], addr: IpAddr) -> bool {
    judge(whitelist, addr) != Verdict::Denied
}

/// [`allows`], saying which entry matched: the server's check and the console's "Test an
/// address" are this one rule.
pub fn judge(whitelist: &[String], addr: IpAddr) -> Verdict {
    if whitelist.is_empty() {
        return Verdict::EveryAddress;
    }
    let alt = alternate(addr);
    whitelist
        .iter()
        .position(|entry| {
            parse_entry(entry).is_ok_and(|net| {
                if net.prefix_len() == 0 {
                    return true;
                }
                let net = net.trunc();
                net.contains(&addr) || alt.is_some_and(|a| net.contains(&a))
            })
        })
        .map_or(Verdict::Denied, Verdict::AllowedBy)
}

/// Stands in for a stored whitelist that cannot be read. It is not an address, so it allows nobody
/// (fail closed), and the console shows it as an entry to fix.
pub const UNREADABLE: &str = "unreadable stored whitelist";

/// A whitelist as stored (a JSON array of strings). Anything else decodes to `[UNREADABLE]`, never
/// to `[]`, which would allow every address; the error says what was wrong, for the log.
pub fn decode_stored(json: &str) -> Result<Vec<String>, (Vec<String>, String)> {
    serde_json::from_str::<Vec<String>>(json)
        .map_err(|error| (vec![UNREADABLE.to_string()], echo(&error.to_string())))
}

/// Whether the list lets in every address (empty, or holds a `/0` entry); the console shows this
/// as "any address".
pub fn means_any_address(whitelist: &[String]) -> bool {
    whitelist.is_empty()
        || whitelist
            .iter()
            .filter_map(|e| parse_entry(e).ok())
            .any(|net| net.prefix_len() == 0)
}

/// An owner replacing its own whitelist must keep its current address allowed (seed 001).
pub fn check_self_lockout(new_whitelist: &[String], caller: IpAddr) -> Result<(), WhitelistError> {
    if allows(new_whitelist, caller) {
        Ok(())
    } else {
        Err(WhitelistError::WouldLockOut { addr: caller })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_whitelist_holds_at_most_a_thousand_entries() {
        let entries: Vec<String> = (0..=MAX_WHITELIST_ENTRIES)
            .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
            .collect();
        assert!(parse_entries(entries[..MAX_WHITELIST_ENTRIES].iter().map(String::as_str)).is_ok());
        let error = parse_entries(entries.iter().map(String::as_str)).unwrap_err();
        assert_eq!(error, WhitelistError::TooMany { count: 1001 });
        assert_eq!(
            error.reason(),
            "a whitelist holds at most 1000 entries (this one has 1001)"
        );
    }

    #[test]
    fn a_stored_whitelist_that_is_not_a_list_of_strings_allows_nobody() {
        assert_eq!(
            decode_stored(r#"["10.0.0.0/8"]"#),
            Ok(list(&["10.0.0.0/8"]))
        );
        assert_eq!(decode_stored("[]"), Ok(vec![]));
        for bad in [
            r#"{"a":1}"#,
            "[1,2]",
            "null",
            "\"0.0.0.0/0\"",
            "not json",
            "",
        ] {
            let (fallback, why) = decode_stored(bad).unwrap_err();
            assert!(!why.is_empty());
            assert!(!allows(&fallback, ip("10.1.2.3")), "{bad}");
            assert!(!allows(&fallback, ip("::1")), "{bad}");
            assert!(!means_any_address(&fallback), "{bad}");
        }
    }

    fn reason(s: &str) -> String {
        parse_entry(s).unwrap_err().reason()
    }

    #[test]
    fn parses_ipv4_blocks() {
        let n = parse_entry("10.0.0.0/8").unwrap();
        assert_eq!(stored_form(&n), "10.0.0.0/8");
        assert_eq!(stored_form(&parse_entry("0.0.0.0/0").unwrap()), "0.0.0.0/0");
        assert_eq!(
            stored_form(&parse_entry("255.255.255.255/32").unwrap()),
            "255.255.255.255/32"
        );
        assert_eq!(stored_form(&parse_entry("1.2.3.4").unwrap()), "1.2.3.4/32");
        assert_eq!(
            stored_form(&parse_entry(" 10.0.0.0/8 ").unwrap()),
            "10.0.0.0/8"
        );
        assert_eq!(
            stored_form(&parse_entry("\t10.0.0.0/8\n").unwrap()),
            "10.0.0.0/8"
        );
        assert_eq!(
            stored_form(&parse_entry("\u{a0}10.0.0.0/8\u{3000}").unwrap()),
            "10.0.0.0/8"
        );
        // Leading zeros in the prefix are harmless and normalised.
        assert_eq!(
            stored_form(&parse_entry("10.0.0.0/08").unwrap()),
            "10.0.0.0/8"
        );
    }

    #[test]
    fn parses_ipv6_blocks() {
        assert_eq!(
            stored_form(&parse_entry("2001:db8::/32").unwrap()),
            "2001:db8::/32"
        );
        assert_eq!(
            stored_form(&parse_entry("2001:DB8:0:0::/32").unwrap()),
            "2001:db8::/32"
        );
        assert_eq!(stored_form(&parse_entry("::/0").unwrap()), "::/0");
        assert_eq!(stored_form(&parse_entry("::1").unwrap()), "::1/128");
        assert_eq!(
            stored_form(&parse_entry("fe80::1/128").unwrap()),
            "fe80::1/128"
        );
        assert_eq!(
            stored_form(&parse_entry("::ffff:1.2.3.4").unwrap()),
            "::ffff:1.2.3.4/128"
        );
    }

    #[test]
    fn host_bits_kept_and_suggestion_offered() {
        let n = parse_entry("10.1.2.3/8").unwrap();
        assert_eq!(stored_form(&n), "10.1.2.3/8");
        assert_eq!(canonical_suggestion(&n).as_deref(), Some("10.0.0.0/8"));
        assert_eq!(
            canonical_suggestion(&parse_entry("10.0.0.0/8").unwrap()),
            None
        );
        assert_eq!(canonical_suggestion(&parse_entry("1.2.3.4").unwrap()), None);
        assert_eq!(
            canonical_suggestion(&parse_entry("1.2.3.4/0").unwrap()).as_deref(),
            Some("0.0.0.0/0")
        );
        assert_eq!(
            canonical_suggestion(&parse_entry("2001:db8::1/32").unwrap()).as_deref(),
            Some("2001:db8::/32")
        );
    }

    #[test]
    fn prefix_too_large_matches_spec_text() {
        assert_eq!(
            reason("1.2.3.4/33"),
            "invalid cidr address: 1.2.3.4/33; value after slash must be 32 or less"
        );
        assert_eq!(
            reason("::/129"),
            "invalid cidr address: ::/129; value after slash must be 128 or less"
        );
        assert_eq!(
            reason("1.2.3.4/99999999999999999999999"),
            "invalid cidr address: 1.2.3.4/99999999999999999999999; value after slash must be 32 or less"
        );
        assert!(parse_entry("::/128").is_ok());
        assert!(parse_entry("1.2.3.4/32").is_ok());
    }

    #[test]
    fn precise_reasons() {
        assert_eq!(reason(""), "invalid cidr address: ; the value is empty");
        assert_eq!(reason("   "), "invalid cidr address: ; the value is empty");
        assert_eq!(
            reason("1.2.3.4/"),
            "invalid cidr address: 1.2.3.4/; the value after the slash is missing"
        );
        assert_eq!(
            reason("/8"),
            "invalid cidr address: /8; the address before the slash is missing"
        );
        assert_eq!(
            reason("/"),
            "invalid cidr address: /; the address before the slash is missing"
        );
        assert_eq!(
            reason("1.2.3.4/-1"),
            "invalid cidr address: 1.2.3.4/-1; value after slash must be a whole number"
        );
        assert_eq!(
            reason("1.2.3.4/+8"),
            "invalid cidr address: 1.2.3.4/+8; value after slash must be a whole number"
        );
        assert_eq!(
            reason("1.2.3.4/8.0"),
            "invalid cidr address: 1.2.3.4/8.0; value after slash must be a whole number"
        );
        assert_eq!(
            reason("1.2.3.4/ 8"),
            "invalid cidr address: 1.2.3.4/ 8; the value must not contain spaces or other whitespace"
        );
        assert_eq!(
            reason("1.2.3.4/8/8"),
            "invalid cidr address: 1.2.3.4/8/8; only one slash is allowed"
        );
        assert_eq!(
            reason("1.2.3/8"),
            "invalid cidr address: 1.2.3/8; an IPv4 address has four numbers separated by dots (a.b.c.d), this one has 3"
        );
        assert_eq!(
            reason("1.2.3.4.5"),
            "invalid cidr address: 1.2.3.4.5; an IPv4 address has four numbers separated by dots (a.b.c.d), this one has 5"
        );
        assert_eq!(
            reason("1..3.4"),
            "invalid cidr address: 1..3.4; an IPv4 address must not have an empty part between dots"
        );
        assert_eq!(
            reason("1.2.3.256/32"),
            "invalid cidr address: 1.2.3.256/32; 256 is too large; each number of an IPv4 address must be 0 to 255"
        );
        assert_eq!(
            reason("1.2.3.99999999999999999999"),
            "invalid cidr address: 1.2.3.99999999999999999999; 99999999999999999999 is too large; each number of an IPv4 address must be 0 to 255"
        );
        assert_eq!(
            reason("010.0.0.0/8"),
            "invalid cidr address: 010.0.0.0/8; 010 has a leading zero, which is not allowed"
        );
        assert_eq!(
            reason("localhost"),
            "invalid cidr address: localhost; expected an IPv4 address such as 10.0.0.0 or an IPv6 address such as 2001:db8::"
        );
        assert!(matches!(
            parse_entry("1.2.3.-4").unwrap_err().problem,
            CidrProblem::NotAnAddress
        ));
        assert_eq!(
            reason("2001:db8:::/32"),
            "invalid cidr address: 2001:db8:::/32; not a valid IPv6 address"
        );
        assert_eq!(
            reason("fe80::1%eth0"),
            "invalid cidr address: fe80::1%eth0; not a valid IPv6 address"
        );
        assert_eq!(reason("1.2.3.4 /8"), "invalid cidr address: 1.2.3.4 /8; the value must not contain spaces or other whitespace");
    }

    #[test]
    fn every_reason_has_the_prefix() {
        let inputs = [
            "",
            "/",
            "//",
            "a/b",
            "1.2.3.4/",
            "/8",
            "::/129",
            "1.2.3.4/33",
            "1.2.3.4/-1",
            "1.2.3.4/ 8",
            "١٠.0.0.0/8",
            "😀",
            "1.2.3.4/٨",
            ":",
            ":::",
            "1.2.3.4:80",
            "[::1]",
            "0x7f.0.0.1",
            "1e3.0.0.0",
            "\u{0}",
            "1.2.3.4/\u{200b}8",
            ".",
            "...",
            "1.2.3.",
            ".1.2.3",
        ];
        for i in inputs {
            let e = parse_entry(i).unwrap_err();
            let r = e.reason();
            assert!(
                r.starts_with(&format!("invalid cidr address: {}; ", i.trim())),
                "{i:?} -> {r}"
            );
        }
    }

    #[test]
    fn huge_input_is_shortened_in_the_reason() {
        let huge = "1".repeat(1_000_000);
        let e = parse_entry(&huge).unwrap_err();
        assert!(e.reason().len() < 400);
        assert!(e
            .reason()
            .starts_with(&format!("invalid cidr address: {}...; ", "1".repeat(100))));
        let huge_prefix = format!("1.2.3.4/{}", "9".repeat(100_000));
        assert!(parse_entry(&huge_prefix).is_err());
        let many_slashes = "/".repeat(100_000);
        assert!(parse_entry(&many_slashes).is_err());
    }

    #[test]
    fn parse_whitelist_json_rules() {
        assert_eq!(parse_whitelist_json("[]").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_whitelist_json(r#"["10.0.0.0/8", "1.2.3.4", " 10.0.0.0/8 ", "::1", "0000:0000::1/128", "10.1.2.3/8"]"#)
                .unwrap(),
            list(&["10.0.0.0/8", "1.2.3.4/32", "::1/128", "10.1.2.3/8"])
        );
        // Order kept.
        assert_eq!(
            parse_whitelist_json(r#"["192.168.0.0/16","10.0.0.0/8","192.168.0.0/16"]"#).unwrap(),
            list(&["192.168.0.0/16", "10.0.0.0/8"])
        );
    }

    #[test]
    fn parse_whitelist_json_errors() {
        assert_eq!(
            parse_whitelist_json("").unwrap_err(),
            WhitelistError::InvalidJson
        );
        assert_eq!(
            parse_whitelist_json("10.0.0.0/8").unwrap_err(),
            WhitelistError::InvalidJson
        );
        assert_eq!(
            parse_whitelist_json("[10.0.0.0/8]").unwrap_err(),
            WhitelistError::InvalidJson
        );
        assert_eq!(
            parse_whitelist_json("\"10.0.0.0/8\"").unwrap_err().reason(),
            "expected a JSON array of CIDR addresses, but got a string"
        );
        let e = parse_whitelist_json(r#"["10.0.0.0/8", 12]"#).unwrap_err();
        assert_eq!(
            e.reason(),
            "expected a JSON array of CIDR addresses, but element 1 is a number, not a string"
        );
        assert_eq!(e.index(), Some(1));
        let e = parse_whitelist_json(r#"["10.0.0.0/8", "1.2.3.4/33"]"#).unwrap_err();
        assert_eq!(
            e.reason(),
            "invalid cidr address: 1.2.3.4/33; value after slash must be 32 or less"
        );
        assert_eq!(e.index(), Some(1));
        // The seed's scraped example `[""]` is an empty entry: refused precisely.
        assert_eq!(
            parse_whitelist_json(r#"[""]"#).unwrap_err().reason(),
            "invalid cidr address: ; the value is empty"
        );
        assert_eq!(parse_whitelist_json("{}").unwrap_err().index(), None);
        assert_eq!(
            parse_whitelist_json(&"[".repeat(50_000)).unwrap_err(),
            WhitelistError::InvalidJson
        );
    }

    #[test]
    fn parse_entries_reports_row() {
        assert_eq!(
            parse_entries(["10.0.0.0/8", "10.0.0.0/8", "::/0"]).unwrap(),
            list(&["10.0.0.0/8", "::/0"])
        );
        let e = parse_entries(["10.0.0.0/8", "ok?", "bad"]).unwrap_err();
        assert_eq!(e.index(), Some(1));
        assert!(matches!(e, WhitelistError::Entry { index: 1, .. }));
        assert_eq!(
            parse_entries(std::iter::empty()).unwrap(),
            Vec::<String>::new()
        );
        let owned = [String::from("1.2.3.4")];
        assert_eq!(
            parse_entries(owned.iter().map(String::as_str)).unwrap(),
            list(&["1.2.3.4/32"])
        );
        let each = check_each(["1.2.3.4", "x", "::/129"]);
        assert!(each[0].is_ok() && each[1].is_err() && each[2].is_err());
    }

    #[test]
    fn allows_basic() {
        let wl = list(&["10.0.0.0/8", "192.168.1.7/32"]);
        assert!(allows(&wl, ip("10.200.3.4")));
        assert!(allows(&wl, ip("192.168.1.7")));
        assert!(!allows(&wl, ip("192.168.1.8")));
        assert!(!allows(&wl, ip("11.0.0.1")));
        assert!(!allows(&wl, ip("::1")));
    }

    #[test]
    fn allows_everyone() {
        assert!(allows(&[], ip("1.2.3.4")));
        assert!(allows(&[], ip("2001:db8::1")));
        let all = default_whitelist();
        assert_eq!(all, list(&[ALLOW_ALL]));
        assert!(allows(&all, ip("1.2.3.4")));
        assert!(allows(&all, ip("2001:db8::1")));
        assert!(allows(&all, ip("::1")));
        let all6 = list(&["::/0"]);
        assert!(allows(&all6, ip("1.2.3.4")));
        assert!(allows(&all6, ip("2001:db8::1")));
        assert!(means_any_address(&[]));
        assert!(means_any_address(&all));
        assert!(means_any_address(&list(&["10.0.0.0/8", "::/0"])));
        assert!(means_any_address(&list(&["5.6.7.8/0"])));
        assert!(!means_any_address(&list(&["10.0.0.0/8"])));
        assert!(!means_any_address(&list(&["garbage"])));
    }

    #[test]
    fn allows_mapped_and_host_bits() {
        let wl = list(&["1.2.3.0/24"]);
        assert!(allows(&wl, ip("::ffff:1.2.3.4")));
        assert!(!allows(&wl, ip("::ffff:1.2.4.4")));
        // A mapped-IPv6 entry matches a plain IPv4 caller too.
        assert!(allows(&list(&["::ffff:1.2.3.0/120"]), ip("1.2.3.9")));
        // Host bits set: matched by the network.
        let wl = list(&["10.1.2.3/8"]);
        assert!(allows(&wl, ip("10.9.9.9")));
        assert!(!allows(&wl, ip("11.1.2.3")));
        let wl6 = list(&["2001:db8::1/32"]);
        assert!(allows(&wl6, ip("2001:db8:ffff::5")));
        assert!(!allows(&wl6, ip("2001:db9::5")));
    }

    #[test]
    fn allows_ignores_garbage_and_fails_closed() {
        let wl = list(&["garbage", "", "1.2.3.4/99", "10.0.0.0/8"]);
        assert!(allows(&wl, ip("10.0.0.1")));
        assert!(!allows(&wl, ip("1.2.3.4")));
        assert!(!allows(&list(&["garbage"]), ip("1.2.3.4")));
        assert!(!allows(&list(&[""]), ip("1.2.3.4")));
        // Stored forms with whitespace still work.
        assert!(allows(&list(&[" 10.0.0.0/8 "]), ip("10.0.0.1")));
    }

    #[test]
    fn self_lockout() {
        let me = ip("203.0.113.5");
        assert!(check_self_lockout(&list(&["203.0.113.0/24"]), me).is_ok());
        assert!(check_self_lockout(&[], me).is_ok());
        let e = check_self_lockout(&list(&["10.0.0.0/8"]), me).unwrap_err();
        assert_eq!(
            e.reason(),
            "the new whitelist does not allow the address you are calling from (203.0.113.5), so you would lock yourself out"
        );
        assert!(check_self_lockout(&list(&["203.0.113.5"]), ip("::ffff:203.0.113.5")).is_ok());
    }
}
