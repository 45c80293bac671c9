//! Import Properties (issue #19): a Gatehouse export, chosen as a file or pasted, is checked and
//! shown as a plan (what is created, changed field by field, left alone, deleted), and applied in
//! one write only after "Apply import" and only if the database still matches the plan. Created
//! properties' new secrets are shown once, in the result.
//!
//! The rules are those of the command line's `server import` ([`crate::ops::transfer`]); this page
//! and its two server functions only carry the document, the plan and the result.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos::task::spawn_local;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::auth::{Permission, Principal};
use crate::domain::transfer::{Existing, FieldDiff, Plan, Problem};
use crate::error::ConsoleError;
use crate::icons;
use crate::ui::viewer::{can, start_page_island, with_viewer};
use crate::ui::{
    copy_to_clipboard, focus_later, guard_unsaved_changes, use_toasts, PreloadIsland, ToastRegion,
};

/// The largest document the console imports (the command line takes larger files). An export of
/// 10,000 properties is about 3 MB.
pub const MAX_DOCUMENT_BYTES: usize = 32 * 1024 * 1024;

/// Where the import's server functions answer: the server gives these paths a larger request
/// body limit ([`MAX_BODY_BYTES`]) for signed-in admins; every other console request keeps axum's
/// 2 MB.
pub const ENDPOINT_PREFIX: &str = "/api/properties/import/";

/// The request body limit of the import endpoints: Apply carries the document (JSON-escaped, so up
/// to twice its size) and the plan (about the document's size again), with room to spare.
pub const MAX_BODY_BYTES: usize = 4 * MAX_DOCUMENT_BYTES + 1024 * 1024;

/// A property the import created, with its new secret (shown once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedProperty {
    pub client_id: String,
    pub name: String,
    pub client_secret: String,
}

/// What an applied import did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportResult {
    pub created: Vec<CreatedProperty>,
    pub changed: usize,
    pub unchanged: usize,
    pub deleted: usize,
    /// Owners the file lacks, kept although prune was asked for.
    pub kept_owners: usize,
    pub global_changed: usize,
}

/// Reads and checks the document's JSON: too large, or not a document, is refused here.
#[cfg(feature = "ssr")]
fn read_document(text: &str) -> Result<crate::domain::transfer::Document, ConsoleError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(ConsoleError::invalid("document", too_large(text.len())));
    }
    crate::domain::transfer::parse(text)
        .map_err(|problems| crate::ops::transfer::ImportError::Invalid(problems).into())
}

/// The plan for importing `document` now, with `prune` (delete what the file lacks). Writes
/// nothing. Admins only.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/import/plan")]
pub async fn plan_property_import(document: String, prune: bool) -> Result<Plan, ConsoleError> {
    use crate::auth::{authorize, console_actor, context, Permission};
    authorize(Permission::Write).await?;
    let actor = console_actor()?;
    let document = read_document(&document)?;
    Ok(crate::ops::transfer::plan_import(&context::store()?, &actor, &document, prune).await?)
}

/// Applies the import `plan` showed for `document`: in one write, and only if the plan still
/// holds (else [`ConsoleError::PlanChanged`] and nothing is written). Admins only.
#[server(output = crate::wire::Wire, input = Json, prefix = "/api", endpoint = "properties/import/apply")]
pub async fn apply_property_import(
    document: String,
    prune: bool,
    plan: Plan,
) -> Result<ImportResult, ConsoleError> {
    use crate::auth::{authorize, console_actor, context, Permission};
    authorize(Permission::Write).await?;
    let actor = console_actor()?;
    let document = read_document(&document)?;
    let store = context::store()?;
    let created =
        crate::ops::transfer::apply_import(&store, &actor, &document, prune, &plan).await?;
    Ok(ImportResult {
        created: created
            .into_iter()
            .map(|c| CreatedProperty {
                client_id: c.client_id,
                name: c.name,
                client_secret: c.client_secret,
            })
            .collect(),
        changed: plan.changes.len(),
        unchanged: plan.unchanged.len(),
        deleted: plan.deletes.len(),
        kept_owners: plan.kept_owners.len(),
        global_changed: plan.global.len(),
    })
}

/// "3 to create, 1 to change, 5 unchanged" (", 2 to delete" with prune; the global settings when
/// any change).
pub fn plan_summary(plan: &Plan, prune: bool) -> String {
    let mut text = format!(
        "{} to create, {} to change, {} unchanged",
        plan.creates.len(),
        plan.changes.len(),
        plan.unchanged.len()
    );
    if prune {
        text.push_str(&format!(", {} to delete", plan.deletes.len()));
    }
    match plan.global.len() {
        0 => {}
        1 => text.push_str("; 1 global setting to change"),
        n => text.push_str(&format!("; {n} global settings to change")),
    }
    text
}

/// "2 created, 1 changed, 5 unchanged" (", 1 deleted" with prune; the global settings when any
/// changed).
pub fn result_summary(result: &ImportResult, prune: bool) -> String {
    let mut text = format!(
        "{} created, {} changed, {} unchanged",
        result.created.len(),
        result.changed,
        result.unchanged
    );
    if prune {
        text.push_str(&format!(", {} deleted", result.deleted));
    }
    match result.global_changed {
        0 => {}
        1 => text.push_str("; 1 global setting changed"),
        n => text.push_str(&format!("; {n} global settings changed")),
    }
    text.push('.');
    text
}

/// "12 KB", "3.4 MB". Integer arithmetic: formatting a float would add float printing (about
/// 10 KB) to the wasm for this one message.
fn size_text(bytes: usize) -> String {
    const KB: usize = 1024;
    const MB: usize = 1024 * KB;
    if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        let tenths = (bytes * 10 + MB / 2) / MB;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

fn too_large(bytes: usize) -> String {
    format!(
        "The document has {}; the console imports at most {}. Split it, or use `server import` on the server.",
        size_text(bytes),
        size_text(MAX_DOCUMENT_BYTES)
    )
}

/// The created properties as CSV (name, client id, client secret), to hand them out.
fn created_csv(created: &[CreatedProperty]) -> String {
    let quote = |field: &str| {
        if field.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", field.replace('"', "\"\""))
        } else {
            field.to_string()
        }
    };
    let mut text = String::from("name,client_id,client_secret\n");
    for c in created {
        text.push_str(&format!(
            "{},{},{}\n",
            quote(&c.name),
            c.client_id,
            c.client_secret
        ));
    }
    text
}

#[component]
pub fn ImportPropertiesRoute() -> impl IntoView {
    view! {
        <Title text="Import Properties · Gatehouse"/>
        <PreloadIsland island="import_page"/>
        {with_viewer(|viewer| view! { <ImportPage viewer/> })}
    }
}

#[island(lazy)]
fn ImportPage(viewer: Option<Principal>) -> impl IntoView {
    start_page_island(viewer);
    view! {
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <a href="/">"Manage Properties"</a>
        </nav>
        <section class="page import-page">
            <header class="page-header">
                <h1>"Import Properties"</h1>
            </header>
            {if can(Permission::Write) {
                view! { <ImportFlow/> }.into_any()
            } else {
                view! {
                    <p class="notice error" role="alert">
                        {ConsoleError::Forbidden.to_string()}
                        " Only an admin can import properties."
                    </p>
                }
                    .into_any()
            }}
        </section>
        <ToastRegion/>
    }
}

/// The plan for a document as it was when the plan was made.
#[derive(Clone, Debug, PartialEq)]
struct Planned {
    document: String,
    prune: bool,
    plan: Plan,
}

#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Choosing or editing the document (no plan, or the document changed since).
    Editing,
    /// The document's problems: nothing can be applied.
    Problems {
        problems: Vec<Problem>,
        total: usize,
    },
    Planned(Arc<Planned>),
    Done {
        result: Arc<ImportResult>,
        prune: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Busy {
    Reading,
    Planning,
    Applying,
}

/// Choose or paste, "Show plan", the plan or the problems, "Apply import", the result.
#[component]
fn ImportFlow() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let prune = RwSignal::new(false);
    let file_note = RwSignal::new(None::<String>);
    let stage = RwSignal::new(Stage::Editing);
    let busy = RwSignal::new(None::<Busy>);
    let error = RwSignal::new(None::<String>);
    let document_error = RwSignal::new(None::<String>);
    // A plan was thrown away because the document or prune changed after it was made.
    let stale = RwSignal::new(false);
    // Counts edits, so an answer to an earlier version of the document is not shown.
    let edits = StoredValue::new(0u64);

    // Leaving the page loses the new secrets: the browser asks first.
    let secrets_shown = Memo::new(move |_| {
        stage.with(|s| matches!(s, Stage::Done { result, .. } if !result.created.is_empty()))
    });
    guard_unsaved_changes(secrets_shown);

    // Any change to the document or to prune: a plan no longer applies.
    let edited = move || {
        edits.update_value(|n| *n += 1);
        error.set(None);
        document_error.set(None);
        match stage.get_untracked() {
            Stage::Planned(_) => {
                stage.set(Stage::Editing);
                stale.set(true);
            }
            Stage::Problems { .. } => stale.set(true),
            _ => {}
        }
        if busy.get_untracked() == Some(Busy::Planning) {
            busy.set(None);
        }
    };

    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|list| list.get(0)) else {
                return;
            };
            edited();
            // A file's size is a whole number of bytes (a JavaScript number).
            let (name, size) = (file.name(), file.size() as usize);
            if size > MAX_DOCUMENT_BYTES {
                document_error.set(Some(too_large(size)));
                return;
            }
            let reading = edits.get_value();
            busy.set(Some(Busy::Reading));
            spawn_local(async move {
                let read = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                busy.set(None);
                if edits.get_value() != reading {
                    return;
                }
                match read.ok().and_then(|value| value.as_string()) {
                    Some(content) => {
                        text.set(content);
                        file_note.set(Some(format!(
                            "Read {name} ({}). Its text is below.",
                            size_text(size)
                        )));
                    }
                    None => document_error.set(Some(format!(
                        "The browser could not read {name}. Choose it again, or paste its text below."
                    ))),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    let show_plan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_some() {
            return;
        }
        let document = text.get_untracked();
        if document.trim().is_empty() {
            document_error.set(Some(
                "Choose an export file or paste a document first.".into(),
            ));
            focus_later("import-document".into());
            return;
        }
        if document.len() > MAX_DOCUMENT_BYTES {
            document_error.set(Some(too_large(document.len())));
            return;
        }
        let with_prune = prune.get_untracked();
        let asked = edits.get_value();
        error.set(None);
        document_error.set(None);
        busy.set(Some(Busy::Planning));
        spawn_local(async move {
            let answer = plan_property_import(document.clone(), with_prune).await;
            if edits.get_value() != asked {
                return;
            }
            busy.set(None);
            stale.set(false);
            match answer {
                Ok(plan) => {
                    stage.set(Stage::Planned(Arc::new(Planned {
                        document,
                        prune: with_prune,
                        plan,
                    })));
                    focus_later("import-plan-heading".into());
                }
                Err(ConsoleError::ImportProblems { problems, total }) => {
                    stage.set(Stage::Problems { problems, total });
                    focus_later("import-problems-heading".into());
                }
                Err(other) => {
                    stage.set(Stage::Editing);
                    match other.for_field("document") {
                        Some(message) => document_error.set(Some(message)),
                        None => {
                            error.set(Some(other.to_string()));
                            focus_later("import-error".into());
                        }
                    }
                }
            }
        });
    };

    let apply = Callback::new(move |planned: Arc<Planned>| {
        if busy.get_untracked().is_some() {
            return;
        }
        error.set(None);
        busy.set(Some(Busy::Applying));
        spawn_local(async move {
            let answer = apply_property_import(
                planned.document.clone(),
                planned.prune,
                planned.plan.clone(),
            )
            .await;
            busy.set(None);
            match answer {
                Ok(result) => {
                    stage.set(Stage::Done {
                        result: Arc::new(result),
                        prune: planned.prune,
                    });
                    focus_later("import-result-heading".into());
                }
                Err(ConsoleError::ImportProblems { problems, total }) => {
                    stage.set(Stage::Problems { problems, total });
                    focus_later("import-problems-heading".into());
                }
                Err(ConsoleError::PlanChanged) => {
                    stage.set(Stage::Editing);
                    error.set(Some(ConsoleError::PlanChanged.to_string()));
                    focus_later("import-error".into());
                }
                Err(other) => {
                    error.set(Some(other.to_string()));
                    focus_later("import-error".into());
                }
            }
        });
    });
    let cancel = Callback::new(move |_: ()| {
        stage.set(Stage::Editing);
        error.set(None);
        focus_later("import-show-plan".into());
    });

    let done = move || stage.with(|s| matches!(s, Stage::Done { .. }));
    let planning = move || busy.get() == Some(Busy::Planning);
    view! {
        <div hidden=done>
            <form class="import-form" on:submit=show_plan novalidate>
                <p class="field-hint">
                    "Import properties and global settings from a Gatehouse export (JSON). Each property in the file matches an existing one by client id, else by name (ignoring case), or is created with a new id and secret. Nothing is written until you have seen the plan and applied it."
                </p>
                <div class="field">
                    <label for="import-file">"Import file"</label>
                    <input
                        type="file"
                        id="import-file"
                        accept=".json,application/json"
                        aria-describedby="import-file-note"
                        on:change=on_file
                    />
                    <p id="import-file-note" class="field-hint" role="status">
                        {move || {
                            if busy.get() == Some(Busy::Reading) {
                                Some("Reading the file…".to_string())
                            } else {
                                file_note.get()
                            }
                        }}
                    </p>
                </div>
                <div class="field">
                    <label for="import-document">"Document"</label>
                    <textarea
                        id="import-document"
                        class="mono import-document"
                        rows="12"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder="{\"format\": \"gatehouse-export\", \"version\": 1, \"properties\": […]}"
                        aria-describedby="import-document-hint import-document-error"
                        aria-invalid=move || document_error.with(Option::is_some).to_string()
                        prop:value=move || text.get()
                        on:input=move |ev| {
                            text.set(event_target_value(&ev));
                            file_note.set(None);
                            edited();
                        }
                    ></textarea>
                    <p id="import-document-hint" class="field-hint">
                        "The chosen file's text, or paste a document here."
                    </p>
                    <p id="import-document-error" class="field-error">{move || document_error.get()}</p>
                </div>
                <div class="field">
                    <label class="checkbox">
                        <input
                            type="checkbox"
                            id="import-prune"
                            aria-describedby="import-prune-hint"
                            prop:checked=move || prune.get()
                            on:change=move |ev| {
                                prune.set(event_target_checked(&ev));
                                edited();
                            }
                        />
                        <span>"Delete properties not in the file"</span>
                    </label>
                    <p id="import-prune-hint" class="field-hint import-prune-hint">
                        "Also removes settings the file does not have, from the properties it matches and from the global settings. Owner properties are never deleted. Careful with a filtered export: everything outside it is deleted."
                    </p>
                </div>
                <p class="notice warning" role="status" hidden=move || !stale.get()>
                    "The document changed after the plan was made. Show the plan again."
                </p>
                <p id="import-error" class="notice error" role="alert" tabindex="-1" hidden=move || error.with(Option::is_none)>
                    {move || error.get()}
                </p>
                <div class="form-actions">
                    <button
                        type="submit"
                        id="import-show-plan"
                        class:primary=move || !stage.with(|s| matches!(s, Stage::Planned(_)))
                        aria-disabled=move || busy.get().is_some().to_string()
                    >
                        {move || if planning() { "Checking…" } else { "Show plan" }}
                    </button>
                </div>
            </form>
        </div>
        {move || match stage.get() {
            Stage::Editing => ().into_any(),
            Stage::Problems { problems, total } => {
                view! { <ProblemList problems total stale/> }.into_any()
            }
            Stage::Planned(planned) => view! { <PlanView planned busy apply cancel/> }.into_any(),
            Stage::Done { result, prune } => {
                view! { <ResultView result prune/> }.into_any()
            }
        }}
    }
}

/// Every problem of the document, each with its position in the file.
#[component]
fn ProblemList(problems: Vec<Problem>, total: usize, stale: RwSignal<bool>) -> impl IntoView {
    let shown = problems.len();
    let sentence = ConsoleError::ImportProblems {
        problems: Vec::new(),
        total,
    }
    .to_string();
    view! {
        <section class="import-problems" aria-labelledby="import-problems-heading">
            <h2 id="import-problems-heading" tabindex="-1">"Problems in the file"</h2>
            <p class="notice error" role="alert">
                {sentence}
                " Fix them in the file (or below) and show the plan again."
            </p>
            <p class="notice warning" hidden=move || !stale.get()>
                "The document changed after these problems were found. Show the plan again to check it."
            </p>
            <ul class="problem-list">
                {problems
                    .into_iter()
                    .map(|p| {
                        view! {
                            <li>
                                <code class="problem-position">{p.position}</code>
                                ": "
                                {p.reason}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {(total > shown)
                .then(|| {
                    view! {
                        <p class="field-hint">
                            {format!("The first {shown} of {total} problems are listed.")}
                        </p>
                    }
                })}
        </section>
    }
}

/// A titled list of properties by name and id (none: nothing at all).
#[component]
fn PropertyList(heading: &'static str, properties: Vec<Existing>) -> impl IntoView {
    (!properties.is_empty()).then(|| {
        view! {
            <h3>{format!("{heading} ({})", properties.len())}</h3>
            <ul class="import-list">
                {properties
                    .into_iter()
                    .map(|p| {
                        view! {
                            <li>
                                <strong>{p.name}</strong>
                                " "
                                <span class="mono muted">{p.client_id}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    })
}

/// The plan: counts, then what is created, changed (field by field), deleted and kept, and
/// "Apply import" / "Cancel".
#[component]
fn PlanView(
    planned: Arc<Planned>,
    busy: RwSignal<Option<Busy>>,
    apply: Callback<Arc<Planned>>,
    cancel: Callback<()>,
) -> impl IntoView {
    let plan = &planned.plan;
    let summary = plan_summary(plan, planned.prune);
    let empty = plan.is_empty();
    let creates = plan.creates.clone();
    let changes = plan.changes.clone();
    let deletes = plan.deletes.clone();
    let kept = plan.kept_owners.clone();
    let unchanged = plan.unchanged.clone();
    let global = plan.global.clone();
    let applying = move || busy.get() == Some(Busy::Applying);
    let on_apply = {
        let planned = planned.clone();
        move |_| apply.run(planned.clone())
    };
    view! {
        <section class="import-plan" aria-labelledby="import-plan-heading">
            <h2 id="import-plan-heading" tabindex="-1">"Plan"</h2>
            <p class="import-summary" data-testid="import-summary">{summary}</p>
            {if empty {
                view! {
                    <p class="notice success">
                        "Nothing to do: the properties and settings already match the file."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <p class="field-hint">
                        "Nothing has been written yet. Review the plan, then apply it: all of it is applied in one step, or nothing."
                    </p>
                }
                    .into_any()
            }}
            {(!deletes.is_empty())
                .then(|| {
                    view! {
                        <p class="notice warning">
                            {match deletes.len() {
                                1 => "1 property will be deleted, with its settings.".to_string(),
                                n => format!("{n} properties will be deleted, with their settings."),
                            }}
                        </p>
                    }
                })}
            {(!creates.is_empty())
                .then(|| {
                    view! {
                        <h3>{format!("To create ({})", creates.len())}</h3>
                        <ul class="import-list">
                            {creates
                                .into_iter()
                                .map(|c| {
                                    let features: Vec<&str> = c
                                        .features
                                        .iter()
                                        .map(|f| f.as_str())
                                        .collect();
                                    let details = format!(
                                        "features: [{}], whitelist: [{}], {} {}",
                                        features.join(", "),
                                        c.whitelist.join(", "),
                                        c.settings.len(),
                                        if c.settings.len() == 1 { "setting" } else { "settings" },
                                    );
                                    view! {
                                        <li>
                                            <strong>{c.name}</strong>
                                            " "
                                            <span class="muted">{details}</span>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            {(!changes.is_empty())
                .then(|| {
                    view! {
                        <h3>{format!("To change ({})", changes.len())}</h3>
                        {changes
                            .into_iter()
                            .map(|change| {
                                view! {
                                    <div class="import-change">
                                        <h4>
                                            {change.name.clone()}
                                            " "
                                            <span class="mono muted">{change.client_id.clone()}</span>
                                        </h4>
                                        <DiffTable caption=format!("Changes to {}", change.name) diffs=change.diffs/>
                                    </div>
                                }
                            })
                            .collect_view()}
                    }
                })}
            <PropertyList heading="To delete" properties=deletes/>
            <PropertyList heading="Kept: owner properties are never deleted" properties=kept/>
            {(!global.is_empty())
                .then(|| {
                    view! {
                        <h3>{format!("Global settings to change ({})", global.len())}</h3>
                        <DiffTable caption="Changes to the global settings".to_string() diffs=global global=true/>
                    }
                })}
            {(!unchanged.is_empty())
                .then(|| {
                    view! {
                        <details class="import-unchanged">
                            <summary>{format!("Unchanged ({})", unchanged.len())}</summary>
                            <ul class="import-list">
                                {unchanged
                                    .into_iter()
                                    .map(|u| view! { <li>{u.name}</li> })
                                    .collect_view()}
                            </ul>
                        </details>
                    }
                })}
            <div class="form-actions">
                <button type="button" on:click=move |_| cancel.run(())>"Cancel"</button>
                {(!empty)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="primary"
                                aria-disabled=move || busy.get().is_some().to_string()
                                on:click=on_apply
                            >
                                {move || if applying() { "Applying…" } else { "Apply import" }}
                            </button>
                        }
                    })}
            </div>
        </section>
    }
}

/// One property's (or the global settings') changes: field, before, after.
#[component]
fn DiffTable(
    caption: String,
    diffs: Vec<FieldDiff>,
    /// The global settings: the field is the key alone.
    #[prop(optional)]
    global: bool,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data import-diff">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Field"</th>
                        <th scope="col">"Before"</th>
                        <th scope="col">"After"</th>
                    </tr>
                </thead>
                <tbody>
                    {diffs
                        .into_iter()
                        .map(|diff| {
                            let (before, after) = diff.values();
                            let field = diff.field();
                            let field = match field.strip_prefix("settings.") {
                                Some(key) if global => key.to_string(),
                                _ => field,
                            };
                            view! {
                                <tr>
                                    <th scope="row" class="mono">{field}</th>
                                    <td class="mono">{before}</td>
                                    <td class="mono">
                                        <span class="visually-hidden">"→ "</span>
                                        {after}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// What the import did, and each created property's id and new secret, shown this once.
#[component]
fn ResultView(result: Arc<ImportResult>, prune: bool) -> impl IntoView {
    let toasts = use_toasts();
    let summary = result_summary(&result, prune);
    let error = RwSignal::new(None::<String>);
    let copy = move |text: String, what: String| {
        spawn_local(async move {
            match copy_to_clipboard(text).await {
                Ok(()) => {
                    error.set(None);
                    toasts.show(format!("{what} copied to the clipboard."));
                }
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let created = result.created.clone();
    let csv = created_csv(&created);
    let kept = result.kept_owners;
    view! {
        <section class="import-result" aria-labelledby="import-result-heading">
            <h2 id="import-result-heading" tabindex="-1">"Import applied"</h2>
            <p class="notice success" data-testid="import-result-summary">{summary}</p>
            {(kept > 0)
                .then(|| {
                    view! {
                        <p class="field-hint">
                            {format!(
                                "{kept} owner {} not in the file {} kept: owner properties are never deleted.",
                                if kept == 1 { "property" } else { "properties" },
                                if kept == 1 { "was" } else { "were" },
                            )}
                        </p>
                    }
                })}
            {(!created.is_empty())
                .then(|| {
                    view! {
                        <h3>{format!("Created ({})", created.len())}</h3>
                        <div class="notice warning">
                            <p>
                                <strong>"These secrets are shown only once."</strong>
                                " Copy them now and hand each to whoever runs that application; this page will not show them again (an admin can still reveal or reset a secret on its property's page)."
                            </p>
                        </div>
                        <p class="field-error" role="alert">{move || error.get()}</p>
                        <div class="table-wrap">
                            <table class="data import-created">
                                <caption class="visually-hidden">"Created properties and their new secrets"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Client ID"</th>
                                        <th scope="col">"Client Secret"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {created
                                        .into_iter()
                                        .map(|c| {
                                            let label = format!("Copy the client secret of {}", c.name);
                                            let secret = c.client_secret.clone();
                                            let what = format!("The client secret of \u{201c}{}\u{201d}", c.name);
                                            view! {
                                                <tr>
                                                    <td>
                                                        <a href=format!("/properties/{}", c.client_id) target="_blank" rel="noopener">
                                                            {c.name.clone()}
                                                        </a>
                                                    </td>
                                                    <td class="mono" data-testid="created-client-id">{c.client_id.clone()}</td>
                                                    <td>
                                                        <span class="secret-row">
                                                            <code class="new-secret" data-testid="created-client-secret">
                                                                {c.client_secret.clone()}
                                                            </code>
                                                            <button
                                                                type="button"
                                                                class="icon-button"
                                                                aria-label=label.clone()
                                                                title=label
                                                                on:click=move |_| copy(secret.clone(), what.clone())
                                                            >
                                                                {icons::copy()}
                                                            </button>
                                                        </span>
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <div class="form-actions">
                            <button
                                type="button"
                                on:click=move |_| copy(csv.clone(), "Every new id and secret (CSV)".to_string())
                            >
                                {icons::copy()}
                                " Copy all as CSV"
                            </button>
                        </div>
                    }
                })}
            <p>
                <a href="/">"Back to Manage Properties"</a>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::transfer::Change;

    fn existing(name: &str) -> Existing {
        Existing {
            client_id: "a".repeat(32),
            name: name.into(),
        }
    }

    #[test]
    fn the_summaries_count_what_the_plan_and_the_result_hold() {
        let mut plan = Plan {
            changes: vec![Change {
                position: 0,
                client_id: "a".repeat(32),
                name: "Shop".into(),
                diffs: vec![],
            }],
            unchanged: vec![existing("A"), existing("B")],
            deletes: vec![existing("Old")],
            ..Plan::default()
        };
        assert_eq!(
            plan_summary(&plan, false),
            "0 to create, 1 to change, 2 unchanged"
        );
        assert_eq!(
            plan_summary(&plan, true),
            "0 to create, 1 to change, 2 unchanged, 1 to delete"
        );
        plan.global = vec![FieldDiff::Setting {
            key: "k".into(),
            from: None,
            to: Some("v".into()),
        }];
        assert_eq!(
            plan_summary(&plan, false),
            "0 to create, 1 to change, 2 unchanged; 1 global setting to change"
        );
        let result = ImportResult {
            created: vec![CreatedProperty {
                client_id: "b".repeat(32),
                name: "New, \"quoted\"".into(),
                client_secret: "s".repeat(32),
            }],
            changed: 1,
            unchanged: 2,
            deleted: 0,
            kept_owners: 1,
            global_changed: 2,
        };
        assert_eq!(
            result_summary(&result, true),
            "1 created, 1 changed, 2 unchanged, 0 deleted; 2 global settings changed."
        );
        assert_eq!(
            created_csv(&result.created),
            format!(
                "name,client_id,client_secret\n\"New, \"\"quoted\"\"\",{},{}\n",
                "b".repeat(32),
                "s".repeat(32)
            )
        );
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(2_000), "2 KB");
        assert_eq!(size_text(1024), "1 KB");
        assert_eq!(size_text(3 * 1024 * 1024 + 512 * 1024), "3.5 MB");
        assert_eq!(size_text(1024 * 1024), "1.0 MB");
        assert!(too_large(40 * 1024 * 1024)
            .contains("has 40.0 MB; the console imports at most 32.0 MB"));
    }
}
