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

/// Asks before leaving with unsaved changes: on reload / close (the browser's own prompt), on any
/// link click inside the console, and on Back / Forward.
pub fn guard_unsaved_changes(dirty: Memo<bool>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;

        let is_dirty = move || dirty.try_get_untracked().unwrap_or(false);
        let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
            if is_dirty() {
                ev.prevent_default();
                ev.set_return_value("unsaved");
            }
        });
        let click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
            if !is_dirty() || ev.default_prevented() {
                return;
            }
            let anchor = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("a[href]").ok().flatten());
            if anchor.is_some() && !confirm_leaving() {
                ev.prevent_default();
                ev.stop_propagation();
            }
        });
        // Back / Forward: see `install_back_forward_guard`.
        let location = leptos_router::hooks::use_location();
        let guard = back_forward::register(move || {
            is_dirty().then(|| {
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
        let _ = document().add_event_listener_with_callback_and_bool(
            "click",
            click.as_ref().unchecked_ref(),
            true,
        );
        let click = send_wrapper::SendWrapper::new(click);
        on_cleanup(move || {
            unload.remove();
            back_forward::unregister(guard);
            let _ = document().remove_event_listener_with_callback_and_bool(
                "click",
                click.as_ref().unchecked_ref(),
                true,
            );
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = dirty;
}

/// Lets [`guard_unsaved_changes`] ask on Back / Forward. When `popstate` fires the address has
/// already changed, and the router moves to the other page on its own `popstate` listener. Ours
/// must come first, and listeners on `window` run in the order they were added, so the App calls
/// this before it creates the router. Staying hides the event from the router and puts the page's
/// address back on top of the history.
pub fn install_back_forward_guard() {
    #[cfg(feature = "hydrate")]
    back_forward::install();
}

#[cfg(feature = "hydrate")]
mod back_forward {
    use std::cell::{Cell, RefCell};

    use leptos::prelude::window;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// Each guard answers the address to stay at when its page has unsaved changes.
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

    pub fn install() {
        if INSTALLED.replace(true) {
            return;
        }
        let on_popstate = Closure::<dyn Fn(web_sys::Event)>::new(|ev: web_sys::Event| {
            let stay_at = GUARDS.with_borrow(|guards| guards.iter().find_map(|(_, guard)| guard()));
            let Some(here) = stay_at else {
                return;
            };
            if super::confirm_leaving() {
                return;
            }
            ev.stop_immediate_propagation();
            if let Ok(history) = window().history() {
                let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&here));
            }
        });
        let _ = window()
            .add_event_listener_with_callback("popstate", on_popstate.as_ref().unchecked_ref());
        // Lives as long as the page.
        on_popstate.forget();
    }
}

#[cfg(feature = "hydrate")]
fn confirm_leaving() -> bool {
    window()
        .confirm_with_message("You have unsaved changes. Leave this page and lose them?")
        .unwrap_or(true)
}
