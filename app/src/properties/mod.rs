//! Properties: the Manage Properties list and the property pages.

pub mod model;

use leptos::prelude::*;
use leptos_meta::Title;

/// Manage Properties.
#[component]
pub fn PropertiesPage() -> impl IntoView {
    view! {
        <Title text="Properties · Gatehouse"/>
        <section class="page">
            <header class="page-header">
                <h1>"Manage Properties"</h1>
            </header>
            <p class="muted">"Properties are the API clients that call the Capture API."</p>
        </section>
    }
}
