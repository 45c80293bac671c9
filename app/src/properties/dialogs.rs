//! The Copy and Delete dialogs, shared by the list and the property page.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::model::PropertySummary;
use super::server_fns::{copy_property, delete_property};
use crate::domain::capitalize;
use crate::domain::names::{copy_name, validate_name};
use crate::ui::Dialog;

/// "Copy this property": a name (pre-filled "<name> copy"), Copy / Cancel. A name clash is shown in
/// the dialog, which stays open with the typed name.
#[component]
pub fn CopyDialog(
    source: PropertySummary,
    on_cancel: Callback<()>,
    on_copied: Callback<PropertySummary>,
) -> impl IntoView {
    let name = RwSignal::new(copy_name(&source.name));
    let input = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let source_id = source.client_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = name.get_untracked();
        if let Err(problem) = validate_name(&typed) {
            error.set(Some(capitalize(&problem.reason())));
            return;
        }
        busy.set(true);
        let source_id = source_id.clone();
        spawn_local(async move {
            match copy_property(source_id, typed).await {
                Ok(copy) => on_copied.run(copy),
                Err(problem) => {
                    error.set(Some(
                        problem
                            .for_field("name")
                            .unwrap_or_else(|| problem.to_string()),
                    ));
                    if let Some(input) = input.get_untracked() {
                        let _ = input.focus();
                    }
                }
            }
            busy.set(false);
        });
    };
    view! {
        <Dialog title="Copy this property".to_string() on_cancel=on_cancel>
            <form on:submit=submit novalidate>
                <p class="muted">
                    "The copy gets the features, IP whitelist and settings of "
                    <strong>{source.name.clone()}</strong>
                    ", and a new client id and secret."
                </p>
                <div class="field">
                    <label for="copy-name">"Name"</label>
                    <input
                        id="copy-name"
                        node_ref=input
                        type="text"
                        maxlength="100"
                        autocomplete="off"
                        prop:value=move || name.get()
                        on:input=move |ev| {
                            name.set(event_target_value(&ev));
                            error.set(None);
                        }
                        aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                        aria-describedby="copy-name-error"
                    />
                    <p id="copy-name-error" class="field-error" role="alert">
                        {move || error.get()}
                    </p>
                </div>
                <div class="form-actions">
                    <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()>
                        {move || if busy.get() { "Copying…" } else { "Copy" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// "Would you like to delete this property?": Delete / Cancel. There is no undo.
#[component]
pub fn DeleteDialog(
    property: PropertySummary,
    on_cancel: Callback<()>,
    on_deleted: Callback<PropertySummary>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let target = property.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let target = target.clone();
        spawn_local(async move {
            match delete_property(target.client_id.clone()).await {
                Ok(()) => on_deleted.run(target),
                Err(problem) => error.set(Some(problem.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <Dialog title="Would you like to delete this property?".to_string() on_cancel=on_cancel role="alertdialog">
            <form on:submit=submit>
                <p>
                    <strong>{property.name.clone()}</strong>
                    " ("<code>{property.client_id.clone()}</code>") will be deleted with its settings. "
                    "Applications using its credentials stop working. There is no undo."
                </p>
                <p class="field-error" role="alert">{move || error.get()}</p>
                <div class="form-actions">
                    <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    <button type="submit" class="danger" data-autofocus aria-disabled=move || busy.get().to_string()>
                        {move || if busy.get() { "Deleting…" } else { "Delete" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
