//! The audit log page (SPEC 4): every change from the console, the API and the command line, newest
//! first, filtered by property, actor, action and UTC days, a page at a time; a property's History
//! link opens it filtered by that property's client id (which keeps working after the property is
//! deleted: entries keep the id and the name at the time).
//!
//! - this file: [`AuditView`], what the page shows, read from and written to the URL query;
//! - [`server_fns`]: the one server function, [`server_fns::list_audit`];
//! - [`page`]: the route and its page island.

pub mod page;
pub mod server_fns;

use serde::{Deserialize, Serialize};

use crate::domain::audit::{AuditFilter, ACTIONS};
use crate::domain::signature::parse_date;
use crate::properties::model::encode_query_value;

pub use page::AuditRoute;

/// Longest property or actor filter kept (longer text cannot match a client id, username or name).
pub const MAX_FILTER_CHARS: usize = 200;

/// What the audit page shows: its filters and how far back it is paged. Lives in the URL query
/// (`?property=&actor=&action=&from=&to=&before=`), so a view can be bookmarked and shared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    /// A client id or a property name; blank means every property.
    pub property: String,
    /// A username or client id; blank means everybody.
    pub actor: String,
    /// A stored action name (one of [`ACTIONS`]); blank means any action.
    pub action: String,
    /// First and last UTC day shown, `YYYY-MM-DD`, inclusive; blank means unbounded.
    pub from: String,
    pub to: String,
    /// Show entries older than this id (the smallest id of the page before); None: the newest.
    pub before: Option<i64>,
}

impl AuditView {
    /// Reads a view from query parameters; anything that does not parse is left out.
    pub fn from_query<'a>(get: impl Fn(&str) -> Option<&'a str>) -> AuditView {
        let text = |key: &str| {
            get(key)
                .map(|v| v.trim().chars().take(MAX_FILTER_CHARS).collect::<String>())
                .unwrap_or_default()
        };
        let day = |key: &str| {
            get(key)
                .map(str::trim)
                .filter(|d| day_start(d).is_some())
                .map(str::to_string)
                .unwrap_or_default()
        };
        let action = get("action")
            .map(str::trim)
            .filter(|a| ACTIONS.iter().any(|(name, _)| name == a))
            .map(str::to_string)
            .unwrap_or_default();
        AuditView {
            property: text("property"),
            actor: text("actor"),
            action,
            from: day("from"),
            to: day("to"),
            before: get("before")
                .and_then(|b| b.trim().parse().ok())
                .filter(|b| *b > 0),
        }
    }

    /// The query string of this view (empty for the newest page of everything).
    pub fn to_query(&self) -> String {
        let before = self.before.map(|b| b.to_string()).unwrap_or_default();
        [
            ("property", self.property.as_str()),
            ("actor", self.actor.as_str()),
            ("action", self.action.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("before", before.as_str()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", encode_query_value(value)))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The address of this view.
    pub fn href(&self) -> String {
        match self.to_query() {
            query if query.is_empty() => "/audit".to_string(),
            query => format!("/audit?{query}"),
        }
    }

    /// Whether any filter narrows the log (paging alone does not).
    pub fn is_filtered(&self) -> bool {
        [
            &self.property,
            &self.actor,
            &self.action,
            &self.from,
            &self.to,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }

    /// The same filters, at the newest entries.
    pub fn newest(&self) -> AuditView {
        AuditView {
            before: None,
            ..self.clone()
        }
    }

    /// What the store filters by: the days become seconds, the last day up to its last second.
    pub fn filter(&self) -> AuditFilter {
        AuditFilter {
            property: self.property.trim().to_string(),
            actor: self.actor.trim().to_string(),
            action: self.action.trim().to_string(),
            since: day_start(self.from.trim()),
            until: day_start(self.to.trim()).map(|start| start + 86_399),
        }
    }
}

/// The first second (Unix, UTC) of a `YYYY-MM-DD` day; None unless it is a real date.
pub fn day_start(day: &str) -> Option<i64> {
    if day.len() != 10 {
        return None;
    }
    parse_date(&format!("{day} 00:00:00"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::actions;

    fn view(query: &[(&str, &str)]) -> AuditView {
        AuditView::from_query(|key| query.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
    }

    #[test]
    fn a_view_round_trips_through_its_query() {
        let full = AuditView {
            property: "Shop & Co".into(),
            actor: "alice".into(),
            action: actions::SECRET_RESET.into(),
            from: "2026-01-01".into(),
            to: "2026-01-31".into(),
            before: Some(42),
        };
        let query = full.to_query();
        assert_eq!(
            query,
            "property=Shop%20%26%20Co&actor=alice&action=secret.reset&from=2026-01-01&to=2026-01-31&before=42"
        );
        let pairs: Vec<(String, String)> = query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_string(), v.replace("%20", " ").replace("%26", "&"))
            })
            .collect();
        let back = AuditView::from_query(|key| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        });
        assert_eq!(back, full);
        assert_eq!(AuditView::default().href(), "/audit");
        assert_eq!(full.newest().before, None);
        assert!(full.is_filtered());
        assert!(!AuditView {
            before: Some(3),
            ..Default::default()
        }
        .is_filtered());
    }

    #[test]
    fn what_does_not_parse_is_left_out() {
        let v = view(&[
            ("action", "drop.tables"),
            ("from", "2026-02-30"),
            ("to", "yesterday"),
            ("before", "-4"),
            ("property", "  c1  "),
        ]);
        assert_eq!(
            v,
            AuditView {
                property: "c1".into(),
                ..Default::default()
            }
        );
        assert_eq!(
            view(&[("actor", &"x".repeat(500))]).actor.len(),
            MAX_FILTER_CHARS
        );
    }

    #[test]
    fn days_are_utc_and_inclusive() {
        let v = view(&[("from", "2026-01-01"), ("to", "2026-01-02")]);
        let filter = v.filter();
        assert_eq!(filter.since, Some(1_767_225_600));
        assert_eq!(filter.until, Some(1_767_225_600 + 2 * 86_400 - 1));
        assert_eq!(day_start("2026-1-1"), None);
    }
}
