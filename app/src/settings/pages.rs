//! The two settings pages: a property's "Edit Settings" and the application settings.

use leptos::prelude::*;
use leptos_meta::Title;

use super::editor::SettingsEditor;
use super::model::{PropertyRef, SettingsSnapshot};
use super::server_fns::get_settings;
use crate::auth::{Permission, Principal};
use crate::properties::edit::{client_id_in_address, PropertyLoadFailed};
use crate::ui::viewer::{start_page_island, with_viewer_and};
use crate::ui::{PreloadIsland, ToastRegion};

/// The route: loads the property's settings on the server and hands them to the page island, which
/// so starts with every row in place. Title, breadcrumb, heading and a load failure are
/// server-rendered: their code never reaches the browser.
#[component]
pub fn PropertySettingsRoute() -> impl IntoView {
    let client_id = client_id_in_address();
    with_viewer_and(
        {
            let client_id = client_id.clone();
            move || get_settings(Some(client_id))
        },
        move |viewer, loaded| match loaded {
            Ok(snapshot) => {
                let property = snapshot.property.clone().unwrap_or_else(|| PropertyRef {
                    client_id: client_id.clone(),
                    name: String::new(),
                });
                view! {
                    <Title text=format!("Edit Settings · {} · Gatehouse", property.name)/>
                    <PreloadIsland island="settings_page"/>
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
                        <ReadOnlyNote viewer=viewer.clone()/>
                        <SettingsPage viewer snapshot/>
                    </section>
                }
                .into_any()
            }
            Err(error) => view! {
                <nav class="breadcrumb" aria-label="Breadcrumb">
                    <a href="/">"Manage Properties"</a>
                </nav>
                <PropertyLoadFailed error heading="Settings could not be loaded"/>
            }
            .into_any(),
        },
    )
}

#[component]
pub fn AppSettingsRoute() -> impl IntoView {
    view! {
        <Title text="Application settings · Gatehouse"/>
        <PreloadIsland island="settings_page"/>
        <section class="page">
            <header class="page-header">
                <h1>"Application settings"</h1>
            </header>
            <p class="field-hint">
                "Global settings apply to every property that does not set its own value. Changes show up at once as the Global Value on every property."
            </p>
            {with_viewer_and(|| get_settings(None), move |viewer, loaded| match loaded {
                Ok(snapshot) => view! {
                    <ReadOnlyNote viewer=viewer.clone()/>
                    <SettingsPage viewer snapshot/>
                }
                .into_any(),
                Err(error) => view! { <p class="notice error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}

/// The settings editor of either page: the one island both pages load (one wasm chunk).
#[island(lazy)]
fn SettingsPage(viewer: Option<Principal>, snapshot: SettingsSnapshot) -> impl IntoView {
    start_page_island(viewer);
    view! {
        <SettingsEditor snapshot/>
        <ToastRegion/>
    }
}

/// Viewers see the settings and are told why they cannot change them.
#[component]
fn ReadOnlyNote(viewer: Option<Principal>) -> impl IntoView {
    (!viewer.is_some_and(|p| p.can(Permission::Write))).then(|| {
        view! { <p class="notice warning">"You can view these settings; only an admin can change them."</p> }
    })
}
