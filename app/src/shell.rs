//! The console frame: document shell, header, navigation and routes. Every page renders inside it.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::{lazy_route, path, Lazy, LazyRoute};

use crate::auth::api::current_user;
use crate::auth::pages::{signed_in, AccountPage, CurrentUser, SignInPage, UserMenu, UsersPage};
use crate::auth::Permission;
use crate::icons;
use crate::properties::{NewPropertyPage, PropertiesPage, PropertyPage};
use crate::settings::{AppSettingsPage, PropertySettingsPage};
use crate::ui::{install_leave_guard, provide_toasts, ToastRegion};

/// The HTML document the server renders around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    // Before the router: its popstate listener must run after the guard's.
    install_leave_guard();
    view! {
        <Stylesheet id="leptos" href="/pkg/gatehouse.css"/>
        <Title text="Gatehouse"/>
        <Router>
            <CurrentUserProvider>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <main id="main" class="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("") view={Lazy::<PropertiesRoute>::new()}/>
                    <Route path=path!("/properties/new") view={Lazy::<NewPropertyRoute>::new()}/>
                    <Route path=path!("/properties/:id") view={Lazy::<PropertyRoute>::new()}/>
                    <Route
                        path=path!("/properties/:id/settings")
                        view={Lazy::<PropertySettingsRoute>::new()}
                    />
                    <Route path=path!("/application") view={Lazy::<AppSettingsRoute>::new()}/>
                    <Route path=path!("/sign-in") view={Lazy::<SignInRoute>::new()}/>
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()}/>
                    <Route path=path!("/users") view={Lazy::<UsersRoute>::new()}/>
                </Routes>
            </main>
            <ToastRegion/>
            </CurrentUserProvider>
        </Router>
    }
}

/// Declares a route whose page is compiled into its own wasm chunk (`cargo leptos build --split`):
/// the browser fetches a page's code when the page is first shown, not with the first page.
macro_rules! lazy_page {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    PropertiesRoute => PropertiesPage,
    NewPropertyRoute => NewPropertyPage,
    PropertyRoute => PropertyPage,
    PropertySettingsRoute => PropertySettingsPage,
    AppSettingsRoute => AppSettingsPage,
    SignInRoute => SignInPage,
    AccountRoute => AccountPage,
    UsersRoute => UsersPage,
}

/// Loads who is signed in (again on every navigation, so sign-in and sign-out show at once) and
/// shares it with the frame and the pages.
#[component]
fn CurrentUserProvider(children: Children) -> impl IntoView {
    let location = use_location();
    let user: CurrentUser = Resource::new(move || location.pathname.get(), |_| current_user());
    provide_context(user);
    children()
}

/// Product name and the primary navigation. On narrow screens the navigation folds behind a
/// "Menu" button.
#[component]
fn Header() -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);
    let user = expect_context::<CurrentUser>();
    let is_admin = move || signed_in(user).is_some_and(|p| p.can(Permission::ManageUsers));
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
                <Transition fallback=|| ()>
                    <Show when=is_admin>
                        <A href="/users" on:click=move |_| set_menu_open.set(false)>
                            "Users"
                        </A>
                    </Show>
                </Transition>
            </nav>
            <UserMenu user/>
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
