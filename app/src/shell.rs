//! The console frame: document shell, header, navigation and routes. Every page renders inside it.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use crate::audit::AuditRoute;
use crate::auth::pages::{AccountRoute, SignInRoute, UserMenu, UsersRoute};
use crate::auth::server_fns::current_user;
use crate::auth::Permission;
use crate::icons;
use crate::properties::{ImportPropertiesRoute, NewPropertyRoute, PropertiesRoute, PropertyRoute};
use crate::settings::{AppSettingsRoute, PropertySettingsRoute};
use crate::ui::viewer::{signed_in, CurrentUser};
use crate::ui::{island_ready, IslandScripts};

/// The HTML document the server renders around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    // For the pages' preload hints (`ui::PreloadIsland`): where the bundle is.
    provide_context(options.clone());
    let wasm = page_loads_wasm(&request_path());
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                // Before the stylesheet: a script after it would wait for it to load.
                {wasm.then(|| view! { <IslandScripts/> })}
                // With content-hashed file names (see the server's `bundle_is_hashed`), browsers keep the
                // bundle and the stylesheet for a year and never ask again.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <MetaTags/>
            </head>
            // A page without wasm is as interactive as it will get once its HTML is there (see
            // `ui::island_ready` for the others); the sign-in page's script marks it itself.
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Pages that need no wasm: plain HTML (and a small script) that a signed-out visitor sees. They
/// get no bundle and no navigation, so the first page everyone sees loads in one round trip.
pub fn page_loads_wasm(path: &str) -> bool {
    path != "/sign-in"
}

/// The path of the page being rendered (on the server; the frame is never rendered in a browser).
fn request_path() -> String {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        return parts.uri.path().to_string();
    }
    String::new()
}

/// A per-response nonce lets exactly our hydration scripts run; everything else is same-origin only.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    leptos::nonce::provide_nonce();
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&policy),
    ) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The console frame. It is rendered on the server only: the interactive part of each page is an
/// island (lazy, in its own wasm chunk, except the landing page's, which is in the entry), so the
/// browser never loads the router or the frame.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Gatehouse"/>
        <Router>
            <CurrentUserProvider>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <main id="main" class="main" tabindex="-1">
                // A property's pages are rendered whole before they are sent (`Async`), so their
                // title, which names the property the server loads, is in the head.
                <Routes fallback=NotFound>
                    <Route path=path!("") view=PropertiesRoute/>
                    <Route path=path!("/properties/new") view=NewPropertyRoute/>
                    <Route path=path!("/properties/import") view=ImportPropertiesRoute/>
                    <Route path=path!("/properties/:id") view=PropertyRoute ssr=SsrMode::Async/>
                    <Route path=path!("/properties/:id/settings") view=PropertySettingsRoute ssr=SsrMode::Async/>
                    <Route path=path!("/application") view=AppSettingsRoute/>
                    <Route path=path!("/audit") view=AuditRoute/>
                    <Route path=path!("/sign-in") view=SignInRoute/>
                    <Route path=path!("/account") view=AccountRoute/>
                    <Route path=path!("/users") view=UsersRoute/>
                </Routes>
            </main>
            </CurrentUserProvider>
        </Router>
    }
}

/// Loads who is signed in and shares it with the frame and the pages. Not on a page without wasm
/// (the sign-in page): nothing there reads it, and a resource nothing reads can hold the stream
/// open, as the page waits for every resource it started.
#[component]
fn CurrentUserProvider(children: Children) -> impl IntoView {
    if page_loads_wasm(&request_path()) {
        let user: CurrentUser = Resource::new(|| (), |_| current_user());
        provide_context(user);
    }
    children()
}

/// Product name, the primary navigation and who is signed in.
#[component]
fn Header() -> impl IntoView {
    let brand = view! {
        <a class="brand" href="/">
            {icons::logo()}
            <span class="brand-name">"Gatehouse"</span>
        </a>
    };
    // Signed-out pages have nowhere to go yet, and no wasm to run the menu.
    if !page_loads_wasm(&request_path()) {
        return view! { <header class="topbar">{brand}</header> }.into_any();
    }
    let user = expect_context::<CurrentUser>();
    let is_admin = move || signed_in(user).is_some_and(|p| p.can(Permission::ManageUsers));
    view! {
        <header class="topbar">
            {brand}
            <MenuToggle/>
            // On narrow screens the navigation and the user menu fold together behind "Menu".
            <div id="topbar-menu" class="topbar-menu">
                <nav id="primary-nav" class="primary-nav" aria-label="Primary">
                    <A href="/">"Properties"</A>
                    <A href="/application">"Application settings"</A>
                    <A href="/audit">"Audit log"</A>
                    <Transition fallback=|| ()>
                        <Show when=is_admin>
                            <A href="/users">"Users"</A>
                        </Show>
                    </Transition>
                </nav>
                <UserMenu user/>
            </div>
        </header>
    }
    .into_any()
}

/// On narrow screens the navigation and the user menu fold behind this "Menu" button (the
/// stylesheet shows them while the button is expanded).
#[island]
fn MenuToggle() -> impl IntoView {
    let (open, set_open) = signal(false);
    island_ready();
    view! {
        <button
            type="button"
            class="menu-toggle"
            aria-controls="topbar-menu"
            aria-expanded=move || if open.get() { "true" } else { "false" }
            on:click=move |_| set_open.update(|open| *open = !*open)
        >
            {icons::menu()}
            <span>"Menu"</span>
        </button>
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
