//! Property-based tests of the pure domain rules (SPEC sections 1 and 2).
//!
//! Each property is checked on generated inputs: hostile text (any Unicode, control characters,
//! `=`, `&`, line breaks, very long strings) for "never panics" and for agreement with a small
//! reference predicate written here from the SPEC, and generators of valid inputs for round-trips.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use super::features::{
    check_combination, check_console_change, check_owner_change, grants, normalize,
    parse_feature_list_json, Feature, FeatureError,
};
use super::params::{check_param_name, printable_name};
use super::setting_keys::{validate_key, validate_value, KeyError};
use super::signature::{
    authorization_header, format_date, parse_authorization, parse_date, sign, string_to_sign,
    verify,
};
use super::whitelist::{
    allows, check_self_lockout, default_whitelist, parse_entry, parse_whitelist_json, stored_form,
    WhitelistError,
};

/// Modest case counts keep the module to a few seconds in a debug build; set `PROPTEST_CASES`
/// for a deeper run. Failures are not persisted to `proptest-regressions/` files: a failing case
/// is printed, shrunk, in the output.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Text generators
// ---------------------------------------------------------------------------------------------

/// Characters that break naive parsers: separators of the signed string and the form encoding,
/// line breaks, C0/C1 controls, odd whitespace, zero-width characters, non-ASCII.
const NASTY: &[char] = &[
    '=', '&', '\n', '\r', '\t', '\0', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}', ' ',
    '\u{a0}', '\u{200b}', '\u{2028}', '\u{3000}', '\u{feff}', '/', ':', '.', ',', '%', '+', '"',
    '\\', '[', ']', '{', '}', 'é', 'ß', '😀', '\u{301}', '٨', '０',
];

fn nasty_char() -> BoxedStrategy<char> {
    prop_oneof![
        3 => any::<char>(),
        3 => prop::sample::select(NASTY),
        4 => (0x20u8..0x7f).prop_map(char::from),
    ]
    .boxed()
}

fn nasty_string() -> BoxedStrategy<String> {
    prop::collection::vec(nasty_char(), 0..48)
        .prop_map(String::from_iter)
        .boxed()
}

/// A short unit repeated into a long string (up to a few hundred KiB).
fn huge_string() -> BoxedStrategy<String> {
    (prop::collection::vec(nasty_char(), 1..6), 500usize..20_000)
        .prop_map(|(unit, n)| String::from_iter(unit).repeat(n))
        .boxed()
}

/// Any text: mostly short and hostile, sometimes huge.
fn any_text() -> BoxedStrategy<String> {
    prop_oneof![
        10 => nasty_string(),
        2 => any::<String>(),
        1 => huge_string(),
    ]
    .boxed()
}

/// Arbitrary JSON values, nested a little, with hostile strings.
fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        nasty_string().prop_map(Value::String),
        prop::sample::select(
            &[
                "owner",
                "login_client",
                "metadata",
                "direct_access",
                "10.0.0.0/8",
                "::/0",
                "0.0.0.0/0",
                "",
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(nasty_string(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Text for a JSON-taking parameter: arbitrary text, valid JSON, JSON cut or corrupted at a
/// random place, or deep nesting.
fn json_text() -> BoxedStrategy<String> {
    let valid = json_value().prop_map(|v| v.to_string());
    prop_oneof![
        4 => any_text(),
        4 => valid.clone(),
        2 => (valid, any::<Index>(), nasty_char()).prop_map(|(t, i, c)| {
            let cut: Vec<char> = t.chars().collect();
            let at = i.index(cut.len() + 1);
            let mut s: String = cut[..at].iter().collect();
            s.push(c);
            s.extend(&cut[at..]);
            s
        }),
        1 => (1usize..5_000).prop_map(|n| "[".repeat(n)),
        1 => (1usize..1_000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n))),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// 1. Whitelists
// ---------------------------------------------------------------------------------------------

fn v4_net() -> BoxedStrategy<IpNet> {
    (any::<u32>(), 0u8..=32)
        .prop_map(|(a, p)| IpNet::V4(Ipv4Net::new(Ipv4Addr::from(a), p).unwrap()))
        .boxed()
}

/// IPv6 addresses with many zero and all-ones groups (so `::` compression and the mapped
/// `::ffff:a.b.c.d` spelling are exercised), plus fully random ones.
fn v6_addr() -> BoxedStrategy<Ipv6Addr> {
    let group = prop_oneof![3 => Just(0u16), 1 => Just(0xffffu16), 3 => any::<u16>()];
    prop_oneof![
        3 => prop::array::uniform8(group).prop_map(Ipv6Addr::from),
        1 => any::<u128>().prop_map(Ipv6Addr::from),
        1 => any::<u32>().prop_map(|a| Ipv4Addr::from(a).to_ipv6_mapped()),
    ]
    .boxed()
}

fn v6_net() -> BoxedStrategy<IpNet> {
    (v6_addr(), 0u8..=128)
        .prop_map(|(a, p)| IpNet::V6(Ipv6Net::new(a, p).unwrap()))
        .boxed()
}

fn any_net() -> BoxedStrategy<IpNet> {
    prop_oneof![v4_net(), v6_net()].boxed()
}

fn any_addr() -> BoxedStrategy<IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        v6_addr().prop_map(IpAddr::V6),
    ]
    .boxed()
}

/// A random address inside `net` (any host bits under its prefix).
fn addr_in(net: &IpNet, noise: u128) -> IpAddr {
    match net {
        IpNet::V4(n) => {
            let host = u32::from(n.hostmask()) & (noise as u32);
            IpAddr::V4(Ipv4Addr::from(u32::from(n.network()) | host))
        }
        IpNet::V6(n) => {
            let host = u128::from(n.hostmask()) & noise;
            IpAddr::V6(Ipv6Addr::from(u128::from(n.network()) | host))
        }
    }
}

/// `addr` with one bit of the first `prefix_len` bits flipped: outside the block.
fn flip_network_bit(addr: IpAddr, bit: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) ^ (1u32 << (31 - bit)))),
        IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) ^ (1u128 << (127 - bit)))),
    }
}

/// Entry-shaped text: digits, dots, colons, hex, slashes, with a little garbage.
fn cidr_like() -> BoxedStrategy<String> {
    let piece = prop_oneof![
        6 => prop::sample::select(&[
            "0", "1", "10", "255", "256", "010", "99999999999", ".", ":", "::", "/", "/0", "/32",
            "/33", "/128", "/129", "ffff", "FFFF", "db8", "-", "+", " ", "%eth0", "[", "]",
        ][..]).prop_map(str::to_string),
        1 => nasty_char().prop_map(String::from),
    ];
    let assembled = prop::collection::vec(piece, 0..12).prop_map(|v| v.concat());
    let near_valid = (any_net(), any::<Index>(), nasty_char()).prop_map(|(n, i, c)| {
        let mut chars: Vec<char> = stored_form(&n).chars().collect();
        let at = i.index(chars.len());
        chars[at] = c;
        chars.into_iter().collect()
    });
    let dotted = (prop::array::uniform4(0u32..300), prop::option::of(0u32..40)).prop_map(
        |([a, b, c, d], p)| match p {
            Some(p) => format!("{a}.{b}.{c}.{d}/{p}"),
            None => format!("{a}.{b}.{c}.{d}"),
        },
    );
    let valid = prop_oneof![
        any_net().prop_map(|n| stored_form(&n)),
        any_net().prop_map(|n| format!(" {}\t", stored_form(&n).to_uppercase())),
        any_addr().prop_map(|a| a.to_string()),
    ];
    prop_oneof![
        3 => assembled,
        2 => near_valid,
        2 => dotted,
        2 => valid,
        2 => any_text(),
    ]
    .boxed()
}

/// Whether any listed network holds `addr`, written from SPEC 1 independently of `allows`: a `/0`
/// entry means every address of both families, and an IPv4 caller also matches IPv4-mapped IPv6
/// blocks (and vice versa) because dual-stack servers report IPv4 callers in mapped form.
fn reference_allows(nets: &[IpNet], addr: IpAddr) -> bool {
    let spellings: Vec<IpAddr> = match addr {
        IpAddr::V4(a) => vec![addr, IpAddr::V6(a.to_ipv6_mapped())],
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => vec![addr, IpAddr::V4(v4)],
            None => vec![addr],
        },
    };
    nets.iter()
        .any(|n| n.prefix_len() == 0 || spellings.iter().any(|s| n.trunc().contains(s)))
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn whitelist_parsers_never_panic(text in cidr_like(), addr in any_addr()) {
        let parsed = parse_entry(&text);
        if let Ok(net) = &parsed {
            // Whatever parses, its stored form parses to the same network.
            let again = parse_entry(&stored_form(net));
            prop_assert_eq!(again.as_ref(), Ok(net));
        } else if let Err(e) = &parsed {
            let reason = e.reason();
            prop_assert!(reason.starts_with("invalid cidr address: "));
            // Hostile input is shortened before it is echoed.
            prop_assert!(reason.chars().count() < 400, "reason too long: {} chars", reason.chars().count());
        }
        let list = vec![text.clone()];
        let _ = allows(&list, addr);
        let _ = check_self_lockout(&list, addr);
    }

    #[test]
    fn whitelist_json_never_panics(text in json_text()) {
        if let Ok(list) = parse_whitelist_json(&text) {
            // Every returned entry is a stored form, without duplicates.
            let mut seen = HashSet::new();
            for entry in &list {
                let net = parse_entry(entry);
                prop_assert!(net.is_ok(), "{:?}", entry);
                prop_assert_eq!(&stored_form(&net.unwrap()), entry);
                prop_assert!(seen.insert(entry.clone()), "duplicate {:?}", entry);
            }
        }
    }

    #[test]
    fn stored_form_round_trips(net in any_net()) {
        let form = stored_form(&net);
        prop_assert_eq!(parse_entry(&form), Ok(net));
        // Printing is stable: parse -> print -> parse -> print gives the same text.
        prop_assert_eq!(stored_form(&parse_entry(&form).unwrap()), form.clone());
        // Surrounding whitespace is ignored.
        prop_assert_eq!(parse_entry(&format!(" \t{form}\n")), Ok(net));
    }

    #[test]
    fn bare_address_means_single_host(addr in any_addr()) {
        let net = parse_entry(&addr.to_string()).unwrap();
        prop_assert_eq!(net.addr(), addr);
        prop_assert_eq!(net.prefix_len(), if addr.is_ipv4() { 32 } else { 128 });
    }

    #[test]
    fn whitelist_json_keeps_order_and_drops_duplicates(
        pool in prop::collection::vec(any_net(), 1..6),
        picks in prop::collection::vec(any::<Index>(), 0..12),
    ) {
        // Picking from a small pool makes duplicates likely.
        let nets: Vec<IpNet> = picks.iter().map(|i| pool[i.index(pool.len())]).collect();
        let forms: Vec<String> = nets.iter().map(stored_form).collect();
        let json = serde_json::to_string(&forms).unwrap();
        let mut expected: Vec<String> = Vec::new();
        for f in &forms {
            if !expected.contains(f) {
                expected.push(f.clone());
            }
        }
        prop_assert_eq!(parse_whitelist_json(&json), Ok(expected));
    }

    #[test]
    fn empty_and_default_whitelists_allow_everyone(addr in any_addr()) {
        prop_assert!(allows(&[], addr));
        prop_assert!(allows(&default_whitelist(), addr));
        prop_assert!(check_self_lockout(&[], addr).is_ok());
        prop_assert!(check_self_lockout(&default_whitelist(), addr).is_ok());
    }

    #[test]
    fn address_inside_a_listed_network_is_allowed(net in any_net(), noise in any::<u128>()) {
        let addr = addr_in(&net, noise);
        let list = vec![stored_form(&net)];
        prop_assert!(allows(&list, addr), "{} not allowed by {:?}", addr, list);
        prop_assert!(check_self_lockout(&list, addr).is_ok());
    }

    #[test]
    fn address_outside_a_single_network_is_refused(
        net in any_net().prop_filter("not /0", |n| n.prefix_len() > 0),
        noise in any::<u128>(),
        bit in any::<Index>(),
    ) {
        let inside = addr_in(&net, noise);
        let outside = flip_network_bit(inside, bit.index(usize::from(net.prefix_len())) as u8);
        prop_assert!(!net.contains(&outside));
        let list = vec![stored_form(&net)];
        prop_assert!(!allows(&list, outside), "{} allowed by {:?}", outside, list);
        prop_assert_eq!(
            check_self_lockout(&list, outside),
            Err(WhitelistError::WouldLockOut { addr: outside })
        );
    }

    #[test]
    fn allows_matches_reference(
        nets in prop::collection::vec(any_net(), 1..5),
        which in any::<Index>(),
        noise in any::<u128>(),
        bit in any::<Index>(),
        random in any_addr(),
        choice in 0u8..3,
    ) {
        // Addresses near a listed block (inside, or one network bit away) and random ones.
        let near = nets[which.index(nets.len())];
        let inside = addr_in(&near, noise);
        let addr = match choice {
            0 => inside,
            1 if near.prefix_len() > 0 => {
                flip_network_bit(inside, bit.index(usize::from(near.prefix_len())) as u8)
            }
            _ => random,
        };
        let list: Vec<String> = nets.iter().map(stored_form).collect();
        let expected = reference_allows(&nets, addr);
        prop_assert_eq!(allows(&list, addr), expected, "{} with {:?}", addr, list);
        prop_assert_eq!(check_self_lockout(&list, addr).is_ok(), expected);
    }

    #[test]
    fn unparsable_lists_allow_nobody(
        entries in prop::collection::vec(
            cidr_like().prop_filter("unparsable", |e| parse_entry(e).is_err()),
            1..4,
        ),
        addr in any_addr(),
    ) {
        // Fail closed: a non-empty list of nothing but garbage lets nobody in.
        prop_assert!(!allows(&entries, addr));
        prop_assert!(check_self_lockout(&entries, addr).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Features
// ---------------------------------------------------------------------------------------------

fn feature() -> BoxedStrategy<Feature> {
    prop::sample::select(Feature::ALL.to_vec()).boxed()
}

fn feature_list() -> BoxedStrategy<Vec<Feature>> {
    prop::collection::vec(feature(), 0..10).boxed()
}

/// A feature name, a near miss, or anything.
fn feature_name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => feature().prop_map(|f| f.as_str().to_string()),
        2 => prop::sample::select(&[
            "", "Owner", "OWNER", " owner", "owner ", "direct-access", "ninja_superuser",
            "login_client\u{0}", "metadata\n", "ownér",
        ][..]).prop_map(str::to_string),
        2 => any_text(),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn feature_json_never_panics(text in json_text(), allow_metadata in any::<bool>()) {
        if let Ok(list) = parse_feature_list_json(&text, allow_metadata) {
            prop_assert_eq!(normalize(&list), list.clone());
            if !allow_metadata {
                prop_assert!(!list.contains(&Feature::Metadata));
            }
        }
    }

    #[test]
    fn feature_name_arrays_parse_iff_every_name_is_valid(
        names in prop::collection::vec(feature_name(), 0..8),
        allow_metadata in any::<bool>(),
    ) {
        let json = serde_json::to_string(&names).unwrap();
        let known: Vec<Option<Feature>> = names
            .iter()
            .map(|n| Feature::ALL.iter().copied().find(|f| f.as_str() == n))
            .collect();
        let all_ok = known
            .iter()
            .all(|f| matches!(f, Some(f) if allow_metadata || *f != Feature::Metadata));
        let result = parse_feature_list_json(&json, allow_metadata);
        if all_ok {
            let features: Vec<Feature> = known.into_iter().flatten().collect();
            prop_assert_eq!(result, Ok(normalize(&features)));
        } else {
            prop_assert!(result.is_err(), "{} accepted", json);
            let reason = result.unwrap_err().reason();
            prop_assert!(reason.chars().count() < 200, "reason too long: {:?}", reason);
        }
    }

    #[test]
    fn printed_feature_lists_parse_back(features in feature_list()) {
        let names: Vec<&str> = features.iter().map(Feature::as_str).collect();
        let json = serde_json::to_string(&names).unwrap();
        prop_assert_eq!(parse_feature_list_json(&json, true), Ok(normalize(&features)));
        // The API refuses the reserved name, and accepts the rest the same way.
        let api = parse_feature_list_json(&json, false);
        if features.contains(&Feature::Metadata) {
            prop_assert_eq!(api, Err(FeatureError::Reserved));
        } else {
            prop_assert_eq!(api, Ok(normalize(&features)));
        }
    }

    #[test]
    fn normalize_is_idempotent_and_order_insensitive(
        (features, shuffled) in feature_list()
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        extra in feature_list(),
    ) {
        let n = normalize(&features);
        prop_assert_eq!(normalize(&n), n.clone());
        prop_assert_eq!(normalize(&shuffled), n.clone());
        // Strictly increasing in console order, and the same set as the input.
        prop_assert!(n.windows(2).all(|w| w[0] < w[1]));
        let as_set: HashSet<Feature> = features.iter().copied().collect();
        prop_assert_eq!(n.iter().copied().collect::<HashSet<_>>(), as_set);
        // Duplicating elements changes nothing.
        let mut doubled = features.clone();
        doubled.extend(features.iter().copied());
        doubled.extend(extra.iter().filter(|f| features.contains(f)));
        prop_assert_eq!(normalize(&doubled), n);
    }

    #[test]
    fn combination_rule_holds(features in feature_list()) {
        let has_login = features.contains(&Feature::LoginClient);
        let has_other = features.iter().any(|f| *f != Feature::LoginClient);
        let result = check_combination(&features);
        if has_login && has_other {
            prop_assert_eq!(result, Err(FeatureError::LoginClientCombined));
        } else {
            prop_assert_eq!(result, Ok(()));
        }
    }

    #[test]
    fn login_client_with_another_feature_is_refused(
        features in (feature_list(), feature().prop_filter("other", |f| *f != Feature::LoginClient))
            .prop_flat_map(|(mut v, other)| {
                v.push(Feature::LoginClient);
                v.push(other);
                Just(v).prop_shuffle()
            }),
    ) {
        prop_assert_eq!(check_combination(&features), Err(FeatureError::LoginClientCombined));
        prop_assert!(check_console_change(&[], &features).is_err());
    }

    #[test]
    fn grants_follow_the_rules(held in feature_list(), needed in feature()) {
        let expected = held.contains(&needed)
            || (needed == Feature::DirectReadAccess && held.contains(&Feature::DirectAccess));
        prop_assert_eq!(grants(&held, needed), expected);
        let mut with_direct = held.clone();
        with_direct.push(Feature::DirectAccess);
        prop_assert!(grants(&with_direct, Feature::DirectReadAccess));
        prop_assert!(grants(&with_direct, Feature::DirectAccess));
    }

    #[test]
    fn owner_change_rules(
        caller_is_target in any::<bool>(),
        old in feature_list(),
        new in feature_list(),
    ) {
        // API (seed 000): an owner may not remove owner from itself; anything else goes.
        let self_removal = caller_is_target
            && old.contains(&Feature::Owner)
            && !new.contains(&Feature::Owner);
        let result = check_owner_change(caller_is_target, &old, &new);
        if self_removal {
            prop_assert_eq!(result, Err(FeatureError::OwnerSelfRemoval));
        } else {
            prop_assert_eq!(result, Ok(()));
        }
        // Console: a saved owner stays owner, and the combination rule applies.
        let console = check_console_change(&old, &new);
        if old.contains(&Feature::Owner) && !new.contains(&Feature::Owner) {
            prop_assert_eq!(console, Err(FeatureError::OwnerLocked));
        } else {
            prop_assert_eq!(console, check_combination(&new));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Setting keys and values
// ---------------------------------------------------------------------------------------------

/// SPEC 1: a key is 1-100 characters from `A-Z a-z 0-9 _ - .`.
fn reference_key_ok(key: &str) -> bool {
    let n = key.chars().count();
    (1..=100).contains(&n)
        && key
            .chars()
            .all(|c| matches!(c, 'A'..='Z' | 'a'..='z' | '0'..='9' | '_' | '-' | '.'))
}

const KEY_ALPHABET: &str = "ABCXYZabcxyz0189_-.";

fn key_candidate() -> BoxedStrategy<String> {
    let good = prop::sample::select(KEY_ALPHABET.chars().collect::<Vec<_>>());
    let mostly_good = prop_oneof![12 => good.clone(), 1 => nasty_char()];
    prop_oneof![
        // Valid alphabet, lengths around both limits.
        3 => prop::collection::vec(good, 0..=104).prop_map(String::from_iter),
        3 => prop::collection::vec(mostly_good, 0..=104).prop_map(String::from_iter),
        2 => any_text(),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn validate_key_matches_spec(key in key_candidate()) {
        let result = validate_key(&key);
        prop_assert_eq!(result.is_ok(), reference_key_ok(&key), "{:?} -> {:?}", key, result);
        match result {
            Err(KeyError::Empty) => prop_assert!(key.is_empty()),
            Err(KeyError::TooLong { chars }) => prop_assert_eq!(chars, key.chars().count()),
            Err(KeyError::ContainsSpace) => prop_assert!(key.contains(' ')),
            Err(KeyError::InvalidChar { ch }) => prop_assert!(key.contains(ch)),
            Ok(()) => {}
        }
    }

    #[test]
    fn validate_value_limit_is_64_kib(
        base in (64 * 1024 - 8usize)..=(64 * 1024 + 8),
        tail in nasty_char(),
        with_tail in any::<bool>(),
    ) {
        let mut value = "v".repeat(base);
        if with_tail {
            value.push(tail);
        }
        prop_assert_eq!(validate_value(&value).is_ok(), value.len() <= 64 * 1024, "{} bytes", value.len());
    }

    #[test]
    fn validate_value_accepts_any_small_string(value in any_text()) {
        prop_assert_eq!(validate_value(&value).is_ok(), value.len() <= 64 * 1024);
        if value.len() <= 64 * 1024 {
            prop_assert_eq!(validate_value(&value), Ok(()));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. The janrain-signed scheme
// ---------------------------------------------------------------------------------------------

fn param_name() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-z_]{1,12}",
        1 => prop::sample::select(&["param", "param1", "key", "value", "for_client_id"][..])
            .prop_map(str::to_string),
        2 => nasty_string(),
    ]
    .boxed()
}

fn credential_name() -> BoxedStrategy<String> {
    prop::sample::select(&["client_id", "client_secret", "access_token"][..])
        .prop_map(str::to_string)
        .boxed()
}

fn is_credential(name: &str) -> bool {
    matches!(name, "client_id" | "client_secret" | "access_token")
}

fn params() -> BoxedStrategy<Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop_oneof![6 => param_name(), 1 => credential_name()],
            nasty_string(),
        ),
        0..8,
    )
    .boxed()
}

/// Secrets without NUL characters. HMAC pads a short key with zero bytes, so `k` and `k\0` are
/// the same key by construction of HMAC; real secrets are 32 lowercase alphanumerics.
fn secret() -> BoxedStrategy<String> {
    prop_oneof![
        2 => "[a-z0-9]{32}",
        1 => nasty_string().prop_map(|s| s.replace('\0', "")),
        1 => "[a-z0-9]{65,100}",
    ]
    .boxed()
}

fn path() -> BoxedStrategy<String> {
    prop_oneof![
        prop::sample::select(&["/entity", "/clients/list", "/settings/get_all"][..])
            .prop_map(str::to_string),
        "/[a-z_/]{0,30}",
        nasty_string(),
    ]
    .boxed()
}

fn date() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (0i64..=253_402_300_799).prop_map(format_date),
        1 => nasty_string(),
    ]
    .boxed()
}

/// `YYYY-MM-DD HH:MM:SS` with every field in range for its width but not necessarily valid.
/// Each two-digit field is mostly near its real range, so both sides of every limit are hit.
fn date_shaped() -> BoxedStrategy<(i64, i64, i64, i64, i64, i64)> {
    let field = |near: i64| prop_oneof![6 => 0..=near, 1 => 0i64..=99];
    (
        prop_oneof![
            0i64..=9999,
            prop::sample::select(&[0i64, 1600, 1900, 2000, 2100, 2400][..])
        ],
        field(13),
        field(32),
        field(24),
        field(60),
        field(60),
    )
        .boxed()
}

/// Text shaped like a `Date` header: a formatted date with one character replaced or inserted
/// (multi-byte characters shift the byte positions the parser indexes), or 19 arbitrary
/// characters.
fn date_like() -> BoxedStrategy<String> {
    let edited = (
        -62_167_219_200i64..=253_402_300_799,
        any::<Index>(),
        nasty_char(),
        any::<bool>(),
    )
        .prop_map(|(t, i, c, insert)| {
            let mut chars: Vec<char> = format_date(t).chars().collect();
            let at = i.index(chars.len());
            if insert {
                chars.insert(at, c);
            } else {
                chars[at] = c;
            }
            chars.into_iter().collect()
        });
    let padded = (
        -62_167_219_200i64..=253_402_300_799,
        prop::sample::select(&["", " ", "\t", "\n", "\u{a0}"][..]),
    )
        .prop_map(|(t, pad)| format!("{pad}{}{pad}", format_date(t)));
    prop_oneof![
        3 => edited,
        1 => padded,
        1 => prop::collection::vec(nasty_char(), 19).prop_map(String::from_iter),
        1 => any_text(),
    ]
    .boxed()
}

/// Text shaped like an `Authorization: Signature` value, with hostile parts.
fn header_like() -> BoxedStrategy<String> {
    let scheme = prop_oneof![
        Just("Signature".to_string()),
        Just("signature".to_string()),
        Just("Basic".to_string()),
        Just(String::new()),
        nasty_string(),
    ];
    let sep = prop::sample::select(&[" ", "\t", "  ", "", ":", "\n", "\u{a0}"][..]);
    let part = || prop_oneof![2 => "[A-Za-z0-9_.+/=-]{0,24}", 1 => nasty_string()];
    (scheme, sep, part(), prop::option::of(part()))
        .prop_map(|(scheme, sep, id, sig)| match sig {
            Some(sig) => format!("{scheme}{sep}{id}:{sig}"),
            None => format!("{scheme}{sep}{id}"),
        })
        .boxed()
}

fn reference_valid_date(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> bool {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && h < 24 && mi < 60 && s < 60
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn signature_functions_never_panic(
        secret in any_text(),
        path in any_text(),
        date in any_text(),
        params in params(),
        presented in any_text(),
        unix in any::<i64>(),
    ) {
        let s = string_to_sign(&path, &date, &params);
        let head = format!("{path}\n{date}\n");
        prop_assert!(s.starts_with(&head));
        let sig = sign(&secret, &path, &date, &params);
        prop_assert_eq!(STANDARD.decode(&sig).map(|b| b.len()), Ok(20));
        let _ = verify(&secret, &path, &date, &params, &presented);
        let _ = authorization_header(&secret, &presented);
        let _ = parse_date(&date);
        let _ = format_date(unix);
    }

    #[test]
    fn header_parsers_never_panic(header in prop_oneof![header_like(), any_text()], date in date_like()) {
        if let Some((id, sig)) = parse_authorization(&header) {
            prop_assert!(!id.is_empty() && !sig.is_empty());
            prop_assert!(!id.contains(':'));
            prop_assert!(!id.contains(char::is_whitespace) && !sig.contains(char::is_whitespace));
            // What parses, prints back to a header that parses the same.
            prop_assert_eq!(
                parse_authorization(&authorization_header(&id, &sig)),
                Some((id, sig))
            );
        }
        if let Some(t) = parse_date(&date) {
            // Only the strict shape parses: printing gives back the (trimmed) text.
            prop_assert_eq!(format_date(t), date.trim());
        }
    }

    #[test]
    fn sign_then_verify(
        secret in secret(),
        other in secret(),
        path in path(),
        date in date(),
        params in params(),
    ) {
        let sig = sign(&secret, &path, &date, &params);
        prop_assert!(verify(&secret, &path, &date, &params, &sig));
        prop_assume!(other != secret);
        prop_assert!(!verify(&other, &path, &date, &params, &sig));
        prop_assert_ne!(sign(&other, &path, &date, &params), sig);
    }

    #[test]
    fn changed_parameter_value_breaks_the_signature(
        secret in secret(),
        path in path(),
        date in date(),
        mut params in params(),
        extra in (param_name().prop_filter("signed", |n| !is_credential(n)), nasty_string()),
        which in any::<Index>(),
        new_value in nasty_string(),
    ) {
        // Make sure at least one signed parameter exists, then change one signed value.
        params.push(extra);
        let signed: Vec<usize> =
            (0..params.len()).filter(|&i| !is_credential(&params[i].0)).collect();
        let i = signed[which.index(signed.len())];
        prop_assume!(params[i].1 != new_value);
        let sig = sign(&secret, &path, &date, &params);
        let mut changed = params.clone();
        changed[i].1 = new_value;
        prop_assert!(!verify(&secret, &path, &date, &changed, &sig), "{:?} -> {:?}", params, changed);
    }

    #[test]
    fn parameter_order_does_not_matter(
        (params, shuffled) in params().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        path in path(),
        date in date(),
        secret in secret(),
    ) {
        prop_assert_eq!(
            string_to_sign(&path, &date, &params),
            string_to_sign(&path, &date, &shuffled)
        );
        let sig = sign(&secret, &path, &date, &params);
        prop_assert!(verify(&secret, &path, &date, &shuffled, &sig));
    }

    #[test]
    fn credential_parameters_are_not_signed(
        (base, with_creds) in (
            params(),
            prop::collection::vec((credential_name(), any_text()), 1..4),
        )
            .prop_flat_map(|(base, creds)| {
                let base: Vec<(String, String)> =
                    base.into_iter().filter(|(k, _)| !is_credential(k)).collect();
                let mut all = base.clone();
                all.extend(creds);
                (Just(base), Just(all).prop_shuffle())
            }),
        path in path(),
        date in date(),
        secret in secret(),
    ) {
        prop_assert_eq!(
            string_to_sign(&path, &date, &base),
            string_to_sign(&path, &date, &with_creds)
        );
        let sig = sign(&secret, &path, &date, &base);
        prop_assert_eq!(sign(&secret, &path, &date, &with_creds), sig.clone());
        prop_assert!(verify(&secret, &path, &date, &with_creds, &sig));
    }

    #[test]
    fn authorization_header_round_trips(
        id in prop_oneof!["[a-z0-9]{32}", "[A-Za-z0-9_.-]{1,64}"],
        sig in prop_oneof![
            prop::collection::vec(any::<u8>(), 1..64).prop_map(|b| STANDARD.encode(b)),
            (secret(), path(), date(), params()).prop_map(|(s, p, d, ps)| sign(&s, &p, &d, &ps)),
        ],
    ) {
        let header = authorization_header(&id, &sig);
        prop_assert_eq!(parse_authorization(&header), Some((id.clone(), sig.clone())));
        // HTTP scheme names are case-insensitive, and surrounding whitespace is tolerated.
        let loud = format!("  SIGNATURE  {id}:{sig}\t");
        prop_assert_eq!(parse_authorization(&loud), Some((id, sig)));
    }

    #[test]
    fn dates_round_trip(t in 0i64..=253_402_300_799) {
        let text = format_date(t);
        prop_assert_eq!(text.len(), 19);
        prop_assert_eq!(parse_date(&text), Some(t));
    }

    #[test]
    fn dates_round_trip_from_year_zero(t in -62_167_219_200i64..=253_402_300_799) {
        prop_assert_eq!(parse_date(&format_date(t)), Some(t));
    }

    #[test]
    fn date_shaped_text_parses_iff_calendar_valid((y, mo, d, h, mi, s) in date_shaped()) {
        let text = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
        let parsed = parse_date(&text);
        prop_assert_eq!(parsed.is_some(), reference_valid_date(y, mo, d, h, mi, s), "{}", text);
        if let Some(t) = parsed {
            prop_assert_eq!(format_date(t), text);
        }
    }
}

/// SPEC 2.2 test vector (also in `signature::tests`), end to end through the header.
#[test]
fn spec_signature_test_vector() {
    let params: Vec<(String, String)> = [
        ("param1", "this is a string"),
        ("param2", "10"),
        ("param3", "one=1\ntwo=2,three=3"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let sig = sign("bar", "/entity", "2000-01-01 01:01:01", &params);
    let header = authorization_header("foo", &sig);
    assert_eq!(header, "Signature foo:G3N5RxCVc0d6rDLmBRGvcg2hCVY=");
    let (id, presented) = parse_authorization(&header).unwrap();
    assert_eq!(id, "foo");
    assert!(verify(
        "bar",
        "/entity",
        "2000-01-01 01:01:01",
        &params,
        &presented
    ));
}

// ---------------------------------------------------------------------------------------------
// 5. Parameter names
// ---------------------------------------------------------------------------------------------

/// SPEC 2.1 decision: non-empty, without `=`, `&`, line breaks or other control characters.
fn reference_name_ok(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c == '=' || c == '&' || c == '\n' || c == '\r' || c.is_control())
}

/// A character of Unicode category Cc (C0 controls, DEL, C1 controls).
fn control_char() -> BoxedStrategy<char> {
    prop_oneof![0u32..0x20, 0x7fu32..0xa0]
        .prop_map(|c| char::from_u32(c).unwrap())
        .boxed()
}

/// Names without any forbidden character (so the acceptance side is well covered too).
fn clean_name() -> BoxedStrategy<String> {
    prop::collection::vec(
        any::<char>().prop_filter("clean", |c| !(matches!(c, '=' | '&') || c.is_control())),
        1..40,
    )
    .prop_map(String::from_iter)
    .boxed()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn param_names_match_spec(name in prop_oneof![3 => any_text(), 2 => clean_name()]) {
        let result = check_param_name(&name);
        prop_assert_eq!(result.is_ok(), reference_name_ok(&name), "{:?} -> {:?}", name, result);
    }

    #[test]
    fn clean_names_are_accepted(name in clean_name()) {
        prop_assert_eq!(check_param_name(&name), Ok(()));
    }

    #[test]
    fn names_with_a_forbidden_character_are_refused(
        (prefix, bad, suffix) in (
            nasty_string(),
            prop_oneof![
                prop::sample::select(&['=', '&', '\n', '\r'][..]),
                control_char(),
            ],
            nasty_string(),
        ),
    ) {
        let name = format!("{prefix}{bad}{suffix}");
        prop_assert!(check_param_name(&name).is_err(), "{:?} accepted", name);
    }

    #[test]
    fn printable_names_are_bounded_and_escaped(name in any_text()) {
        let shown = printable_name(&name);
        prop_assert!(shown.chars().count() <= 103, "{} chars", shown.chars().count());
        prop_assert!(!shown.chars().any(char::is_control), "{:?}", shown);
    }
}

#[test]
fn empty_param_name_is_refused() {
    assert!(check_param_name("").is_err());
}

// ---------------------------------------------------------------------------------------------
// Settings editor: the changes "Save Changes" sends
// ---------------------------------------------------------------------------------------------

fn small_settings() -> impl Strategy<Value = std::collections::BTreeMap<String, String>> {
    // Few keys and values, so loaded and edited often share keys and values.
    prop::collection::btree_map("[a-e]", "[xy]{0,1}", 0..5)
}

proptest! {
    #![proptest_config(config(512))]

    /// The changes are exactly the keys whose value differs (absent counts as a value), each
    /// once, in key order, and applying them to `loaded` gives `edited`.
    #[test]
    fn settings_changes_turn_loaded_into_edited(
        loaded in small_settings(),
        edited in small_settings(),
    ) {
        let changes = super::settings_edit::changes_between(&loaded, &edited);
        let mut expected: Vec<&String> = loaded.keys().chain(edited.keys())
            .filter(|k| loaded.get(*k) != edited.get(*k))
            .collect();
        expected.sort();
        expected.dedup();
        prop_assert_eq!(changes.iter().map(|c| &c.key).collect::<Vec<_>>(), expected);
        let mut applied = loaded.clone();
        for change in &changes {
            prop_assert_eq!(change.expected.as_ref(), loaded.get(&change.key));
            match &change.new {
                Some(value) => applied.insert(change.key.clone(), value.clone()),
                None => applied.remove(&change.key),
            };
        }
        prop_assert_eq!(applied, edited);
    }
}
