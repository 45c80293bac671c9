//! Property types shared by the server and the browser (what the console lists and edits).

use serde::{Deserialize, Serialize};

use crate::domain::features::Feature;

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
