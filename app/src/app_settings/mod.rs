//! Application settings: the global ("default") scope every property inherits.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AppSettingsPage() -> impl IntoView {
    view! {
        <Title text="Application settings · Gatehouse"/>
        <section class="page">
            <header class="page-header">
                <h1>"Application settings"</h1>
            </header>
            <p class="muted">
                "Global settings apply to every property that does not set its own value."
            </p>
        </section>
    }
}
