//! Create Property (SPEC 3.2): name, permissions, IP whitelist, the global settings read-only.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::editors::{FeaturesEditor, NameField, PropertyForm, WhitelistEditor};
use super::server_fns::{create_new_property, list_global_settings};
use crate::auth::Principal;
use crate::domain::features::Feature;
use crate::error::ConsoleError;
use crate::ui::viewer::{start_page_island, with_viewer_and};
use crate::ui::{navigate_to, use_toasts, Dialog, PreloadIsland, ToastRegion};

#[component]
pub fn NewPropertyRoute() -> impl IntoView {
    view! {
        <Title text="Create Property · Gatehouse"/>
        <PreloadIsland island="new_property_page"/>
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <a href="/">"Manage Properties"</a>
        </nav>
        {with_viewer_and(list_global_settings, |viewer, globals| view! { <NewPropertyPage viewer globals/> })}
    }
}

/// The global settings come loaded from the server, as the property pages' data does: no
/// `Resource` or loading state in the wasm, and no second round trip.
#[island(lazy)]
fn NewPropertyPage(
    viewer: Option<Principal>,
    globals: Result<Vec<(String, String)>, ConsoleError>,
) -> impl IntoView {
    start_page_island(viewer);
    let form = PropertyForm::new(String::new(), vec![Feature::LoginClient], &[]);
    let busy = RwSignal::new(false);
    let confirm_cancel = RwSignal::new(false);
    let dirty = Memo::new(move |_| {
        !form.name.get().is_empty()
            || form.features.get() != vec![Feature::LoginClient]
            || !form.rows.with(Vec::is_empty)
    });
    let toasts = use_toasts();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !form.begin_submit(busy) {
            return;
        }
        spawn_local(async move {
            let result = create_new_property(
                form.name.get_untracked(),
                form.normalized_features(),
                form.whitelist(),
            )
            .await;
            busy.set(false);
            match result {
                Ok(created) => {
                    toasts.show_on_next_page(format!(
                        "Property \u{201c}{}\u{201d} created.",
                        created.name
                    ));
                    navigate_to(&format!("/properties/{}", created.client_id));
                }
                Err(error) => form.show_server_error(error),
            }
        });
    };
    let leave = Callback::new(move |_: ()| navigate_to("/"));
    let cancel = move |_| {
        if dirty.get_untracked() {
            confirm_cancel.set(true);
        } else {
            leave.run(());
        }
    };
    let general_error = move || {
        form.server_error.with(|e| {
            e.as_ref()
                .filter(|e| form.server_problem_field(e).is_none())
                .map(|e| e.to_string())
        })
    };
    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Create Property"</h1>
            </header>
            <form on:submit=submit novalidate class="property-form">
                <p class="notice error" role="alert" hidden=move || general_error().is_none()>
                    {general_error}
                </p>
                <NameField form/>
                <FeaturesEditor form owner_locked=Signal::stored(false)/>
                <WhitelistEditor
                    form
                    empty_note="No IP address ranges: any address is allowed (stored as 0.0.0.0/0)."
                />
                <GlobalSettings globals/>
                <div class="form-actions">
                    <button type="button" on:click=cancel>"Cancel"</button>
                    <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()>
                        {move || if busy.get() { "Creating…" } else { "Create" }}
                    </button>
                </div>
            </form>
        </section>
        <Show when=move || confirm_cancel.get()>
            <Dialog
                title="Do you really want to cancel?".to_string()
                on_cancel=Callback::new(move |_| confirm_cancel.set(false))
                role="alertdialog"
            >
                <p>"What you typed will be lost."</p>
                <div class="form-actions">
                    <button type="button" on:click=move |_| confirm_cancel.set(false)>"No"</button>
                    <button type="button" class="primary" data-autofocus on:click=move |_| leave.run(())>
                        "Yes"
                    </button>
                </div>
            </Dialog>
        </Show>
        <ToastRegion/>
    }
}

/// The global settings, read-only: a new property inherits them until it sets its own.
#[component]
fn GlobalSettings(globals: Result<Vec<(String, String)>, ConsoleError>) -> impl IntoView {
    let table = match globals {
        Ok(rows) if rows.is_empty() => {
            view! { <p class="muted">"No global settings."</p> }.into_any()
        }
        Ok(rows) => view! {
            <div class="table-wrap">
                <table class="data">
                    <caption class="visually-hidden">"Global settings"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Key"</th>
                            <th scope="col">"Global Value"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|(key, value)| {
                                view! {
                                    <tr>
                                        <td class="mono">{key}</td>
                                        <td class="setting-value">{value}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
        Err(error) => view! { <p class="notice error">{error.to_string()}</p> }.into_any(),
    };
    view! {
        <fieldset>
            <legend>"Settings"</legend>
            <p class="field-hint">
                "Property settings can be added after the property is saved. Until then it uses the global settings below."
            </p>
            {table}
        </fieldset>
    }
}
