//! The console frame: document shell, header, navigation and routes. Every page renders inside it.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use crate::app_settings::AppSettingsPage;
use crate::icons;
use crate::properties::{NewPropertyPage, PropertiesPage, PropertyPage, PropertySettingsPage};
use crate::ui::{provide_toasts, ToastRegion};

/// The HTML document the server renders around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    view! {
        <Stylesheet id="leptos" href="/pkg/gatehouse.css"/>
        <Title text="Gatehouse"/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <main id="main" class="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("") view=PropertiesPage/>
                    <Route path=path!("/properties/new") view=NewPropertyPage/>
                    <Route path=path!("/properties/:id") view=PropertyPage/>
                    <Route path=path!("/properties/:id/settings") view=PropertySettingsPage/>
                    <Route path=path!("/application") view=AppSettingsPage/>
                </Routes>
            </main>
            <ToastRegion/>
        </Router>
    }
}

/// Product name and the primary navigation. On narrow screens the navigation folds behind a
/// "Menu" button.
#[component]
fn Header() -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                {icons::logo()}
                <span class="brand-name">"Gatehouse"</span>
            </a>
            <button
                type="button"
                class="menu-toggle"
                aria-controls="primary-nav"
                aria-expanded=move || if menu_open.get() { "true" } else { "false" }
                on:click=move |_| set_menu_open.update(|open| *open = !*open)
            >
                {icons::menu()}
                <span>"Menu"</span>
            </button>
            <nav
                id="primary-nav"
                class="primary-nav"
                class:open=move || menu_open.get()
                aria-label="Primary"
            >
                <A href="/" on:click=move |_| set_menu_open.set(false)>
                    "Properties"
                </A>
                <A href="/application" on:click=move |_| set_menu_open.set(false)>
                    "Application settings"
                </A>
            </nav>
        </header>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Page not found · Gatehouse"/>
        <section class="page empty-state">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address. It may have moved, or the link may be mistyped."</p>
            <p>
                <a class="button primary" href="/">
                    "Go to Properties"
                </a>
            </p>
        </section>
    }
}
