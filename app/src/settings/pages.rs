//! The two settings pages: a property's "Edit Settings" and the application settings.

use leptos::prelude::*;
use leptos_meta::Title;

use super::editor::SettingsEditor;
use super::server_fns::{get_application_settings, get_property_settings};
use crate::auth::{Permission, Principal};
use crate::properties::edit::{client_id_in_address, PropertyLoadFailed};
use crate::ui::viewer::can;
use crate::ui::viewer::{start_page_island, with_viewer};
use crate::ui::ToastRegion;

/// The route: hands the property's client id from the address to the page island.
#[component]
pub fn PropertySettingsRoute() -> impl IntoView {
    let client_id = client_id_in_address();
    with_viewer(move |viewer| view! { <PropertySettingsPage viewer client_id=client_id.clone()/> })
}

#[island(lazy)]
fn PropertySettingsPage(viewer: Option<Principal>, client_id: String) -> impl IntoView {
    start_page_island(viewer);
    let snapshot = Resource::new(
        {
            let client_id = client_id.clone();
            move || client_id.clone()
        },
        get_property_settings,
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading settings…"</p> }>
            {move || {
                snapshot
                    .get()
                    .map(|result| match result {
                        Ok(snapshot) => {
                            let property = snapshot.property.clone().unwrap_or_else(|| {
                                super::model::PropertyRef {
                                    client_id: client_id.clone(),
                                    name: String::new(),
                                }
                            });
                            view! {
                                <Title text=format!("Edit Settings · {} · Gatehouse", property.name)/>
                                <nav class="breadcrumb" aria-label="Breadcrumb">
                                    <a href="/">"Manage Properties"</a>
                                    " / "
                                    <a href=format!("/properties/{}", property.client_id)>{property.name.clone()}</a>
                                </nav>
                                <section class="page">
                                    <header class="page-header">
                                        <div>
                                            <h1>"Edit Settings"</h1>
                                            <p class="muted subtitle">
                                                {property.name.clone()} " · " <code>{property.client_id.clone()}</code>
                                            </p>
                                        </div>
                                    </header>
                                    <p class="field-hint">
                                        "A property value overrides the global value; leave it empty (grey "
                                        <em>"Value"</em>
                                        ") to use the global value. The tag beside each global value shows which one the API returns for this property."
                                    </p>
                                    <ReadOnlyNote/>
                                    <SettingsEditor snapshot/>
                                </section>
                            }
                            .into_any()
                        }
                        Err(error) => view! {
                            <PropertyLoadFailed error heading="Settings could not be loaded"/>
                        }
                        .into_any(),
                    })
            }}
        </Suspense>
        <ToastRegion/>
    }
}

#[component]
pub fn AppSettingsRoute() -> impl IntoView {
    with_viewer(|viewer| view! { <AppSettingsPage viewer/> })
}

#[island(lazy)]
fn AppSettingsPage(viewer: Option<Principal>) -> impl IntoView {
    start_page_island(viewer);
    let snapshot = Resource::new(|| (), |_| get_application_settings());
    view! {
        <Title text="Application settings · Gatehouse"/>
        <section class="page">
            <header class="page-header">
                <h1>"Application settings"</h1>
            </header>
            <p class="field-hint">
                "Global settings apply to every property that does not set its own value. Changes show up at once as the Global Value on every property."
            </p>
            <ReadOnlyNote/>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading settings…"</p> }>
                {move || {
                    snapshot
                        .get()
                        .map(|result| match result {
                            Ok(snapshot) => view! { <SettingsEditor snapshot/> }.into_any(),
                            Err(error) => {
                                view! { <p class="notice error" role="alert">{error.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </section>
        <ToastRegion/>
    }
}

/// Viewers see the settings and are told why they cannot change them.
#[component]
fn ReadOnlyNote() -> impl IntoView {
    view! {
        <Show when=move || !can(Permission::Write)>
            <p class="notice warning">"You can view these settings; only an admin can change them."</p>
        </Show>
    }
}
