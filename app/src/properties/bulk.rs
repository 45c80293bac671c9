//! Bulk actions on Manage Properties (issue #19): a checkbox per row and one for the page, "Select
//! all N matching" (the whole filtered result, on every page), a bar with the actions and their
//! confirmation dialogs, and the Export link (the filter, or the selection).
//!
//! The list keeps only the checkboxes and the Export link in its own code. The bar and the dialogs
//! are a lazy function: their code loads apart from the landing page's, on the first selection.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::list::ListAnswer;
use super::model::{encode_query_value, ListView};
use super::server_fns::{apply_bulk_change, count_bulk_selection, BulkCount, BulkResult};
use crate::domain::bulk::{parse_range, BulkChange, BulkTarget};
use crate::domain::capitalize;
use crate::domain::features::Feature;
use crate::error::ConsoleError;
use crate::ui::toast::Toasts;
use crate::ui::{focus_later, use_toasts, Dialog};

/// Where the Export link downloads from (server/src/export.rs).
pub const EXPORT_PATH: &str = "/properties/export";

/// The id of the "Select all on this page" checkbox, where focus goes when the selection is cleared.
const SELECT_PAGE_ID: &str = "select-page";

/// What is ticked: properties one by one, or everything the search and filter match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Picked {
    ids: Vec<String>,
    all_matching: bool,
}

/// The list's selection, shared with the rows, the bar and the Export link. Paging, sorting and
/// the page size keep it; another search or filter is another set of properties and clears it.
#[derive(Clone, Copy)]
pub struct Selection {
    picked: RwSignal<Picked>,
    view: Memo<ListView>,
    /// What the list shows: the page's rows and how many properties match in all.
    answer: RwSignal<ListAnswer>,
    refresh: RwSignal<u32>,
}

/// Sets up the selection of the list page (`answer` is what the list shows, `refresh` reloads it).
pub fn provide_selection(
    view: Memo<ListView>,
    answer: RwSignal<ListAnswer>,
    refresh: RwSignal<u32>,
) {
    let picked = RwSignal::new(Picked::default());
    Effect::new(move |shown: Option<String>| {
        // The search and filter as the address has them (paging and sorting left out).
        let filter = view.with(|v| {
            ListView {
                search: v.search.trim().to_string(),
                features: v.features.clone(),
                ..ListView::default()
            }
            .to_query()
        });
        if shown.is_some_and(|shown| shown != filter) {
            picked.set(Picked::default());
        }
        filter
    });
    provide_context(Selection {
        picked,
        view,
        answer,
        refresh,
    });
}

impl Selection {
    /// The client ids on the page shown, and how many properties match in all.
    fn page(&self) -> (Vec<String>, u64) {
        self.answer.with(|(_, result)| match result {
            Ok(result) => (
                result
                    .rows
                    .iter()
                    .map(|row| row.client_id.clone())
                    .collect(),
                result.total,
            ),
            Err(_) => (Vec::new(), 0),
        })
    }

    /// How many properties are selected.
    fn count(&self) -> u64 {
        let total = self.page().1;
        self.picked.with(|p| {
            if p.all_matching {
                total
            } else {
                p.ids.len() as u64
            }
        })
    }

    fn is_picked(&self, id: &str) -> bool {
        self.picked
            .with(|p| p.all_matching || p.ids.iter().any(|x| x == id))
    }

    /// (every row of the page is selected, some are).
    fn page_state(&self) -> (bool, bool) {
        let (ids, _) = self.page();
        self.picked.with(|p| {
            let n = if p.all_matching {
                ids.len()
            } else {
                ids.iter().filter(|id| p.ids.contains(id)).count()
            };
            (!ids.is_empty() && n == ids.len(), n > 0)
        })
    }

    /// When the whole page is selected and more properties match: how many match.
    fn more_matching(&self) -> Option<u64> {
        let (all, _) = self.page_state();
        let (ids, total) = self.page();
        let shown = ids.len() as u64;
        let everything = self.picked.with(|p| p.all_matching);
        (all && !everything && total > shown).then_some(total)
    }

    fn set_one(&self, id: &str, on: bool) {
        let page = untrack(|| self.page().0);
        self.picked.update(|p| {
            if p.all_matching {
                // Leaving "all matching": what stays selected is what the page shows.
                *p = Picked {
                    ids: page,
                    all_matching: false,
                };
            }
            p.ids.retain(|x| x != id);
            if on {
                p.ids.push(id.to_string());
            }
        });
    }

    fn set_page(&self, on: bool) {
        let page = untrack(|| self.page().0);
        self.picked.update(|p| {
            if p.all_matching {
                *p = Picked::default();
            }
            p.ids.retain(|id| !page.contains(id));
            if on {
                p.ids.extend(page);
            }
        });
    }

    fn clear(&self) {
        self.picked.set(Picked::default());
    }

    /// The selection for the server: the ids, or the list's search and filter.
    fn target(&self) -> BulkTarget {
        let view = self.view.get_untracked();
        self.picked.with_untracked(|p| {
            if p.all_matching {
                BulkTarget::Matching {
                    search: view.search.trim().to_string(),
                    features: view.features,
                }
            } else {
                BulkTarget::Ids(p.ids.clone())
            }
        })
    }

    /// The Export link: the selection's ids, else the list's search and filter.
    fn export_href(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        self.picked.with(|p| {
            if !p.all_matching {
                pairs.extend(p.ids.iter().map(|id| ("id", id.clone())));
            }
        });
        if pairs.is_empty() {
            self.view.with(|v| {
                if !v.search.trim().is_empty() {
                    pairs.push(("search", v.search.trim().to_string()));
                }
                pairs.extend(
                    v.features
                        .iter()
                        .map(|f| ("feature", f.as_str().to_string())),
                );
            });
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
            .collect();
        if query.is_empty() {
            EXPORT_PATH.to_string()
        } else {
            format!("{EXPORT_PATH}?{}", query.join("&"))
        }
    }
}

/// The selection column's header cell: "Select all on this page" (mixed when some rows are).
pub fn select_page_header() -> AnyView {
    let sel = expect_context::<Selection>();
    view! {
        <th scope="col" class="select-cell">
            <label class="select-target">
                <input
                    type="checkbox"
                    id=SELECT_PAGE_ID
                    aria-label="Select all on this page"
                    prop:checked=move || sel.page_state().0
                    prop:indeterminate=move || {
                        let (all, some) = sel.page_state();
                        some && !all
                    }
                    on:change=move |ev| sel.set_page(event_target_checked(&ev))
                />
            </label>
        </th>
    }
    .into_any()
}

/// A row's selection cell: "Select <name>". A click in it never opens the row.
pub fn select_cell(id: String, name: &str) -> AnyView {
    let sel = expect_context::<Selection>();
    let label = format!("Select {name}");
    let checked = {
        let id = id.clone();
        move || sel.is_picked(&id)
    };
    view! {
        <td class="select-cell" on:click=|ev| ev.stop_propagation()>
            <label class="select-target">
                <input
                    type="checkbox"
                    aria-label=label
                    prop:checked=checked
                    on:change=move |ev| sel.set_one(&id, event_target_checked(&ev))
                />
            </label>
        </td>
    }
    .into_any()
}

/// "Export": downloads the document of the selection, or of the list's search and filter.
pub fn export_link() -> AnyView {
    let sel = expect_context::<Selection>();
    view! {
        <a class="button" href=move || sel.export_href()>
            {crate::icons::download()}
            "Export"
        </a>
    }
    .into_any()
}

/// The bar above the list while something is selected. Its code, and the dialogs', is loaded on
/// the first selection (a lazy function: its own wasm chunk).
pub fn bulk_bar() -> impl IntoView {
    let sel = expect_context::<Selection>();
    let toasts = use_toasts();
    let shown = Memo::new(move |_| sel.count() > 0);
    move || {
        shown.get().then(|| {
            // The browser's loader future stays on its one thread; the server's is Send already
            // (and never runs: nothing is selected on the server).
            #[cfg(feature = "hydrate")]
            let bar = leptos::__reexports::send_wrapper::SendWrapper::new(bar_view(sel, toasts));
            #[cfg(not(feature = "hydrate"))]
            let bar = bar_view(sel, toasts);
            Suspend::new(bar)
        })
    }
}

/// The four actions of the bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    AddFeature,
    RemoveFeature,
    AddIpRange,
    Delete,
}

impl Action {
    const ALL: [Action; 4] = [
        Action::AddFeature,
        Action::RemoveFeature,
        Action::AddIpRange,
        Action::Delete,
    ];

    /// (bar button, dialog title, confirm button, confirm button while working)
    fn words(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Action::AddFeature => ("Add feature…", "Add a feature", "Add feature", "Adding…"),
            Action::RemoveFeature => (
                "Remove feature…",
                "Remove a feature",
                "Remove feature",
                "Removing…",
            ),
            Action::AddIpRange => (
                "Add IP range…",
                "Add an IP range",
                "Add IP range",
                "Adding…",
            ),
            Action::Delete => (
                "Delete…",
                "Delete the selected properties?",
                "Delete",
                "Deleting…",
            ),
        }
    }
}

/// "1 property", "12 properties".
fn properties(n: u64) -> String {
    if n == 1 {
        "1 property".to_string()
    } else {
        format!("{n} properties")
    }
}

/// What the confirmation says the action will do, with the server's count.
fn summary(action: Action, count: BulkCount) -> String {
    let n = count.selected as u64;
    let each = if n == 1 {
        "the selected property".to_string()
    } else {
        format!("each of the {n} selected properties")
    };
    let rules =
        " The feature rules are checked for every one: if any would break, nothing changes.";
    match action {
        Action::AddFeature => {
            format!("The feature is added to {each} that does not have it yet.{rules}")
        }
        Action::RemoveFeature => format!("The feature is removed from {each} that has it.{rules}"),
        Action::AddIpRange => {
            format!("The range is added to the IP whitelist of {each} that does not have it yet.")
        }
        Action::Delete => {
            let owners = count.owners as u64;
            let doomed = n - owners.min(n);
            let skipped = match owners {
                0 => String::new(),
                1 => " 1 owner among them is skipped: owner properties cannot be deleted.".into(),
                k => format!(
                    " {k} owners among them are skipped: owner properties cannot be deleted."
                ),
            };
            if doomed == 0 {
                format!(
                    "{} selected.{skipped} Nothing will be deleted.",
                    properties(n)
                )
            } else {
                let its = if doomed == 1 { "its" } else { "their" };
                format!(
                    "{} will be deleted with {its} settings.{skipped} Applications using {its} credentials stop working. There is no undo.",
                    properties(doomed)
                )
            }
        }
    }
}

/// The toast after an action: "Feature added to 12 properties. 3 properties unchanged."
fn result_message(change: &BulkChange, result: BulkResult) -> String {
    let mut message = format!(
        "{} {}.",
        change.done_label(),
        properties(result.changed as u64)
    );
    if result.unchanged > 0 {
        message.push_str(&format!(
            " {} unchanged (already so).",
            properties(result.unchanged as u64)
        ));
    }
    match result.skipped_owners {
        0 => {}
        1 => message.push_str(" 1 owner skipped."),
        k => message.push_str(&format!(" {k} owners skipped.")),
    }
    message
}

#[lazy]
fn bar_view(sel: Selection, toasts: Toasts) -> AnyView {
    let open = RwSignal::new(None::<Action>);
    let close = Callback::new(move |_| open.set(None));
    let done = Callback::new(move |(change, result): (BulkChange, BulkResult)| {
        toasts.show(result_message(&change, result));
        sel.clear();
        sel.refresh.update(|n| *n += 1);
    });
    let counted = move || {
        let n = sel.count();
        if sel.picked.with(|p| p.all_matching) {
            format!("All {} matching selected", n)
        } else {
            format!("{n} selected")
        }
    };
    view! {
        <div class="bulk-bar" role="region" aria-label="Selected properties">
            <p class="bulk-count" aria-live="polite">{counted}</p>
            {move || {
                sel.more_matching()
                    .map(|total| {
                        view! {
                            <button
                                type="button"
                                class="link"
                                on:click=move |_| {
                                    sel.picked
                                        .set(Picked {
                                            ids: Vec::new(),
                                            all_matching: true,
                                        });
                                    focus_later("bulk-clear".into());
                                }
                            >
                                {format!("Select all {total} matching")}
                            </button>
                        }
                    })
            }}
            <button
                type="button"
                class="link"
                id="bulk-clear"
                on:click=move |_| {
                    sel.clear();
                    focus_later(SELECT_PAGE_ID.into());
                }
            >
                "Clear selection"
            </button>
            <div class="bulk-actions">
                {Action::ALL
                    .into_iter()
                    .map(|action| {
                        view! {
                            <button type="button" on:click=move |_| open.set(Some(action))>
                                {action.words().0}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            {move || open.get().map(|action| bulk_dialog(sel, action, close, done))}
        </div>
    }
    .into_any()
}

/// An action's dialog: the count from the server (and, for a delete, the owners skipped), the
/// feature or the range, then the change. A refusal is shown beside the field; nothing typed is
/// lost.
fn bulk_dialog(
    sel: Selection,
    action: Action,
    on_cancel: Callback<()>,
    on_done: Callback<(BulkChange, BulkResult)>,
) -> AnyView {
    let (_, title, confirm, working) = action.words();
    let target = sel.target();
    let count = RwSignal::new(None::<Result<BulkCount, ConsoleError>>);
    {
        let target = target.clone();
        spawn_local(async move {
            count.set(Some(count_bulk_selection(target).await));
        });
    }
    // The feature's name or the range, as typed; the field's error; an error about the rest.
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let ready = move || {
        count.with(|c| match c {
            Some(Ok(c)) => action != Action::Delete || c.selected > c.owners,
            _ => false,
        })
    };
    let field = match action {
        Action::AddIpRange => "whitelist",
        _ => "features",
    };
    let check = move |typed: &str| -> Result<BulkChange, String> {
        match action {
            Action::AddFeature | Action::RemoveFeature => match typed.parse::<Feature>() {
                Ok(f) if action == Action::AddFeature => Ok(BulkChange::AddFeature(f)),
                Ok(f) => Ok(BulkChange::RemoveFeature(f)),
                Err(_) => Err("Choose a feature.".into()),
            },
            Action::AddIpRange => parse_range(typed)
                .map(BulkChange::AddIpRange)
                .map_err(|e| capitalize(&e.reason())),
            Action::Delete => Ok(BulkChange::Delete),
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !ready() {
            return;
        }
        let change = match check(&value.get_untracked()) {
            Ok(change) => change,
            Err(reason) => {
                error.set(Some(reason));
                focus_later("bulk-field".into());
                return;
            }
        };
        busy.set(true);
        problem.set(None);
        let target = target.clone();
        spawn_local(async move {
            match apply_bulk_change(target, change.clone()).await {
                Ok(result) => on_done.run((change, result)),
                Err(refused) => match refused.for_field(field) {
                    Some(reason) => {
                        error.set(Some(reason));
                        focus_later("bulk-field".into());
                    }
                    None => problem.set(Some(refused.to_string())),
                },
            }
            busy.set(false);
        });
    };
    let on_value = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev);
        // A range is checked as it is typed; a feature once chosen is fine.
        error.set(match action {
            Action::AddIpRange if !typed.trim().is_empty() => check(&typed).err(),
            _ => None,
        });
        value.set(typed);
    };
    let invalid = move || error.with(|e| e.is_some()).to_string();
    let input = match action {
        Action::Delete => ().into_any(),
        Action::AddIpRange => view! {
            <label for="bulk-field">"IP range"</label>
            <input
                id="bulk-field"
                type="text"
                autocomplete="off"
                spellcheck="false"
                prop:value=move || value.get()
                on:input=on_value
                aria-invalid=invalid
                aria-describedby="bulk-field-hint bulk-field-error"
            />
            <p id="bulk-field-hint" class="field-hint">
                "An address (10.0.4.7) or a CIDR range (10.0.0.0/8, 2001:db8::/32)."
            </p>
        }
        .into_any(),
        _ => view! {
            <label for="bulk-field">"Feature"</label>
            <select
                id="bulk-field"
                prop:value=move || value.get()
                on:change=on_value
                aria-invalid=invalid
                aria-describedby="bulk-field-error"
            >
                <option value="">"Choose a feature"</option>
                {Feature::ALL
                    .into_iter()
                    .map(|f| view! { <option value=f.as_str()>{f.as_str()}</option> })
                    .collect_view()}
            </select>
        }
        .into_any(),
    };
    let summary = move || match count.get() {
        None => "Counting the selected properties…".to_string(),
        Some(Ok(count)) => summary(action, count),
        Some(Err(refused)) => refused.to_string(),
    };
    view! {
        <Dialog
            title=title.to_string()
            on_cancel=on_cancel
            role=if action == Action::Delete { "alertdialog" } else { "dialog" }
        >
            <form on:submit=submit novalidate>
                <p aria-live="polite">{summary}</p>
                {(action != Action::Delete)
                    .then(|| {
                        view! {
                            <div class="field">
                                {input}
                                <p id="bulk-field-error" class="field-error" role="alert">
                                    {move || error.get()}
                                </p>
                            </div>
                        }
                    })}
                <p class="field-error" role="alert">{move || problem.get()}</p>
                <div class="form-actions">
                    <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    <button
                        type="submit"
                        class=if action == Action::Delete { "danger" } else { "primary" }
                        aria-disabled=move || (busy.get() || !ready()).to_string()
                    >
                        {move || if busy.get() { working } else { confirm }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dialog_counts_and_the_toast_reports() {
        let count = |selected, owners| BulkCount { selected, owners };
        assert!(summary(Action::AddFeature, count(12, 0)).contains("each of the 12 selected"));
        assert!(summary(Action::RemoveFeature, count(1, 0)).contains("the selected property "));
        assert_eq!(
            summary(Action::Delete, count(5, 2)),
            "3 properties will be deleted with their settings. 2 owners among them are skipped: \
             owner properties cannot be deleted. Applications using their credentials stop \
             working. There is no undo."
        );
        assert!(
            summary(Action::Delete, count(2, 1)).starts_with("1 property will be deleted with its")
        );
        assert!(summary(Action::Delete, count(2, 2)).ends_with("Nothing will be deleted."));

        let result = |changed, unchanged, skipped_owners| BulkResult {
            changed,
            unchanged,
            skipped_owners,
        };
        assert_eq!(
            result_message(
                &BulkChange::AddFeature(Feature::DirectAccess),
                result(12, 0, 0)
            ),
            "Feature added to 12 properties."
        );
        assert_eq!(
            result_message(
                &BulkChange::AddIpRange("10.0.0.0/8".into()),
                result(1, 3, 0)
            ),
            "IP range added to 1 property. 3 properties unchanged (already so)."
        );
        assert_eq!(
            result_message(&BulkChange::Delete, result(3, 0, 2)),
            "Deleted 3 properties. 2 owners skipped."
        );
    }
}
