//! The Manage Properties list as a query: what to show (search, feature filter, sort, page) and
//! what comes back. Shared by the store, which runs it in SQL, and the list page.

use serde::{Deserialize, Serialize};

use super::features::Feature;

/// One row of the Manage Properties list: no secret, ever.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertySummary {
    pub client_id: String,
    pub name: String,
    pub features: Vec<Feature>,
}

impl PropertySummary {
    pub fn is_owner(&self) -> bool {
        self.features.contains(&Feature::Owner)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortColumn {
    #[default]
    Id,
    Name,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortDirection {
    #[default]
    Ascending,
    Descending,
}

/// Page sizes the console offers ("Rows per page").
pub const PAGE_SIZES: [u32; 3] = [5, 10, 50];
pub const DEFAULT_PAGE_SIZE: u32 = 5;

/// What the list shows: search text, feature filter, sort and page. Runs entirely in SQL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Case-insensitive substring of the name or the id; blank means everything.
    pub search: String,
    /// Rows having any of these features; empty means no filter.
    pub features: Vec<Feature>,
    pub sort: SortColumn,
    pub direction: SortDirection,
    /// Zero-based row offset of the first row shown.
    pub offset: u64,
    pub limit: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            search: String::new(),
            features: Vec::new(),
            sort: SortColumn::Id,
            direction: SortDirection::Ascending,
            offset: 0,
            limit: DEFAULT_PAGE_SIZE,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPage {
    pub rows: Vec<PropertySummary>,
    /// Rows matching search and filter, over all pages.
    pub total: u64,
    pub offset: u64,
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
