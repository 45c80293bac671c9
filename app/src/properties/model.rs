//! Property types shared by the server and the browser (what the console lists and edits).

use serde::{Deserialize, Serialize};

use crate::domain::features::Feature;

pub use crate::domain::listing::{
    encode_query_value, ListPage, ListQuery, PropertySummary, SortColumn, SortDirection,
    DEFAULT_PAGE_SIZE, PAGE_SIZES,
};

/// The list's state as it appears in the URL query (`?q=..&features=a,b&sort=name&dir=desc&page=2&rows=10`),
/// so a view can be bookmarked, shared, reloaded and navigated with back / forward.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListView {
    pub search: String,
    pub features: Vec<Feature>,
    pub sort: SortColumn,
    pub direction: SortDirection,
    /// One-based page number.
    pub page: u64,
    /// Rows per page when the URL says so; otherwise the user's remembered choice applies.
    pub rows: Option<u32>,
}

/// Longest search text accepted; longer input is cut, never refused.
pub const MAX_SEARCH_CHARS: usize = 100;

impl ListView {
    /// Reads a view from query parameters; anything unreadable falls back to the default.
    pub fn from_query<'a>(get: impl Fn(&str) -> Option<&'a str>) -> ListView {
        let features = get("features")
            .map(|list| {
                let mut features: Vec<Feature> = list
                    .split(',')
                    .filter_map(|name| name.trim().parse().ok())
                    .collect();
                features.sort();
                features.dedup();
                features
            })
            .unwrap_or_default();
        ListView {
            search: get("q")
                .map(|q| q.chars().take(MAX_SEARCH_CHARS).collect())
                .unwrap_or_default(),
            features,
            sort: match get("sort") {
                Some("name") => SortColumn::Name,
                _ => SortColumn::Id,
            },
            direction: match get("dir") {
                Some("desc") => SortDirection::Descending,
                _ => SortDirection::Ascending,
            },
            page: get("page")
                .and_then(|p| p.parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
            rows: get("rows")
                .and_then(|r| r.parse().ok())
                .filter(|r| PAGE_SIZES.contains(r)),
        }
    }

    /// The query string for this view, without defaults, so plain views keep plain URLs.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.search.is_empty() {
            pairs.push(("q", self.search.clone()));
        }
        if !self.features.is_empty() {
            let names: Vec<&str> = self.features.iter().map(|f| f.as_str()).collect();
            pairs.push(("features", names.join(",")));
        }
        if self.sort == SortColumn::Name {
            pairs.push(("sort", "name".into()));
        }
        if self.direction == SortDirection::Descending {
            pairs.push(("dir", "desc".into()));
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        if let Some(rows) = self.rows {
            pairs.push(("rows", rows.to_string()));
        }
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode_query_value(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The same view sorted by `column`: a new column starts ascending, the active one flips.
    pub fn toggled_sort(&self, column: SortColumn) -> ListView {
        let direction = if self.sort == column && self.direction == SortDirection::Ascending {
            SortDirection::Descending
        } else {
            SortDirection::Ascending
        };
        ListView {
            sort: column,
            direction,
            page: 1,
            ..self.clone()
        }
    }
}

/// What the list shows after the server resolved page size and page bounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResult {
    pub rows: Vec<PropertySummary>,
    pub total: u64,
    /// One-based page actually shown (a page past the end shows the last page).
    pub page: u64,
    pub rows_per_page: u32,
}

impl ListResult {
    pub fn first_row(&self) -> u64 {
        if self.total == 0 {
            0
        } else {
            (self.page - 1) * u64::from(self.rows_per_page) + 1
        }
    }

    pub fn last_row(&self) -> u64 {
        (self.first_row() + self.rows.len() as u64)
            .saturating_sub(1)
            .max(self.first_row())
    }

    pub fn last_page(&self) -> u64 {
        self.total
            .div_ceil(u64::from(self.rows_per_page.max(1)))
            .max(1)
    }

    /// "1-5 of 37", as the pager shows it.
    pub fn range_label(&self) -> String {
        if self.total == 0 {
            "0 of 0".into()
        } else {
            format!("{}-{} of {}", self.first_row(), self.last_row(), self.total)
        }
    }
}

/// A property as the edit page shows it: everything but the secrets, plus the version the page
/// loaded (for "Save changes") and the end of the previous secret's grace period, if one is live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyDetails {
    pub client_id: String,
    pub name: String,
    pub features: Vec<Feature>,
    pub whitelist: Vec<String>,
    pub version: i64,
    /// Unix seconds until which the previous secret still authenticates.
    pub previous_secret_expires_at: Option<i64>,
    /// When each secret was last used, and recent failed authentications.
    pub usage: crate::domain::usage::SecretUsage,
    /// The server's clock when this was read (Unix seconds), for the count-down.
    pub server_now: i64,
}

impl PropertyDetails {
    /// Takes the secret's grace period and last uses from `newer`, keeping everything else.
    pub fn take_secret_state(&mut self, newer: PropertyDetails) {
        self.previous_secret_expires_at = newer.previous_secret_expires_at;
        self.usage = newer.usage;
    }

    pub fn summary(&self) -> PropertySummary {
        PropertySummary {
            client_id: self.client_id.clone(),
            name: self.name.clone(),
            features: self.features.clone(),
        }
    }
}

/// What "Reset Secret" answers: the new secret (shown once in the third dialog) and the property
/// as it now is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretReset {
    pub secret: String,
    pub details: PropertyDetails,
}

/// Reads "Hours to Expire" as you type, with the rule the server applies.
pub fn parse_hours_to_expire(text: &str) -> Result<u32, String> {
    crate::domain::secrets::parse_hours(text).map_err(|reason| crate::domain::capitalize(&reason))
}

/// `2026-11-22 08:30 UTC` for Unix seconds; the same text on the server and in the browser.
pub fn format_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// What "Test an address" says of `input` against the whitelist rows on screen, saved or not
/// (blank rows are left out, as saving leaves them out): `(allowed, sentence)`, or `None` while the
/// input is empty. The rule is the server's own ([`crate::domain::whitelist::judge`]).
pub fn test_address(rows: &[String], input: &str) -> Option<(bool, String)> {
    use crate::domain::whitelist::{judge, Verdict};
    let input = input.trim();
    if input.is_empty() {
        return None;
    }
    let Ok(address) = input.parse::<std::net::IpAddr>() else {
        return Some((
            false,
            format!(
                "\u{201c}{}\u{201d} is not an IPv4 or IPv6 address.",
                crate::domain::echo(input)
            ),
        ));
    };
    let filled: Vec<(usize, &str)> = rows
        .iter()
        .map(|row| row.trim())
        .enumerate()
        .filter(|(_, row)| !row.is_empty())
        .collect();
    let entries: Vec<String> = filled.iter().map(|(_, row)| row.to_string()).collect();
    Some(match judge(&entries, address) {
        Verdict::EveryAddress => (
            true,
            format!("{address} is allowed: with no ranges, every address may call."),
        ),
        Verdict::AllowedBy(index) => {
            let (row, entry) = filled[index];
            (
                true,
                format!("{address} is allowed by IP address {}: {entry}.", row + 1),
            )
        }
        Verdict::Denied => (
            false,
            format!("{address} is not allowed: no range on this list contains it."),
        ),
    })
}

/// `1 h 59 min 58 s` for a count-down.
pub fn format_remaining(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h} h {m} min {sec} s")
    } else if m > 0 {
        format!("{m} min {sec} s")
    } else {
        format!("{sec} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn testing_an_address_names_the_range_that_lets_it_in() {
        let rows: Vec<String> = ["10.0.0.0/8", "", "  192.0.2.7 ", "2001:db8::/32"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(test_address(&rows, "   "), None);
        assert_eq!(
            test_address(&rows, "10.1.2.3"),
            Some((
                true,
                "10.1.2.3 is allowed by IP address 1: 10.0.0.0/8.".into()
            ))
        );
        assert_eq!(
            test_address(&rows, "192.0.2.7"),
            Some((
                true,
                "192.0.2.7 is allowed by IP address 3: 192.0.2.7.".into()
            ))
        );
        assert_eq!(
            test_address(&rows, "2001:db8::5"),
            Some((
                true,
                "2001:db8::5 is allowed by IP address 4: 2001:db8::/32.".into()
            ))
        );
        // The server's rule: an IPv4 range also covers the IPv4-mapped IPv6 form.
        assert_eq!(
            test_address(&rows, "::ffff:10.9.9.9").map(|t| t.0),
            Some(true)
        );
        assert_eq!(
            test_address(&rows, "203.0.113.1"),
            Some((
                false,
                "203.0.113.1 is not allowed: no range on this list contains it.".into()
            ))
        );
        assert_eq!(
            test_address(&rows, "10.0.0"),
            Some((
                false,
                "\u{201c}10.0.0\u{201d} is not an IPv4 or IPv6 address.".into()
            ))
        );
        let blank = vec![String::new()];
        assert_eq!(
            test_address(&blank, "8.8.8.8").map(|t| t.0),
            Some(true),
            "blank rows are left out: an empty list allows every address"
        );
        // Rows that do not parse yet allow nothing, as on the server.
        let typo = vec!["10.0.0.0/33".to_string()];
        assert_eq!(test_address(&typo, "10.0.0.1").map(|t| t.0), Some(false));
    }
    use std::collections::HashMap;

    fn view(query: &str) -> ListView {
        let map: HashMap<String, String> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ListView::from_query(|key| map.get(key).map(String::as_str))
    }

    #[test]
    fn an_empty_query_is_the_default_view() {
        let v = view("");
        assert_eq!(
            v,
            ListView {
                page: 1,
                ..ListView::default()
            }
        );
        assert_eq!(v.to_query(), "");
    }

    #[test]
    fn a_full_query_round_trips() {
        let v = view("q=po&features=direct_access,owner&sort=name&dir=desc&page=3&rows=10");
        assert_eq!(v.search, "po");
        assert_eq!(v.features, vec![Feature::Owner, Feature::DirectAccess]);
        assert_eq!(v.sort, SortColumn::Name);
        assert_eq!(v.direction, SortDirection::Descending);
        assert_eq!(v.page, 3);
        assert_eq!(v.rows, Some(10));
        assert_eq!(view(&v.to_query()), v);
    }

    #[test]
    fn junk_falls_back_to_defaults() {
        let v = view("features=nope,owner,owner&sort=x&dir=y&page=0&rows=7");
        assert_eq!(v.features, vec![Feature::Owner]);
        assert_eq!(v.sort, SortColumn::Id);
        assert_eq!(v.direction, SortDirection::Ascending);
        assert_eq!(v.page, 1);
        assert_eq!(v.rows, None);
        assert_eq!(view("page=-3").page, 1);
        assert_eq!(view("page=99999999999999999999999").page, 1);
    }

    #[test]
    fn search_text_is_encoded() {
        let v = ListView {
            search: "a b&c=%".into(),
            page: 1,
            ..ListView::default()
        };
        assert_eq!(v.to_query(), "q=a%20b%26c%3D%25");
    }

    #[test]
    fn sorting_toggles_and_resets_the_page() {
        let v = ListView {
            page: 4,
            ..ListView::default()
        };
        let by_name = v.toggled_sort(SortColumn::Name);
        assert_eq!(
            (by_name.sort, by_name.direction, by_name.page),
            (SortColumn::Name, SortDirection::Ascending, 1)
        );
        let flipped = by_name.toggled_sort(SortColumn::Name);
        assert_eq!(flipped.direction, SortDirection::Descending);
        assert_eq!(
            flipped.toggled_sort(SortColumn::Name).direction,
            SortDirection::Ascending
        );
        assert_eq!(
            flipped.toggled_sort(SortColumn::Id).direction,
            SortDirection::Ascending
        );
    }

    #[test]
    fn range_labels() {
        let result = |total, page, shown| ListResult {
            rows: (0..shown)
                .map(|i| PropertySummary {
                    client_id: format!("{i}"),
                    name: String::new(),
                    features: vec![],
                })
                .collect(),
            total,
            page,
            rows_per_page: 5,
        };
        assert_eq!(result(37, 1, 5).range_label(), "1-5 of 37");
        assert_eq!(result(37, 8, 2).range_label(), "36-37 of 37");
        assert_eq!(result(37, 8, 2).last_page(), 8);
        assert_eq!(result(0, 1, 0).range_label(), "0 of 0");
        assert_eq!(result(0, 1, 0).last_page(), 1);
        assert_eq!(result(1, 1, 1).range_label(), "1-1 of 1");
    }
    #[test]
    fn hours_to_expire_accepts_whole_numbers_0_to_168_only() {
        assert_eq!(parse_hours_to_expire("0"), Ok(0));
        assert_eq!(parse_hours_to_expire(" 2 "), Ok(2));
        assert_eq!(parse_hours_to_expire("168"), Ok(168));
        for bad in [
            "",
            "169",
            "-1",
            "1.5",
            "2h",
            "abc",
            "99999999999999999999",
            "+3",
        ] {
            assert!(parse_hours_to_expire(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn utc_times_and_count_downs() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_795_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_remaining(7198), "1 h 59 min 58 s");
        assert_eq!(format_remaining(61), "1 min 1 s");
        assert_eq!(format_remaining(-5), "0 s");
    }
}
