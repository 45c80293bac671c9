//! The property page (opened from the list) and the Create Property page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::api::get_property_summary;
use super::dialogs::{CopyDialog, DeleteDialog};
use super::model::PropertySummary;
use crate::auth::pages::can;
use crate::auth::Permission;
use crate::icons;
use crate::ui::use_toasts;

#[derive(Clone, Debug)]
enum OpenDialog {
    Copy(PropertySummary),
    Delete(PropertySummary),
}

/// A property: its name, id and features, with Copy and Delete.
#[component]
pub fn PropertyPage() -> impl IntoView {
    let params = use_params_map();
    let client_id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let property = Resource::new(move || client_id.get(), get_property_summary);
    let dialog = RwSignal::new(None::<OpenDialog>);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let on_copied = Callback::new(move |copy: PropertySummary| {
        dialog.set(None);
        toasts.show(format!("Property copied as \u{201c}{}\u{201d}.", copy.name));
        navigate(
            &format!("/properties/{}", copy.client_id),
            Default::default(),
        );
    });
    let navigate = use_navigate();
    let on_deleted = Callback::new(move |gone: PropertySummary| {
        dialog.set(None);
        toasts.show(format!("Property \u{201c}{}\u{201d} deleted.", gone.name));
        navigate("/", Default::default());
    });
    let close = Callback::new(move |_| dialog.set(None));
    view! {
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <a href="/">"Manage Properties"</a>
        </nav>
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading property…"</p> }>
            {move || {
                property
                    .get()
                    .map(|result| match result {
                        Ok(property) => {
                            let owner = property.is_owner();
                            let writable = can(Permission::Write);
                            let for_copy = property.clone();
                            let for_delete = property.clone();
                            view! {
                                <Title text=format!("{} · Gatehouse", property.name)/>
                                <section class="page">
                                    <header class="page-header">
                                        <h1>{property.name.clone()}</h1>
                                        {writable.then(|| view! {
                                        <div class="toolbar">
                                            <button
                                                type="button"
                                                class="icon-button"
                                                aria-label="Copy property"
                                                title="Copy property"
                                                on:click=move |_| dialog.set(Some(OpenDialog::Copy(for_copy.clone())))
                                            >
                                                {icons::copy()}
                                            </button>
                                            <button
                                                type="button"
                                                class="icon-button"
                                                aria-label="Delete property"
                                                title=if owner { "Owner properties cannot be deleted." } else { "Delete property" }
                                                disabled=owner
                                                on:click=move |_| dialog.set(Some(OpenDialog::Delete(for_delete.clone())))
                                            >
                                                {icons::trash()}
                                            </button>
                                        </div>
                                        })}
                                    </header>
                                    <dl class="facts">
                                        <dt>"Client ID"</dt>
                                        <dd class="mono">{property.client_id.clone()}</dd>
                                        <dt>"Features"</dt>
                                        <dd>
                                            {if property.features.is_empty() {
                                                view! { <span class="muted">"None"</span> }.into_any()
                                            } else {
                                                property
                                                    .features
                                                    .iter()
                                                    .map(|f| view! { <span class="chip">{f.as_str()}</span> })
                                                    .collect_view()
                                                    .into_any()
                                            }}
                                        </dd>
                                    </dl>
                                    <p class="notice warning">
                                        "Editing this property in the console (name, secret, features, whitelist, settings) is not built yet; use the API meanwhile."
                                    </p>
                                </section>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <Title text="Property not found · Gatehouse"/>
                                <section class="page empty-state">
                                    <h1>"Property not found"</h1>
                                    <p>{error.to_string()}</p>
                                    <p>
                                        <a class="button primary" href="/">"Back to Manage Properties"</a>
                                    </p>
                                </section>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
        {move || match dialog.get() {
            Some(OpenDialog::Copy(source)) => view! { <CopyDialog source on_cancel=close on_copied/> }.into_any(),
            Some(OpenDialog::Delete(property)) => {
                view! { <DeleteDialog property on_cancel=close on_deleted/> }.into_any()
            }
            None => ().into_any(),
        }}
    }
}

/// Create Property.
#[component]
pub fn NewPropertyPage() -> impl IntoView {
    view! {
        <Title text="Create Property · Gatehouse"/>
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <a href="/">"Manage Properties"</a>
        </nav>
        <section class="page">
            <header class="page-header">
                <h1>"Create Property"</h1>
            </header>
            <p class="notice warning">
                "Creating properties in the console is not built yet. Use the API meanwhile: POST /clients/add with a description."
            </p>
        </section>
    }
}
