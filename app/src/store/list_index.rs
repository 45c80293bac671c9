//! The Manage Properties list, answered from memory.
//!
//! SQL cannot answer every list view fast: a search of one or two characters has no index (the
//! trigram index needs three), and a fragment or feature that matches few rows makes the page query
//! walk the whole table in sort order, then walk it again to count. At 100,000 properties that was
//! 150 ms per keystroke, at 1,000,000 seconds. So the store keeps, for every property, only what the
//! list filters and sorts on (id, name key, features) in two sorted orders, and answers a view with
//! one sequential pass over compact memory: a few milliseconds at 100,000, whatever the view.
//!
//! The index is derived state: loaded from the database on first use and kept in step by
//! [`super::Write::commit`], which hands it the committed rows of every property it changed, in
//! commit order. The page's rows themselves are then read from the database by id.

use std::cmp::Ordering;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::RwLock;

use memchr::memmem;

use crate::domain::listing::{SortColumn, SortDirection};

/// One property as the list sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListEntry {
    pub client_id: Box<str>,
    /// The name's search and sort key ([`crate::domain::names::name_key`]).
    pub name_key: Box<str>,
    /// The feature bit set, as stored.
    pub features: u8,
}

/// What a committed write did to one property: its row now, or `None` when it is gone.
pub type ListChange = (String, Option<ListEntry>);

/// Above this many changes in one commit the orders are re-sorted once instead of patched one by
/// one (each patch moves up to the whole order: fine for one property, not for an import).
const RESORT_ABOVE: usize = 512;

/// Ends each field in [`ListIndex::text`]. Never part of UTF-8, so no search matches across two.
const SEPARATOR: u8 = 0xFF;

/// Garbage below this many bytes is never worth a compaction.
const COMPACT_ABOVE: usize = 1 << 20;

/// Where one property's fields sit in the text, and its features.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// Start of `id SEPARATOR name_key SEPARATOR` in the text.
    start: usize,
    id_len: u16,
    name_len: u16,
    features: u8,
    live: bool,
}

impl Slot {
    fn text_len(&self) -> usize {
        usize::from(self.id_len) + usize::from(self.name_len) + 2
    }
}

/// The ids, name keys and features of every property, in id order and in name order.
///
/// Ids and name keys sit in one block of text, so a search is one SIMD substring pass over it
/// (`memchr::memmem`) rather than a call per property; a rename or delete leaves its old text
/// behind as garbage until the text is compacted.
#[derive(Debug, Default)]
pub struct ListIndex {
    text: Vec<u8>,
    /// (start, slot) of every record written to `text`, in text order; a record whose slot has
    /// moved on is garbage.
    records: Vec<(usize, u32)>,
    garbage: usize,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Live slots ordered by client id.
    by_id: Vec<u32>,
    /// Live slots ordered by (name key, client id), as `ORDER BY name_key, client_id`.
    by_name: Vec<u32>,
    /// Every byte in `text`: a search with a byte outside it matches nothing, without a pass.
    bytes: ByteSet,
}

#[derive(Clone, Copy, Debug, Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn add_all(&mut self, text: &[u8]) {
        for byte in text {
            self.0[usize::from(byte >> 6)] |= 1 << (byte & 63);
        }
    }

    fn contains_all(&self, text: &str) -> bool {
        text.bytes()
            .all(|byte| self.0[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0)
    }
}

/// One page of a view: the client ids to show, in order, and how many match in all.
#[derive(Debug, PartialEq, Eq)]
pub struct IndexPage {
    pub client_ids: Vec<String>,
    pub total: u64,
}

/// A list view as the index answers it. `search` is already a name key (lowercased, trimmed).
#[derive(Clone, Copy, Debug)]
pub struct IndexQuery<'a> {
    pub search: &'a str,
    /// Any of these feature bits; 0 means no filter.
    pub features: u8,
    pub sort: SortColumn,
    pub direction: SortDirection,
    pub offset: u64,
    pub limit: u32,
}

impl ListIndex {
    /// Builds the index from every property (any order).
    pub fn from_entries(entries: impl IntoIterator<Item = ListEntry>) -> ListIndex {
        let mut index = ListIndex::default();
        for entry in entries {
            index.push_unsorted(&entry);
        }
        index.sort();
        index
    }

    /// Adds a property while loading; [`ListIndex::sort`] must follow before any query.
    pub fn push_unsorted(&mut self, entry: &ListEntry) {
        self.allocate(entry);
    }

    /// Orders what [`ListIndex::push_unsorted`] added, and gives back what growing took spare.
    pub fn sort(&mut self) {
        self.resort();
        self.text.shrink_to_fit();
        self.records.shrink_to_fit();
        self.slots.shrink_to_fit();
    }

    /// The memory the index holds (for the benchmark and the operator).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.records.capacity() * std::mem::size_of::<(usize, u32)>()
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + (self.free.capacity() + self.by_id.capacity() + self.by_name.capacity()) * 4
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn id(&self, slot: u32) -> &[u8] {
        let s = &self.slots[slot as usize];
        &self.text[s.start..s.start + usize::from(s.id_len)]
    }

    fn name(&self, slot: u32) -> &[u8] {
        let s = &self.slots[slot as usize];
        let from = s.start + usize::from(s.id_len) + 1;
        &self.text[from..from + usize::from(s.name_len)]
    }

    fn client_id(&self, slot: u32) -> String {
        String::from_utf8_lossy(self.id(slot)).into_owned()
    }

    fn name_order(&self, a: u32, b: u32) -> Ordering {
        (self.name(a), self.id(a)).cmp(&(self.name(b), self.id(b)))
    }

    /// Appends the entry's text and gives it a slot (a freed one if any).
    fn allocate(&mut self, entry: &ListEntry) -> u32 {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(Slot {
                    start: 0,
                    id_len: 0,
                    name_len: 0,
                    features: 0,
                    live: false,
                });
                (self.slots.len() - 1) as u32
            }
        };
        self.write(slot, entry);
        slot
    }

    /// Writes the entry's text at the end and points `slot` at it.
    fn write(&mut self, slot: u32, entry: &ListEntry) {
        let start = self.text.len();
        // Ids are 32 characters and names at most 100: the lengths fit; cut, never panic, if not.
        let id = &entry.client_id.as_bytes()[..entry.client_id.len().min(usize::from(u16::MAX))];
        let name = &entry.name_key.as_bytes()[..entry.name_key.len().min(usize::from(u16::MAX))];
        for field in [id, name] {
            self.text.extend_from_slice(field);
            self.text.push(SEPARATOR);
            self.bytes.add_all(field);
        }
        self.records.push((start, slot));
        self.slots[slot as usize] = Slot {
            start,
            id_len: id.len() as u16,
            name_len: name.len() as u16,
            features: entry.features,
            live: true,
        };
    }

    fn release(&mut self, slot: u32) {
        self.garbage += self.slots[slot as usize].text_len();
        self.slots[slot as usize].live = false;
        self.free.push(slot);
    }

    /// Rebuilds both orders from the live slots, compacting the text first if half is garbage.
    fn resort(&mut self) {
        self.compact_if_wasteful();
        let live: Vec<u32> = (0..self.slots.len() as u32)
            .filter(|slot| self.slots[*slot as usize].live)
            .collect();
        let mut by_id = live.clone();
        by_id.sort_unstable_by(|a, b| self.id(*a).cmp(self.id(*b)));
        let mut by_name = live;
        by_name.sort_unstable_by(|a, b| self.name_order(*a, *b));
        self.by_id = by_id;
        self.by_name = by_name;
    }

    /// Rewrites the text without its garbage once that is over half of it (slots keep their
    /// numbers, so the orders stay valid).
    fn compact_if_wasteful(&mut self) {
        if self.garbage < COMPACT_ABOVE || self.garbage * 2 < self.text.len() {
            return;
        }
        let old = std::mem::take(&mut self.text);
        self.records.clear();
        self.garbage = 0;
        self.bytes = ByteSet::default();
        for slot in 0..self.slots.len() as u32 {
            let s = self.slots[slot as usize];
            if s.live {
                let start = self.text.len();
                let record = &old[s.start..s.start + s.text_len()];
                self.text.extend_from_slice(record);
                self.bytes.add_all(record);
                self.records.push((start, slot));
                self.slots[slot as usize].start = start;
            }
        }
        self.bytes.0[usize::from(SEPARATOR >> 6)] &= !(1 << (SEPARATOR & 63));
    }

    /// Where `client_id` is (or would go) in the id order.
    fn id_position(&self, client_id: &str) -> Result<usize, usize> {
        self.by_id
            .binary_search_by(|slot| self.id(*slot).cmp(client_id.as_bytes()))
    }

    fn name_position(&self, slot: u32) -> Result<usize, usize> {
        self.by_name
            .binary_search_by(|other| self.name_order(*other, slot))
    }

    /// Applies what committed writes did, in commit order (a later change to the same property
    /// wins).
    pub fn apply(&mut self, changes: Vec<ListChange>) {
        if changes.len() > RESORT_ABOVE {
            let mut slot_of: std::collections::HashMap<String, u32> = self
                .by_id
                .iter()
                .map(|slot| (self.client_id(*slot), *slot))
                .collect();
            for (client_id, row) in changes {
                match (slot_of.get(&client_id).copied(), row) {
                    (Some(slot), Some(row)) => {
                        self.garbage += self.slots[slot as usize].text_len();
                        self.write(slot, &row);
                    }
                    (Some(slot), None) => {
                        self.release(slot);
                        slot_of.remove(&client_id);
                    }
                    (None, Some(row)) => {
                        let slot = self.allocate(&row);
                        slot_of.insert(client_id, slot);
                    }
                    (None, None) => {}
                }
            }
            self.resort();
            return;
        }
        for (client_id, row) in changes {
            self.apply_one(&client_id, row);
        }
        self.compact_if_wasteful();
    }

    fn apply_one(&mut self, client_id: &str, row: Option<ListEntry>) {
        match (self.id_position(client_id), row) {
            (Ok(id_at), None) => {
                let slot = self.by_id[id_at];
                if let Ok(name_at) = self.name_position(slot) {
                    self.by_name.remove(name_at);
                }
                self.by_id.remove(id_at);
                self.release(slot);
            }
            (Ok(id_at), Some(row)) => {
                // Most writes change neither id nor name: the orders stay as they are.
                let slot = self.by_id[id_at];
                if self.name(slot) == row.name_key.as_bytes() {
                    self.slots[slot as usize].features = row.features;
                } else {
                    if let Ok(name_at) = self.name_position(slot) {
                        self.by_name.remove(name_at);
                    }
                    self.garbage += self.slots[slot as usize].text_len();
                    self.write(slot, &row);
                    let name_at = self.name_position(slot).unwrap_or_else(|at| at);
                    self.by_name.insert(name_at, slot);
                }
            }
            (Err(id_at), Some(row)) => {
                let slot = self.allocate(&row);
                self.by_id.insert(id_at, slot);
                let name_at = self.name_position(slot).unwrap_or_else(|at| at);
                self.by_name.insert(name_at, slot);
            }
            (Err(_), None) => {}
        }
    }

    /// One page of a view and the number of matches, exactly as the SQL it replaces: a property
    /// matches when its name key or its id contains `search` and it has any of `features`.
    pub fn page(&self, query: &IndexQuery) -> IndexPage {
        let order = match query.sort {
            SortColumn::Id => &self.by_id,
            SortColumn::Name => &self.by_name,
        };
        let offset = usize::try_from(query.offset).unwrap_or(usize::MAX);
        let limit = query.limit as usize;
        if query.search.is_empty() && query.features == 0 {
            let client_ids = match query.direction {
                SortDirection::Ascending => self.ids_at(order.iter(), offset, limit),
                SortDirection::Descending => self.ids_at(order.iter().rev(), offset, limit),
            };
            return IndexPage {
                client_ids,
                total: order.len() as u64,
            };
        }
        let (matched, total) = self.matches(query.search, query.features);
        // Only as far along the order as the page's last match.
        let wanted = total.min(offset.saturating_add(limit));
        let matching = |slot: &&u32| matched[**slot as usize / 64] & (1 << (**slot % 64)) != 0;
        let client_ids = match query.direction {
            SortDirection::Ascending => {
                self.ids_at(order.iter().filter(matching).take(wanted), offset, limit)
            }
            SortDirection::Descending => self.ids_at(
                order.iter().rev().filter(matching).take(wanted),
                offset,
                limit,
            ),
        };
        IndexPage {
            client_ids,
            total: total as u64,
        }
    }

    fn ids_at<'a>(
        &self,
        slots: impl Iterator<Item = &'a u32>,
        offset: usize,
        limit: usize,
    ) -> Vec<String> {
        slots
            .skip(offset)
            .take(limit)
            .map(|slot| self.client_id(*slot))
            .collect()
    }

    /// The slots that match (a bit set) and how many.
    fn matches(&self, search: &str, features: u8) -> (Vec<u64>, usize) {
        let mut matched = vec![0u64; self.slots.len().div_ceil(64)];
        let mut total = 0;
        let mut mark = |slot: usize| {
            let bit = 1 << (slot % 64);
            if matched[slot / 64] & bit == 0 {
                matched[slot / 64] |= bit;
                total += 1;
            }
        };
        if search.is_empty() {
            for (slot, s) in self.slots.iter().enumerate() {
                if s.live && s.features & features != 0 {
                    mark(slot);
                }
            }
        } else if self.bytes.contains_all(search) {
            // Each hit is in some record (records are in text order, so a cursor finds it); a
            // record its slot has moved on from is garbage.
            let mut record = 0;
            for at in memmem::find_iter(&self.text, search.as_bytes()) {
                while record + 1 < self.records.len() && self.records[record + 1].0 <= at {
                    record += 1;
                }
                let (start, slot) = self.records[record];
                let s = &self.slots[slot as usize];
                if s.live && s.start == start && (features == 0 || s.features & features != 0) {
                    mark(slot as usize);
                }
            }
        }
        (matched, total)
    }
}

/// The index as the store shares it: the data, whether it is current, and the turn that commits
/// and loads take so changes arrive in commit order.
#[derive(Debug, Default)]
pub struct SharedListIndex {
    pub index: RwLock<ListIndex>,
    /// False until first loaded, and again after a commit whose bookkeeping was cut short (its
    /// future dropped mid-way): the next list view reloads rather than trust a stale index.
    current: AtomicBool,
    pub turn: tokio::sync::Mutex<()>,
}

impl SharedListIndex {
    pub fn is_current(&self) -> bool {
        self.current.load(AtomicOrdering::Acquire)
    }

    /// Replaces the contents with a fresh load (hold `turn`).
    pub fn replace(&self, index: ListIndex) {
        if let Ok(mut guard) = self.index.write() {
            *guard = index;
            self.current.store(true, AtomicOrdering::Release);
        }
    }

    /// Applies one commit's changes (hold `turn`).
    pub fn apply(&self, changes: Vec<ListChange>) {
        match self.index.write() {
            Ok(mut guard) => guard.apply(changes),
            Err(_) => self.mark_stale(),
        }
    }

    pub fn mark_stale(&self) {
        self.current.store(false, AtomicOrdering::Release);
    }
}

/// Marks the index stale when dropped armed: a commit that did not reach its end.
pub struct StaleUnlessFinished<'a>(pub Option<&'a SharedListIndex>);

impl StaleUnlessFinished<'_> {
    pub fn finished(mut self) {
        self.0 = None;
    }
}

impl Drop for StaleUnlessFinished<'_> {
    fn drop(&mut self) {
        if let Some(shared) = self.0 {
            shared.mark_stale();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, name: &str, features: u8) -> ListEntry {
        ListEntry {
            client_id: format!("{id:0>32}").into(),
            name_key: name.into(),
            features,
        }
    }

    fn query(search: &str) -> IndexQuery<'_> {
        IndexQuery {
            search,
            features: 0,
            sort: SortColumn::Id,
            direction: SortDirection::Ascending,
            offset: 0,
            limit: 50,
        }
    }

    fn ids(page: &IndexPage) -> Vec<&str> {
        page.client_ids
            .iter()
            .map(|id| id.trim_start_matches('0'))
            .collect()
    }

    /// The list's rule written the slow, obvious way, to compare the index against.
    fn reference(entries: &[ListEntry], q: &IndexQuery) -> IndexPage {
        let mut rows: Vec<&ListEntry> = entries
            .iter()
            .filter(|e| q.features == 0 || e.features & q.features != 0)
            .filter(|e| e.name_key.contains(q.search) || e.client_id.contains(q.search))
            .collect();
        match q.sort {
            SortColumn::Id => rows.sort_by(|a, b| a.client_id.cmp(&b.client_id)),
            SortColumn::Name => {
                rows.sort_by(|a, b| (&a.name_key, &a.client_id).cmp(&(&b.name_key, &b.client_id)))
            }
        }
        if q.direction == SortDirection::Descending {
            rows.reverse();
        }
        IndexPage {
            total: rows.len() as u64,
            client_ids: rows
                .iter()
                .skip(q.offset as usize)
                .take(q.limit as usize)
                .map(|e| e.client_id.to_string())
                .collect(),
        }
    }

    #[test]
    fn searches_names_and_ids_filters_features_and_counts() {
        let index = ListIndex::from_entries([
            entry("b1", "zeta", 1),
            entry("a2", "alpha", 2),
            entry("c3", "beta", 4),
        ]);
        assert_eq!(ids(&index.page(&query(""))), ["a2", "b1", "c3"]);
        assert_eq!(index.page(&query("")).total, 3);
        assert_eq!(ids(&index.page(&query("ta"))), ["b1", "c3"]);
        // One character, in an id only.
        assert_eq!(ids(&index.page(&query("1"))), ["b1"]);
        // A byte no name or id has answers at once.
        assert_eq!(index.page(&query("_")).total, 0);
        assert_eq!(index.page(&query("zz")).total, 0);
        let with_features = IndexQuery {
            features: 2 | 4,
            ..query("")
        };
        assert_eq!(ids(&index.page(&with_features)), ["a2", "c3"]);
        let nobody = IndexQuery {
            features: 32,
            ..query("a")
        };
        assert_eq!(index.page(&nobody).total, 0);
    }

    #[test]
    fn sorts_by_name_then_id_both_ways_and_pages() {
        let index = ListIndex::from_entries([
            entry("3", "same", 0),
            entry("1", "same", 0),
            entry("2", "alpha", 0),
            entry("4", "zulu", 0),
        ]);
        let by_name = IndexQuery {
            sort: SortColumn::Name,
            ..query("")
        };
        assert_eq!(ids(&index.page(&by_name)), ["2", "1", "3", "4"]);
        let desc = IndexQuery {
            direction: SortDirection::Descending,
            ..by_name
        };
        assert_eq!(ids(&index.page(&desc)), ["4", "3", "1", "2"]);
        let second_page = IndexQuery {
            offset: 2,
            limit: 2,
            ..desc
        };
        assert_eq!(ids(&index.page(&second_page)), ["1", "2"]);
        let filtered_page = IndexQuery {
            offset: 1,
            limit: 1,
            ..IndexQuery {
                sort: SortColumn::Name,
                ..query("same")
            }
        };
        let page = index.page(&filtered_page);
        assert_eq!((ids(&page), page.total), (vec!["3"], 2));
        let past_the_end = IndexQuery {
            offset: 10,
            ..query("same")
        };
        let page = index.page(&past_the_end);
        assert_eq!((page.client_ids.len(), page.total), (0, 2));
    }

    #[test]
    fn changes_create_rename_refeature_and_delete_one_by_one_and_in_bulk() {
        for bulk in [false, true] {
            let mut index = ListIndex::from_entries([entry("1", "one", 1), entry("2", "two", 1)]);
            let mut changes = vec![
                (format!("{:0>32}", "3"), Some(entry("3", "three", 2))),
                (format!("{:0>32}", "1"), Some(entry("1", "uno", 4))),
                (format!("{:0>32}", "2"), None),
                (format!("{:0>32}", "9"), None),
            ];
            if bulk {
                // Padding with no-op deletes pushes the commit over the re-sort threshold.
                changes
                    .extend((0..RESORT_ABOVE).map(|n| (format!("{:0>32}", format!("x{n}")), None)));
            }
            index.apply(changes);
            let by_name = IndexQuery {
                sort: SortColumn::Name,
                ..query("")
            };
            assert_eq!(ids(&index.page(&by_name)), ["3", "1"], "bulk: {bulk}");
            assert_eq!(index.page(&query("one")).total, 0, "bulk: {bulk}");
            assert_eq!(ids(&index.page(&query("uno"))), ["1"], "bulk: {bulk}");
            let refeatured = IndexQuery {
                features: 4,
                ..query("")
            };
            assert_eq!(ids(&index.page(&refeatured)), ["1"], "bulk: {bulk}");
            assert_eq!(index.len(), 2);
        }
    }

    #[test]
    fn renames_leave_garbage_that_never_matches_and_is_compacted() {
        let mut index = ListIndex::from_entries([entry("1", "first", 0), entry("2", "second", 0)]);
        let mut largest = 0;
        for round in 0.. {
            let name = format!("name {round} {}", "x".repeat(60));
            index.apply(vec![(format!("{:0>32}", "1"), Some(entry("1", &name, 0)))]);
            if index.text.len() < largest {
                break;
            }
            largest = index.text.len();
            assert!(round < 100_000, "never compacted");
            if round == 10 {
                // The old names are still in the text but match nothing.
                assert_eq!(index.page(&query("first")).total, 0);
                assert_eq!(index.page(&query("name 0 ")).total, 0);
                assert_eq!(index.page(&query("xxx")).total, 1);
            }
        }
        assert!(largest >= COMPACT_ABOVE, "compacted at {largest} bytes");
        assert!(
            index.text.len() < 1000,
            "compacted: {} bytes",
            index.text.len()
        );
        index.apply(vec![(
            format!("{:0>32}", "1"),
            Some(entry("1", "final", 0)),
        )]);
        let by_name = IndexQuery {
            sort: SortColumn::Name,
            ..query("")
        };
        assert_eq!(ids(&index.page(&by_name)), ["1", "2"]);
        assert_eq!(ids(&index.page(&query("final"))), ["1"]);
        assert_eq!(index.page(&query("xxx")).total, 0);
        assert_eq!(ids(&index.page(&query("second"))), ["2"]);
    }

    /// Many random views over many random changes agree with the obvious implementation.
    #[test]
    fn agrees_with_the_obvious_implementation() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let names = ["ab", "ba", "abc", "b", "cab", "", "é", "aé"];
        let mut truth: std::collections::BTreeMap<String, ListEntry> = Default::default();
        let mut index = ListIndex::default();
        for round in 0..300 {
            let mut changes = Vec::new();
            let count = if round % 50 == 0 { 600 } else { 1 + next(4) };
            for _ in 0..count {
                let id = format!("{:0>32}", next(40));
                let row = (next(4) != 0).then(|| ListEntry {
                    client_id: id.clone().into(),
                    name_key: format!("{}{}", names[next(8) as usize], next(3)).into(),
                    features: next(8) as u8,
                });
                match &row {
                    Some(row) => truth.insert(id.clone(), row.clone()),
                    None => truth.remove(&id),
                };
                changes.push((id, row));
            }
            index.apply(changes);
            let entries: Vec<ListEntry> = truth.values().cloned().collect();
            for search in ["", "a", "b", "ab", "é", "1", "00", "zz"] {
                let q = IndexQuery {
                    search,
                    features: [0, 1, 6][next(3) as usize],
                    sort: [SortColumn::Id, SortColumn::Name][next(2) as usize],
                    direction: [SortDirection::Ascending, SortDirection::Descending]
                        [next(2) as usize],
                    offset: next(12),
                    limit: 1 + next(6) as u32,
                };
                assert_eq!(index.page(&q), reference(&entries, &q), "{q:?}");
            }
        }
    }
}
