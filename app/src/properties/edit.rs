//! The property page (SPEC 3.3), opened from the list: rename, client id, secret, features and
//! whitelist, "Save changes" with optimistic concurrency, Copy and Delete, "Edit Settings".

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::dialogs::{CopyDialog, DeleteDialog};
use super::editors::{FeaturesEditor, NameField, PropertyForm, WhitelistEditor};
use super::model::{encode_query_value, PropertyDetails, PropertySummary};
use super::secret::{SecretPanel, SecretUseNotes};
use super::server_fns::{get_property_details, save_property_changes};
use crate::auth::{Permission, Principal};
use crate::domain::features::{console_owner_locked, normalize};
use crate::error::ConsoleError;
use crate::icons;
use crate::ui::viewer::can;
use crate::ui::viewer::{start_page_island, with_viewer_and};
use crate::ui::{
    copy_to_clipboard, follow_title, guard_unsaved_changes, navigate_to, use_toasts, PreloadIsland,
    ToastRegion,
};

/// The one dialog the property page shows at a time: its own (Copy, Delete) or a step of the
/// secret panel's (one signal for all of them, as each signal type costs the page's wasm).
#[derive(Clone, Debug, PartialEq)]
pub enum PageDialog {
    Copy(PropertySummary),
    Delete(PropertySummary),
    /// "Reset Secret", first step: how long the current secret stays active.
    ResetHours,
    /// Second step: are you sure, with the hours chosen.
    ResetConfirm(String),
    /// Last step: the new secret.
    ResetDone(String),
    /// "Expire now" for the previous secret.
    ExpirePrevious,
}

/// The property's client id, from a `/properties/:id…` address.
pub fn client_id_in_address() -> String {
    use_params_map().with_untracked(|p| p.get("id").unwrap_or_default())
}

/// The route: loads the property on the server and hands it to the page island, which so starts
/// with its form filled in: no second round trip and no loading state. The breadcrumb, the title
/// and a load failure are server-rendered: their code never reaches the browser.
#[component]
pub fn PropertyRoute() -> impl IntoView {
    let client_id = client_id_in_address();
    let history = history_href(&client_id);
    view! {
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <a href="/">"Manage Properties"</a>
        </nav>
        {with_viewer_and(
            move || get_property_details(client_id),
            move |viewer, loaded| match loaded {
                Ok(details) => view! {
                    <Title text=format!("{} · Gatehouse", details.name)/>
                    <PreloadIsland island="property_page"/>
                    <PropertyPage viewer details/>
                }
                .into_any(),
                Err(error) => {
                    let history = history.clone();
                    view! { <PropertyLoadFailed error heading="Property not found" history/> }.into_any()
                }
            },
        )}
    }
}

#[island(lazy)]
fn PropertyPage(viewer: Option<Principal>, details: PropertyDetails) -> impl IntoView {
    start_page_island(viewer);
    view! {
        <PropertyEditor details/>
        <ToastRegion/>
    }
}

/// The audit log filtered by this property: its History (kept after the property is deleted).
pub fn history_href(client_id: &str) -> String {
    format!("/audit?property={}", encode_query_value(client_id))
}

/// A property page whose data could not be loaded: "Property not found" when the property is gone,
/// else `heading`, with the reason and the way back to the list (and, given `history`, to what
/// happened to the property: a deleted property's History is still in the audit log).
#[component]
pub fn PropertyLoadFailed(
    error: ConsoleError,
    heading: &'static str,
    #[prop(optional, into)] history: Option<String>,
) -> impl IntoView {
    let gone = error == ConsoleError::NotFound;
    let heading = if gone { "Property not found" } else { heading };
    let history = history.filter(|_| gone);
    view! {
        <Title text=format!("{heading} · Gatehouse")/>
        <section class="page empty-state">
            <h1>{heading}</h1>
            <p>{error.to_string()}</p>
            <p>
                <a class="button primary" href="/">"Back to Manage Properties"</a>
                {history.map(|href| view! { " " <a class="button" href=href>"History"</a> })}
            </p>
        </section>
    }
}

#[component]
fn PropertyEditor(details: PropertyDetails) -> impl IntoView {
    let form = PropertyForm::new(
        details.name.clone(),
        details.features.clone(),
        &details.whitelist,
    );
    let client_id = details.client_id.clone();
    let now = RwSignal::new(details.server_now);
    let saved = RwSignal::new(details);
    let busy = RwSignal::new(false);
    let dialog = RwSignal::new(None::<PageDialog>);
    let toasts = use_toasts();
    let dirty = Memo::new(move |_| {
        saved.with(|s| {
            form.name.get() != s.name
                || form.normalized_features() != normalize(&s.features)
                || form.whitelist() != s.whitelist
        })
    });
    let owner_locked = Signal::derive(move || saved.with(|s| console_owner_locked(&s.features)));
    tick_every_second(now);
    refresh_secret_use(saved, now);
    guard_unsaved_changes(dirty);
    // The server rendered the title; a rename changes it without leptos_meta in the bundle.
    follow_title(move || saved.try_with(|s| format!("{} · Gatehouse", s.name)));

    let on_secret_changed = Callback::new(move |d: PropertyDetails| {
        now.set(d.server_now);
        // Only the reset bumped the version: keep loaded edits saveable. If someone else changed
        // the property meanwhile, keep the old version so "Save changes" reports the conflict.
        saved.update(|s| {
            if d.version == s.version + 1 {
                s.version = d.version;
            }
            s.take_secret_state(d);
        });
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !form.begin_submit(busy) {
            return;
        }
        let (id, version) = saved.with_untracked(|s| (s.client_id.clone(), s.version));
        spawn_local(async move {
            let result = save_property_changes(
                id,
                version,
                form.name.get_untracked(),
                form.normalized_features(),
                form.whitelist(),
            )
            .await;
            busy.set(false);
            match result {
                Ok(d) => {
                    form.load(&d.name, &d.features, &d.whitelist);
                    saved.set(d);
                    toasts.show("Changes saved.");
                }
                Err(error) => form.show_server_error(error),
            }
        });
    };
    let general_error = move || {
        form.server_error.with(|e| {
            e.as_ref()
                .filter(|e| form.server_problem_field(e).is_none())
                .map(|e| e.to_string())
        })
    };
    let conflict = move || {
        form.server_error
            .with(|e| matches!(e, Some(ConsoleError::Conflict)))
    };
    let load_latest = move |_| {
        let id = saved.with_untracked(|s| s.client_id.clone());
        spawn_local(async move {
            match get_property_details(id).await {
                Ok(d) => {
                    form.load(&d.name, &d.features, &d.whitelist);
                    now.set(d.server_now);
                    saved.set(d);
                    toasts.show("Loaded the latest version of this property.");
                }
                Err(error) => form.server_error.set(Some(error)),
            }
        });
    };
    let on_copied = Callback::new(move |copy: PropertySummary| {
        dialog.set(None);
        toasts.show_on_next_page(format!("Property copied as \u{201c}{}\u{201d}.", copy.name));
        navigate_to(&format!("/properties/{}", copy.client_id));
    });
    let on_deleted = Callback::new(move |gone: PropertySummary| {
        dialog.set(None);
        toasts.show_on_next_page(format!("Property \u{201c}{}\u{201d} deleted.", gone.name));
        navigate_to("/");
    });
    let close = Callback::new(move |_| dialog.set(None));
    let is_owner = move || saved.with(|s| s.summary().is_owner());
    let settings_href = format!("/properties/{client_id}/settings");
    let history_link = history_href(&client_id);
    let secret_client_id = client_id.clone();
    view! {
        <section class="page">
            <header class="page-header">
                <h1>{move || saved.with(|s| s.name.clone())}</h1>
                {move || can(Permission::Write).then(|| view! {
                <div class="toolbar">
                    <button
                        type="button"
                        class="icon-button"
                        aria-label="Copy property"
                        title="Copy property"
                        on:click=move |_| dialog.set(Some(PageDialog::Copy(saved.with_untracked(|s| s.summary()))))
                    >
                        {icons::copy()}
                    </button>
                    <button
                        type="button"
                        class="icon-button"
                        aria-label="Delete property"
                        title=move || if is_owner() { "Owner properties cannot be deleted." } else { "Delete property" }
                        disabled=is_owner
                        on:click=move |_| dialog.set(Some(PageDialog::Delete(saved.with_untracked(|s| s.summary()))))
                    >
                        {icons::trash()}
                    </button>
                </div>
                })}
            </header>
            <ClientIdField client_id=client_id.clone()/>
            // Viewers never see, reveal, copy or reset a secret.
            {move || can(Permission::RevealSecret).then(|| {
                let client_id = secret_client_id.clone();
                view! { <SecretPanel client_id saved now dialog on_changed=on_secret_changed/> }
            })}
            {move || (!can(Permission::RevealSecret)).then(|| view! {
                <div class="field">
                    <span class="label">"Client Secret"</span>
                    <SecretUseNotes saved now/>
                </div>
            })}
            <form on:submit=submit novalidate class="property-form">
                <div class="notice error" role="alert" hidden=move || general_error().is_none()>
                    <p>{general_error}</p>
                    {move || conflict().then(|| view! {
                        <button type="button" on:click=load_latest>
                            "Load the latest version (discard my edits)"
                        </button>
                    })}
                </div>
                <fieldset class="plain" disabled=move || !can(Permission::Write)>
                    <legend class="visually-hidden">"Property"</legend>
                    <NameField form/>
                    <FeaturesEditor form owner_locked/>
                    <WhitelistEditor
                        form
                        empty_note="No IP address ranges: any address is now allowed."
                    />
                </fieldset>
                <div class="form-actions spread">
                    <a class="button" href=settings_href>"Edit Settings"</a>
                    <a class="button" href=history_link>"History"</a>
                    <span class="unsaved muted" role="status">
                        {move || if dirty.get() { "Unsaved changes" } else { "" }}
                    </span>
                    {move || can(Permission::Write).then(|| view! {
                        <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()>
                            {move || if busy.get() { "Saving…" } else { "Save changes" }}
                        </button>
                    })}
                </div>
            </form>
        </section>
        {move || match dialog.get()? {
            PageDialog::Copy(source) => Some(view! { <CopyDialog source on_cancel=close on_copied/> }.into_any()),
            PageDialog::Delete(property) => {
                Some(view! { <DeleteDialog property on_cancel=close on_deleted/> }.into_any())
            }
            // The secret panel shows its own steps.
            _ => None,
        }}
    }
    .into_any()
}

/// Client ID: read-only, with a copy button.
#[component]
fn ClientIdField(client_id: String) -> impl IntoView {
    let toasts = use_toasts();
    let error = RwSignal::new(None::<String>);
    let value = client_id.clone();
    let copy = move |_| {
        let value = value.clone();
        spawn_local(async move {
            match copy_to_clipboard(value).await {
                Ok(()) => toasts.show("Client ID copied to the clipboard."),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    view! {
        <div class="field">
            <label for="client-id">"Client ID"</label>
            <div class="secret-row">
                <input id="client-id" type="text" class="mono" readonly prop:value=client_id/>
                <button
                    type="button"
                    class="icon-button"
                    aria-label="Copy client ID"
                    title="Copy client ID"
                    on:click=copy
                >
                    {icons::copy()}
                </button>
            </div>
            <p class="field-error" role="alert">{move || error.get()}</p>
        </div>
    }
    .into_any()
}

/// How often an open property page asks again when its secrets were last used.
const SECRET_USE_REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

/// Keeps "last used" current while the page is open, so an operator waiting for the previous
/// secret to fall silent sees it without reloading (only the secret's state is taken: edits and
/// the loaded version stay as they are).
fn refresh_secret_use(saved: RwSignal<PropertyDetails>, now: RwSignal<i64>) {
    #[cfg(feature = "hydrate")]
    {
        let tick = move || {
            let id = saved.with_untracked(|s| s.client_id.clone());
            spawn_local(async move {
                if let Ok(d) = get_property_details(id).await {
                    now.set(d.server_now);
                    let _ = saved.try_update(|s| s.take_secret_state(d));
                }
            });
        };
        if let Ok(handle) = set_interval_with_handle(tick, SECRET_USE_REFRESH) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (saved, now, SECRET_USE_REFRESH);
}

/// Advances `now` by one every second while the page is open (the previous secret's count-down).
fn tick_every_second(now: RwSignal<i64>) {
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || now.update(|n| *n += 1),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = now;
}
