//! Page-level behaviour: moving focus after a render, and asking before unsaved edits are lost.

use leptos::prelude::*;

/// Focuses the element with `id` once the browser has rendered it.
pub fn focus_later(id: String) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(element) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Asks before leaving with unsaved changes: on reload / close (the browser's own prompt), on a
/// link click inside the console, and on Back / Forward. The listeners are installed once, by
/// [`install_leave_guard`]; a page only registers whether it has unsaved changes, for as long as
/// it is shown.
pub fn guard_unsaved_changes(dirty: Memo<bool>) {
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        let guard = leave_guard::register(move || {
            dirty.try_get_untracked().unwrap_or(false).then(|| {
                let path = location.pathname.try_get_untracked().unwrap_or_default();
                let query = location.search.try_get_untracked().unwrap_or_default();
                let hash = location.hash.try_get_untracked().unwrap_or_default();
                let query = if query.is_empty() {
                    query
                } else {
                    format!("?{query}")
                };
                format!("{path}{query}{hash}")
            })
        });
        on_cleanup(move || leave_guard::unregister(guard));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = dirty;
}

/// Installs the listeners behind [`guard_unsaved_changes`]. The App calls it before it creates the
/// router: on Back / Forward the address has already changed when `popstate` fires, and the router
/// moves to the other page from its own `popstate` listener. Listeners on `window` run in the order
/// they were added, so ours runs first; staying hides the event from the router and puts the page's
/// address back on top of the history.
pub fn install_leave_guard() {
    #[cfg(feature = "hydrate")]
    leave_guard::install();
}

#[cfg(feature = "hydrate")]
mod leave_guard {
    use std::cell::{Cell, RefCell};

    use leptos::prelude::{document, window};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// Each shown page with a guard answers the address to stay at while it has unsaved changes.
    type Guard = Box<dyn Fn() -> Option<String>>;

    thread_local! {
        static GUARDS: RefCell<Vec<(u64, Guard)>> = const { RefCell::new(Vec::new()) };
        static NEXT_ID: Cell<u64> = const { Cell::new(0) };
        static INSTALLED: Cell<bool> = const { Cell::new(false) };
    }

    pub fn register(guard: impl Fn() -> Option<String> + 'static) -> u64 {
        let id = NEXT_ID.replace(NEXT_ID.get() + 1);
        GUARDS.with_borrow_mut(|guards| guards.push((id, Box::new(guard))));
        id
    }

    pub fn unregister(id: u64) {
        GUARDS.with_borrow_mut(|guards| guards.retain(|(other, _)| *other != id));
    }

    /// Where to stay, if a shown page has unsaved changes.
    fn stay_at() -> Option<String> {
        GUARDS.with_borrow(|guards| guards.iter().find_map(|(_, guard)| guard()))
    }

    fn confirm_leaving() -> bool {
        window()
            .confirm_with_message("You have unsaved changes. Leave this page and lose them?")
            .unwrap_or(true)
    }

    pub fn install() {
        if INSTALLED.replace(true) {
            return;
        }
        let on_unload =
            Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(|ev: web_sys::BeforeUnloadEvent| {
                if stay_at().is_some() {
                    ev.prevent_default();
                    ev.set_return_value("unsaved");
                }
            });
        // Capture phase: before the router turns the click into a navigation.
        let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(|ev: web_sys::MouseEvent| {
            if ev.default_prevented() || stay_at().is_none() {
                return;
            }
            let on_link = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("a[href]").ok().flatten())
                .is_some();
            if on_link && !confirm_leaving() {
                ev.prevent_default();
                ev.stop_propagation();
            }
        });
        let on_popstate = Closure::<dyn Fn(web_sys::Event)>::new(|ev: web_sys::Event| {
            let Some(here) = stay_at() else {
                return;
            };
            if confirm_leaving() {
                return;
            }
            ev.stop_immediate_propagation();
            if let Ok(history) = window().history() {
                let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&here));
            }
        });
        let window = window();
        let _ = window
            .add_event_listener_with_callback("beforeunload", on_unload.as_ref().unchecked_ref());
        let _ = document().add_event_listener_with_callback_and_bool(
            "click",
            on_click.as_ref().unchecked_ref(),
            true,
        );
        let _ = window
            .add_event_listener_with_callback("popstate", on_popstate.as_ref().unchecked_ref());
        // They live as long as the page.
        on_unload.forget();
        on_click.forget();
        on_popstate.forget();
    }
}
