//! The audit log page: filters at the top, entries newest first, each expandable to what changed
//! (before and after, side by side) and its request id; "Older entries" / "Newest" page by id.
//! The view lives in the URL query; the server renders the first page into the island's props.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::server_fns::list_audit;
use super::AuditView;
use crate::auth::Principal;
use crate::domain::audit::{action_label, ActorKind, AuditLine, AuditPage, ACTIONS};
use crate::domain::signature::format_date;
use crate::error::ConsoleError;
use crate::icons;
use crate::ui::history::{addressed_view, record_in_history, AddressedView};
use crate::ui::viewer::{start_page_island, with_viewer_and};
use crate::ui::{focus_later, PreloadIsland};

/// Where the results are; focused after paging, so the keyboard continues from the new page.
const RESULTS_ID: &str = "audit-results";

/// The route: reads the view from the address, loads its first page and hands both to the page
/// island, which so starts with the entries in place.
#[component]
pub fn AuditRoute() -> impl IntoView {
    let query = use_query_map();
    let initial = query.with_untracked(|q| AuditView::from_query(|key| q.get_str(key)));
    view! {
        <Title text="Audit log · Gatehouse"/>
        <PreloadIsland island="audit_log_page"/>
        {with_viewer_and(
            {
                let initial = initial.clone();
                move || list_audit(initial.filter(), initial.before)
            },
            move |viewer, first| view! { <AuditLogPage viewer initial=initial.clone() first/> },
        )}
    }
}

#[island(lazy)]
fn AuditLogPage(
    viewer: Option<Principal>,
    initial: AuditView,
    first: Result<AuditPage<AuditLine>, ConsoleError>,
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
        |query| AuditView::from_query(|key| query.get(key)),
        |view: AuditView| list_audit(view.filter(), view.before),
    );

    // Shows `view` and records it in the address; the same view again loads it again.
    let go = Callback::new(move |view: AuditView| {
        record_in_history(&view.href(), false);
        if view == current.get_untracked() {
            refresh.update(|n| *n += 1);
        } else {
            current.set(view);
        }
    });

    view! {
        <section class="page audit-page">
            <header class="page-header">
                <div>
                    <h1>"Audit log"</h1>
                    <p class="muted subtitle">
                        "Every change from the console, the API and the command line: who, what, when and from where. Times are UTC."
                    </p>
                </div>
            </header>
            <FilterForm view_state go/>
            <div id=RESULTS_ID class="audit-results" tabindex="-1" aria-busy=move || busy.get().to_string()>
                {move || {
                    answer
                        .with(|((view, _), result)| match result.clone() {
                            Ok(page) => view! { <AuditResults page view=view.clone() go/> }.into_any(),
                            Err(error) => {
                                view! {
                                    <div class="notice error" role="alert">
                                        <p>"The audit log could not be loaded. " {error.to_string()}</p>
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
    }
}

/// Property, Actor, Action, From and To. A plain GET form to `/audit`, so it works before the page
/// is interactive too; once it is, applying changes the address without loading the page again.
#[component]
fn FilterForm(view_state: Memo<AuditView>, go: Callback<AuditView>) -> impl IntoView {
    let start = view_state.get_untracked();
    let property = RwSignal::new(start.property.clone());
    let actor = RwSignal::new(start.actor.clone());
    let action = RwSignal::new(start.action.clone());
    let from = RwSignal::new(start.from.clone());
    let to = RwSignal::new(start.to.clone());
    // Back / Forward to another view shows its filters.
    Effect::new(move |_| {
        let view = view_state.get();
        property.set(view.property);
        actor.set(view.actor);
        action.set(view.action);
        from.set(view.from);
        to.set(view.to);
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        go.run(AuditView {
            property: property.get_untracked().trim().to_string(),
            actor: actor.get_untracked().trim().to_string(),
            action: action.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
            before: None,
        });
    };
    let filtered = move || view_state.with(|v| v.is_filtered());
    let text_field = move |id: &'static str,
                           name: &'static str,
                           label: &'static str,
                           hint: &'static str,
                           value: RwSignal<String>,
                           initial: String| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input
                    id=id
                    name=name
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    maxlength=super::MAX_FILTER_CHARS.to_string()
                    placeholder=hint
                    value=initial
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </div>
        }
    };
    let date_field = move |id: &'static str,
                           name: &'static str,
                           label: &'static str,
                           value: RwSignal<String>,
                           initial: String| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input
                    id=id
                    name=name
                    type="date"
                    value=initial
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </div>
        }
    };
    view! {
        <form class="audit-filters" method="get" action="/audit" role="search" aria-label="Filter the audit log" on:submit=submit>
            <div class="audit-filter-fields">
                {text_field("audit-property", "property", "Property", "Client id or name", property, start.property.clone())}
                {text_field("audit-actor", "actor", "Actor", "Username or client id", actor, start.actor.clone())}
                <div class="field">
                    <label for="audit-action">"Action"</label>
                    <select
                        id="audit-action"
                        name="action"
                        prop:value=move || action.get()
                        on:change=move |ev| action.set(event_target_value(&ev))
                    >
                        <option value="" selected=start.action.is_empty()>"Any action"</option>
                        {ACTIONS
                            .iter()
                            .map(|(name, label)| {
                                view! {
                                    <option value=*name selected={start.action == *name}>
                                        {*label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                {date_field("audit-from", "from", "From", from, start.from.clone())}
                {date_field("audit-to", "to", "To", to, start.to.clone())}
            </div>
            <div class="form-actions audit-filter-actions">
                <Show when=filtered>
                    <a
                        class="button ghost"
                        href="/audit"
                        on:click=move |ev| {
                            if plain_click(&ev) {
                                ev.prevent_default();
                                go.run(AuditView::default());
                            }
                        }
                    >
                        "Clear filters"
                    </a>
                </Show>
                <button type="submit" class="primary">
                    {icons::filter()}
                    "Apply filters"
                </button>
            </div>
        </form>
    }
}

/// The entries of one answer, its empty state, and the way to older / newer entries.
#[component]
fn AuditResults(
    page: AuditPage<AuditLine>,
    view: AuditView,
    go: Callback<AuditView>,
) -> impl IntoView {
    let count = page.entries.len();
    let oldest = page.entries.last().map(|e| e.id);
    let empty_text = if view.is_filtered() {
        "No entries match these filters."
    } else if view.before.is_some() {
        "There are no older entries."
    } else {
        "Nothing has been changed yet."
    };
    let status = match (count, view.before.is_some()) {
        (0, _) => String::new(),
        (1, false) => "The newest entry.".to_string(),
        (n, false) => format!("The newest {n} entries."),
        (1, true) => "1 older entry.".to_string(),
        (n, true) => format!("{n} older entries."),
    };
    let older = oldest.filter(|_| page.has_more).map(|id| AuditView {
        before: Some(id),
        ..view.clone()
    });
    let newest = view.before.is_some().then(|| view.newest());
    let rows = page
        .entries
        .into_iter()
        .map(|entry| view! { <AuditRow entry/> })
        .collect_view();
    view! {
        <p class="muted audit-status" role="status">{status}</p>
        <div class="table-wrap">
            <table class="data audit-table">
                <caption class="visually-hidden">"Audit log entries, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col" class="disclosure-col">
                            <span class="visually-hidden">"Details"</span>
                        </th>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col">"Actor"</th>
                        <th scope="col">"Door"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Property"</th>
                        <th scope="col">"Source"</th>
                    </tr>
                </thead>
                <tbody>
                    {if count == 0 {
                        view! {
                            <tr class="empty-row">
                                <td colspan="7">{empty_text}</td>
                            </tr>
                        }
                            .into_any()
                    } else {
                        rows.into_any()
                    }}
                </tbody>
            </table>
        </div>
        {(newest.is_some() || older.is_some()).then(|| view! {
            <nav class="pager audit-pager" aria-label="Audit log pages">
                {newest.map(|view| view! { <PageLink view go label="Newest"/> })}
                {older.map(|view| view! { <PageLink view go label="Older entries"/> })}
            </nav>
        })}
    }
}

/// A link to another page of the log: a real link (bookmark, new tab), followed in place.
#[component]
fn PageLink(view: AuditView, go: Callback<AuditView>, label: &'static str) -> impl IntoView {
    let href = view.href();
    view! {
        <a
            class="button"
            href=href
            on:click=move |ev| {
                if plain_click(&ev) {
                    ev.prevent_default();
                    go.run(view.clone());
                    focus_later(RESULTS_ID.to_string());
                }
            }
        >
            {label}
        </a>
    }
}

/// One entry: a row of the table, and below it the row its Details button expands.
#[component]
fn AuditRow(entry: AuditLine) -> impl IntoView {
    let expanded = RwSignal::new(false);
    let detail_id = format!("audit-entry-{}", entry.id);
    let time = format_date(entry.at);
    let datetime = format!("{}Z", time.replace(' ', "T"));
    let actor = match (entry.actor_kind, entry.actor_name.clone()) {
        (ActorKind::Client, Some(name)) => view! {
            <span class="audit-actor-name">{name}</span>
            <span class="mono muted audit-id">{entry.actor.clone()}</span>
        }
        .into_any(),
        (ActorKind::Client, None) => {
            view! { <span class="mono">{entry.actor.clone()}</span> }.into_any()
        }
        _ => view! { <span class="audit-actor-name">{entry.actor.clone()}</span> }.into_any(),
    };
    let property = match entry.client_id.clone() {
        Some(client_id) => {
            let name = entry
                .property_name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| client_id.clone());
            view! { <a href=format!("/properties/{client_id}")>{name}</a> }.into_any()
        }
        None => view! { <span class="muted">"—"</span> }.into_any(),
    };
    let label = action_label(&entry.action).to_string();
    view! {
        <tr class="audit-row">
            <td class="disclosure-col">
                <button
                    type="button"
                    class="icon-button disclosure"
                    aria-label="Details"
                    aria-expanded=move || expanded.get().to_string()
                    aria-controls=detail_id.clone()
                    on:click=move |_| expanded.update(|e| *e = !*e)
                >
                    {icons::chevron_right()}
                </button>
            </td>
            <td class="mono nowrap">
                <time datetime=datetime>{time}</time>
            </td>
            <td>{actor}</td>
            <td class="nowrap">{entry.door.label()}</td>
            <td>{label}</td>
            <td>{property}</td>
            <td class="mono">{entry.source.clone()}</td>
        </tr>
        <tr class="audit-detail-row" id=detail_id hidden=move || !expanded.get()>
            <td colspan="7">
                <EntryDetails entry/>
            </td>
        </tr>
    }
}

/// Before and After side by side, one row per changed field, and where the entry came from.
#[component]
fn EntryDetails(entry: AuditLine) -> impl IntoView {
    let AuditLine {
        changes: rows,
        request_id,
        batch_id,
        client_id,
        ..
    } = entry;
    let cell = |value: Option<String>| match value {
        Some(text) => view! { <td><pre class="audit-json">{text}</pre></td> }.into_any(),
        None => view! { <td class="muted">"—"</td> }.into_any(),
    };
    view! {
        <div class="audit-detail">
            {if rows.is_empty() {
                view! { <p class="muted">"No before or after recorded for this entry."</p> }.into_any()
            } else {
                view! {
                    <table class="audit-changes">
                        <caption class="visually-hidden">"Before and after"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Field"</th>
                                <th scope="col">"Before"</th>
                                <th scope="col">"After"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|row| {
                                    view! {
                                        <tr>
                                            <th scope="row" class="mono">{row.field}</th>
                                            {cell(row.before)}
                                            {cell(row.after)}
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
            <dl class="facts audit-facts">
                <dt>"Request id"</dt>
                <dd class="mono">{request_id}</dd>
                {batch_id.map(|batch| view! {
                    <dt>"Bulk change"</dt>
                    <dd class="mono">{batch}</dd>
                })}
                {client_id.map(|id| view! {
                    <dt>"Property id"</dt>
                    <dd class="mono">{id}</dd>
                })}
            </dl>
        </div>
    }
}

/// A left click without modifier keys: the page follows it in place; others (new tab, new window)
/// are left to the browser.
fn plain_click(ev: &leptos::ev::MouseEvent) -> bool {
    ev.button() == 0 && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key())
}
