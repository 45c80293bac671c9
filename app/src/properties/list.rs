//! Manage Properties (SPEC 3.1): search, feature filter, sort, paging; every bit of it in SQL on the
//! server, with the view kept in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::bulk::{self, bulk_bar, export_link, select_cell, select_page_header};
use super::dialogs::{CopyDialog, DeleteDialog};
use super::model::{ListResult, ListView, PropertySummary, SortColumn, SortDirection, PAGE_SIZES};
use super::server_fns::list_properties;
use crate::auth::{Permission, Principal};
use crate::domain::features::Feature;
use crate::error::ConsoleError;
use crate::icons;
use crate::ui::history::{addressed_view, record_in_history, AddressedView};
use crate::ui::viewer::can;
use crate::ui::viewer::{start_page_island, with_viewer_and};
use crate::ui::{navigate_to, use_toasts, ToastRegion};

/// How long typing pauses before the search runs.
const SEARCH_DEBOUNCE_MS: u64 = 250;

/// One answer of the list query, with the (view, refresh count) request it answers.
pub(super) type ListAnswer = ((ListView, u32), Result<ListResult, ConsoleError>);

#[derive(Clone, Debug)]
enum OpenDialog {
    Copy(PropertySummary),
    Delete(PropertySummary),
}

/// The route: reads the view from the address, loads its first page and hands both to the page
/// island, which so starts with the rows in place.
#[component]
pub fn PropertiesRoute() -> impl IntoView {
    let query = use_query_map();
    let initial = query.with_untracked(|q| ListView::from_query(|key| q.get_str(key)));
    view! {
        <Title text="Manage Properties · Gatehouse"/>
        {with_viewer_and(
            {
                let initial = initial.clone();
                move || list_properties(initial.clone())
            },
            move |viewer, first| view! { <PropertiesPage viewer initial=initial.clone() first/> },
        )}
    }
}

/// Not lazy: the console's landing page ships in the entry bundle, so opening it costs no further
/// round trip and the code every page shares with it is not split into cross-chunk calls.
#[island]
fn PropertiesPage(
    viewer: Option<Principal>,
    initial: ListView,
    first: Result<ListResult, ConsoleError>,
) -> impl IntoView {
    start_page_island(viewer);
    let AddressedView {
        current,
        view: view_state,
        refresh,
        answer,
        busy,
    } = addressed_view(
        initial,
        first,
        |query| ListView::from_query(|key| query.get(key)),
        list_properties,
    );
    let dialog = RwSignal::new(None::<OpenDialog>);
    let open_menu = RwSignal::new(None::<String>);
    let toasts = use_toasts();

    let go = Callback::new(move |(view, replace): (ListView, bool)| {
        let query = view.to_query();
        let url = if query.is_empty() {
            "/".to_string()
        } else {
            format!("/?{query}")
        };
        record_in_history(&url, replace);
        current.set(view);
    });

    remember_page_size(view_state, answer, refresh);
    bulk::provide_selection(view_state, answer, refresh);

    let on_copied = Callback::new(move |copy: PropertySummary| {
        dialog.set(None);
        refresh.update(|n| *n += 1);
        toasts.show(format!("Property copied as \u{201c}{}\u{201d}.", copy.name));
    });
    let on_deleted = Callback::new(move |gone: PropertySummary| {
        dialog.set(None);
        refresh.update(|n| *n += 1);
        toasts.show(format!("Property \u{201c}{}\u{201d} deleted.", gone.name));
    });
    let close_dialog = Callback::new(move |_| dialog.set(None));

    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Manage Properties"</h1>
                {can(Permission::Write).then(|| view! {
                    <a class="button" href="/properties/import">{icons::upload()}"Import"</a>
                })}
                {can(Permission::Write).then(|| view! {
                    <a class="button primary" href="/properties/new">
                        {icons::plus()}
                        "Create Property"
                    </a>
                })}
            </header>
            // A grid: on a desktop the rows per page sit beside the pager below the table; on a
            // phone (the stylesheet's breakpoint) above the cards, with a second pager there too.
            <div class="list-view">
            <div class="toolbar">
                <SearchBox view_state go/>
                <FeatureFilter view_state go/>
                {export_link()}
            </div>
            <ActiveFilter view_state go/>
            {bulk_bar()}
            {move || {
                answer
                    .with(|(_, result)| match result.clone() {
                        Ok(result) => {
                            view! {
                                <RowsPerPage rows_per_page=result.rows_per_page view_state go/>
                                <Pager result=result.clone() view_state go top=true/>
                                <PropertyTable result=result.clone() view_state go dialog open_menu busy/>
                                <Pager result view_state go top=false/>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <div class="notice error" role="alert">
                                    <p>"The properties could not be loaded. " {error.to_string()}</p>
                                    <button type="button" on:click=move |_| refresh.update(|n| *n += 1)>
                                        {icons::refresh()}
                                        "Try again"
                                    </button>
                                </div>
                            }
                                .into_any()
                        }
                    })
            }}
            </div>
        </section>
        {move || match dialog.get() {
            Some(OpenDialog::Copy(source)) => {
                view! { <CopyDialog source on_cancel=close_dialog on_copied/> }.into_any()
            }
            Some(OpenDialog::Delete(property)) => {
                view! { <DeleteDialog property on_cancel=close_dialog on_deleted/> }.into_any()
            }
            None => ().into_any(),
        }}
        <ToastRegion/>
    }
}

/// "Search properties": runs as you type, after a short pause, and keeps the URL in step.
#[component]
fn SearchBox(view_state: Memo<ListView>, go: Callback<(ListView, bool)>) -> impl IntoView {
    let text = RwSignal::new(view_state.get_untracked().search);
    // What this box last sent to the URL; a different search in the URL came from back / forward.
    let sent = StoredValue::new(text.get_untracked());
    Effect::new(move |_| {
        let search = view_state.get().search;
        if search != sent.get_value() {
            sent.set_value(search.clone());
            text.set(search);
        }
    });
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                sent.set_value(value.clone());
                let view = ListView {
                    search: value.clone(),
                    page: 1,
                    ..view_state.get_untracked()
                };
                go.run((view, true));
            },
            std::time::Duration::from_millis(SEARCH_DEBOUNCE_MS),
        )
        .ok();
        timer.set_value(handle);
    };
    view! {
        <div class="search-box">
            <label for="property-search" class="visually-hidden">"Search properties"</label>
            {icons::search()}
            <input
                id="property-search"
                type="search"
                placeholder="Search properties"
                autocomplete="off"
                spellcheck="false"
                maxlength="100"
                prop:value=move || text.get()
                on:input=on_input
            />
        </div>
    }
}

/// "Filter by feature": checkboxes; rows with any checked feature are shown.
#[component]
fn FeatureFilter(view_state: Memo<ListView>, go: Callback<(ListView, bool)>) -> impl IntoView {
    let open = RwSignal::new(false);
    let toggle = move |feature: Feature, checked: bool| {
        let mut view = view_state.get_untracked();
        view.features.retain(|f| *f != feature);
        if checked {
            view.features.push(feature);
            view.features.sort();
        }
        view.page = 1;
        go.run((view, false));
    };
    let count = move || view_state.with(|v| v.features.len());
    view! {
        <div
            class="menu-anchor"
            on:keydown=move |ev| {
                if ev.key() == "Escape" && open.get_untracked() {
                    open.set(false);
                    focus_by_id("feature-filter-button");
                }
            }
        >
            <button
                type="button"
                id="feature-filter-button"
                aria-expanded=move || open.get().to_string()
                aria-controls="feature-filter"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {icons::filter()}
                "Filter by feature"
                <Show when=move || { count() > 0 }>
                    <span class="chip">{count}</span>
                </Show>
            </button>
            <Show when=move || open.get()>
                <div class="menu-dismiss" on:click=move |_| open.set(false)></div>
                <fieldset id="feature-filter" class="menu left">
                    <legend class="visually-hidden">"Filter by feature"</legend>
                    {Feature::ALL
                        .into_iter()
                        .map(|feature| {
                            view! {
                                <label class="checkbox">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || view_state.with(|v| v.features.contains(&feature))
                                        on:change=move |ev| toggle(feature, event_target_checked(&ev))
                                    />
                                    <span class="mono">{feature.as_str()}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
            </Show>
        </div>
    }
}

/// Shows the active feature filter, each feature removable, and a way to clear it.
#[component]
fn ActiveFilter(view_state: Memo<ListView>, go: Callback<(ListView, bool)>) -> impl IntoView {
    view! {
        <Show when=move || view_state.with(|v| !v.features.is_empty())>
            <div class="active-filter" role="group" aria-label="Active filter">
                <span class="muted">"Showing properties with any of:"</span>
                {move || {
                    view_state
                        .get()
                        .features
                        .into_iter()
                        .map(|feature| {
                            view! {
                                <button
                                    type="button"
                                    class="chip removable"
                                    aria-label=format!("Remove {} from the filter", feature.as_str())
                                    on:click=move |_| {
                                        let mut view = view_state.get_untracked();
                                        view.features.retain(|f| *f != feature);
                                        view.page = 1;
                                        go.run((view, false));
                                    }
                                >
                                    {feature.as_str()}
                                    {icons::close()}
                                </button>
                            }
                        })
                        .collect_view()
                }}
                <button
                    type="button"
                    class="link"
                    on:click=move |_| {
                        let view = ListView { features: vec![], page: 1, ..view_state.get_untracked() };
                        go.run((view, false));
                    }
                >
                    "Clear filter"
                </button>
            </div>
        </Show>
    }
}

#[component]
fn PropertyTable(
    result: ListResult,
    view_state: Memo<ListView>,
    go: Callback<(ListView, bool)>,
    dialog: RwSignal<Option<OpenDialog>>,
    open_menu: RwSignal<Option<String>>,
    busy: Signal<bool>,
) -> impl IntoView {
    let empty = result.rows.is_empty();
    let filtered =
        view_state.with_untracked(|v| !v.search.trim().is_empty() || !v.features.is_empty());
    let selectable = can(Permission::Write);
    view! {
        <div class="table-wrap" aria-busy=move || busy.get().to_string()>
            <table class=if selectable { "data property-table selectable" } else { "data property-table" }>
                <caption class="visually-hidden">"Properties"</caption>
                <thead>
                    <tr>
                        {selectable.then(select_page_header)}
                        <SortHeader label="Id" column=SortColumn::Id view_state go/>
                        <SortHeader label="Name" column=SortColumn::Name view_state go/>
                        <th scope="col">"Features"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {if empty {
                        view! {
                            <tr class="empty-row">
                                <td colspan=if selectable { "5" } else { "4" }>
                                    {if filtered {
                                        "No properties match this search and filter. Clear them to see every property."
                                    } else {
                                        "There are no properties yet. Create one with \u{201c}Create Property\u{201d}."
                                    }}
                                </td>
                            </tr>
                        }
                            .into_any()
                    } else {
                        result
                            .rows
                            .into_iter()
                            .map(|row| view! { <PropertyRow row dialog open_menu/> })
                            .collect_view()
                            .into_any()
                    }}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn SortHeader(
    label: &'static str,
    column: SortColumn,
    view_state: Memo<ListView>,
    go: Callback<(ListView, bool)>,
) -> impl IntoView {
    let state = move || view_state.with(|v| (v.sort == column).then_some(v.direction));
    view! {
        <th
            scope="col"
            aria-sort=move || match state() {
                Some(SortDirection::Ascending) => "ascending",
                Some(SortDirection::Descending) => "descending",
                None => "none",
            }
        >
            <button
                type="button"
                class="sort"
                on:click=move |_| go.run((view_state.get_untracked().toggled_sort(column), false))
            >
                {label}
                {move || match state() {
                    Some(SortDirection::Ascending) => icons::arrow_up().into_any(),
                    Some(SortDirection::Descending) => icons::arrow_down().into_any(),
                    None => ().into_any(),
                }}
            </button>
        </th>
    }
}

#[component]
fn PropertyRow(
    row: PropertySummary,
    dialog: RwSignal<Option<OpenDialog>>,
    open_menu: RwSignal<Option<String>>,
) -> impl IntoView {
    let href = format!("/properties/{}", row.client_id);
    let open_row = {
        let href = href.clone();
        move |_| navigate_to(&href)
    };
    let features = row
        .features
        .iter()
        .map(|f| {
            let class = if *f == Feature::Owner {
                "chip owner"
            } else {
                "chip"
            };
            view! { <span class=class>{f.as_str()}</span> }
        })
        .collect_view();
    view! {
        <tr class="clickable" on:click=open_row>
            {can(Permission::Write).then(|| select_cell(row.client_id.clone(), &row.name))}
            <td class="mono id-cell" data-label="Id">{row.client_id.clone()}</td>
            <td class="name-cell">
                <a href=href on:click=|ev| ev.stop_propagation()>
                    {row.name.clone()}
                </a>
            </td>
            <td class="features-cell" data-label="Features">{features}</td>
            <td class="actions" on:click=|ev| ev.stop_propagation()>
                {move || can(Permission::Write).then(|| view! { <ActionsMenu row=row.clone() dialog open_menu/> })}
            </td>
        </tr>
    }
}

/// The row's Actions menu: Copy, Delete (unavailable for owners, with the reason).
#[component]
fn ActionsMenu(
    row: PropertySummary,
    dialog: RwSignal<Option<OpenDialog>>,
    open_menu: RwSignal<Option<String>>,
) -> impl IntoView {
    let id = row.client_id.clone();
    let is_open = {
        let id = id.clone();
        Signal::derive(move || open_menu.with(|open| open.as_deref() == Some(id.as_str())))
    };
    let button_id = format!("actions-{}", row.client_id);
    let menu_id = format!("actions-menu-{}", row.client_id);
    let owner = row.is_owner();
    let copy_row = row.clone();
    let delete_row = row.clone();
    let toggle = {
        let id = id.clone();
        let menu_id = menu_id.clone();
        move |_| {
            let opening = open_menu.with_untracked(|open| open.as_deref() != Some(id.as_str()));
            open_menu.set(opening.then(|| id.clone()));
            if opening {
                focus_first_item(&menu_id);
            }
        }
    };
    let on_keydown = {
        let button_id = button_id.clone();
        move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
            _ if !is_open.get_untracked() => {}
            "Escape" => {
                open_menu.set(None);
                focus_by_id(&button_id);
            }
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                move_menu_focus(&ev, ev.key() == "ArrowDown");
            }
            _ => {}
        }
    };
    view! {
        <div class="menu-anchor" on:keydown=on_keydown>
            <button
                type="button"
                class="icon-button"
                id=button_id.clone()
                aria-haspopup="menu"
                aria-expanded=move || is_open.get().to_string()
                aria-controls=menu_id.clone()
                aria-label=format!("Actions for {}", row.name)
                on:click=toggle
            >
                {icons::more()}
            </button>
            <Show when=move || is_open.get()>
                <div class="menu-dismiss" on:click=move |_| open_menu.set(None)></div>
                <div
                    class="menu"
                    role="menu"
                    id=menu_id.clone()
                    aria-labelledby=button_id.clone()
                >
                    <button
                        type="button"
                        role="menuitem"
                        on:click={
                            let copy_row = copy_row.clone();
                            move |_| {
                                open_menu.set(None);
                                dialog.set(Some(OpenDialog::Copy(copy_row.clone())));
                            }
                        }
                    >
                        {icons::copy()}
                        "Copy"
                    </button>
                    <button
                        type="button"
                        role="menuitem"
                        aria-disabled=owner.to_string()
                        title=owner.then_some("Owner properties cannot be deleted.")
                        on:click={
                            let delete_row = delete_row.clone();
                            move |_| {
                                if !owner {
                                    open_menu.set(None);
                                    dialog.set(Some(OpenDialog::Delete(delete_row.clone())));
                                }
                            }
                        }
                    >
                        {icons::trash()}
                        "Delete"
                        {owner.then(|| view! { <span class="visually-hidden">" (owner properties cannot be deleted)"</span> })}
                    </button>
                </div>
            </Show>
        </div>
    }
}

/// "Rows per page": 5, 10 or 50, remembered.
#[component]
fn RowsPerPage(
    rows_per_page: u32,
    view_state: Memo<ListView>,
    go: Callback<(ListView, bool)>,
) -> impl IntoView {
    let on_rows = move |ev: leptos::ev::Event| {
        if let Ok(rows) = event_target_value(&ev).parse::<u32>() {
            save_page_size(rows);
            let view = ListView {
                rows: Some(rows),
                page: 1,
                ..view_state.get_untracked()
            };
            go.run((view, false));
        }
    };
    view! {
        <label class="rows-per-page">
            "Rows per page"
            <select on:change=on_rows prop:value=rows_per_page.to_string()>
                {PAGE_SIZES
                    .into_iter()
                    .map(|size| {
                        view! {
                            <option value=size.to_string() selected={size == rows_per_page}>
                                {size.to_string()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// "1-5 of 37", previous / next. The `top` one, above the list, shows on phones only, and only
/// previous / next.
#[component]
fn Pager(
    result: ListResult,
    view_state: Memo<ListView>,
    go: Callback<(ListView, bool)>,
    top: bool,
) -> impl IntoView {
    let page = result.page;
    let last = result.last_page();
    let to_page = move |page: u64| {
        let view = ListView {
            page,
            ..view_state.get_untracked()
        };
        go.run((view, false));
    };
    view! {
        <nav
            class=if top { "pager pager-top" } else { "pager pager-bottom" }
            aria-label=if top { "Pages, above the list" } else { "Pages" }
        >
            // The range ("1-5 of 37") once, below the list (the top pager sits beside Rows per page).
            {(!top).then(|| view! { <span class="range" aria-live="polite">{result.range_label()}</span> })}
            <button
                type="button"
                class="icon-button"
                aria-label="Previous page"
                disabled={page <= 1}
                on:click=move |_| to_page(page - 1)
            >
                {icons::chevron_left()}
            </button>
            <button
                type="button"
                class="icon-button"
                aria-label="Next page"
                disabled={page >= last}
                on:click=move |_| to_page(page + 1)
            >
                {icons::chevron_right()}
            </button>
        </nav>
    }
}

/// Local storage key of the sticky "Rows per page" choice.
#[cfg(feature = "hydrate")]
const ROWS_STORAGE_KEY: &str = "gatehouse.rowsPerPage";

/// Remembers the page size in local storage (the lasting choice) and in a cookie (so the server
/// renders it on the next first paint).
fn save_page_size(rows: u32) {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::Storage;
        let _ = gloo_storage::LocalStorage::set(ROWS_STORAGE_KEY, rows);
        set_rows_cookie(rows);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = rows;
}

#[cfg(feature = "hydrate")]
fn set_rows_cookie(rows: u32) {
    use wasm_bindgen::JsCast;
    if let Some(document) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
    {
        let cookie = format!(
            "{}={rows}; Path=/; Max-Age=31536000; SameSite=Strict",
            super::server_fns::ROWS_COOKIE
        );
        let _ = document.set_cookie(&cookie);
    }
}

/// After hydration: if local storage remembers a page size the server did not know (cookie gone),
/// restore the cookie and reload the list with it.
fn remember_page_size(
    view_state: Memo<ListView>,
    answer: RwSignal<ListAnswer>,
    refresh: RwSignal<u32>,
) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use gloo_storage::Storage;
        let shown = answer
            .with_untracked(|(_, result)| result.as_ref().ok().map(|result| result.rows_per_page));
        let stored: Option<u32> = gloo_storage::LocalStorage::get(ROWS_STORAGE_KEY).ok();
        if let Some(rows) = stored.filter(|r| PAGE_SIZES.contains(r)) {
            set_rows_cookie(rows);
            if view_state.get_untracked().rows.is_none() && shown.is_some_and(|shown| shown != rows)
            {
                refresh.update(|n| *n += 1);
            }
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (view_state, answer, refresh);
}

fn focus_by_id(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Focuses the first item of a menu once it is rendered.
fn focus_first_item(menu_id: &str) {
    let selector = format!("#{menu_id} [role=menuitem]");
    request_animation_frame(move || {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(item) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(&selector).ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = item.focus();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = selector;
    });
}

/// Arrow keys move between the items of the menu that has focus.
fn move_menu_focus(ev: &leptos::ev::KeyboardEvent, forward: bool) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(menu) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let Ok(items) = menu.query_selector_all("[role=menuitem]") else {
            return;
        };
        let count = items.length();
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element());
        let current = (0..count).find(|i| {
            items
                .item(*i)
                .zip(active.as_ref())
                .map(|(node, active)| &node == active.unchecked_ref::<web_sys::Node>())
                .unwrap_or(false)
        });
        let next = match current {
            Some(i) if forward => (i + 1) % count,
            Some(i) => (i + count - 1) % count,
            None => 0,
        };
        if let Some(item) = items
            .item(next)
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = item.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, forward);
}
