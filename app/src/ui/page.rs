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

/// Asks before leaving with unsaved changes. Every way out of a page (a link, Back / Forward,
/// reload, close, typing an address) is a document navigation, so the browser's own
/// `beforeunload` prompt covers them all. A page registers whether it has unsaved changes for as
/// long as it is shown.
pub fn guard_unsaved_changes(dirty: Memo<bool>) {
    #[cfg(feature = "hydrate")]
    {
        let guard = leave_guard::register(move || dirty.try_get_untracked().unwrap_or(false));
        on_cleanup(move || leave_guard::unregister(guard));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = dirty;
}

/// Keeps the document's title in step with `title` (`None`: leave it). The server renders each
/// page's first title with `leptos_meta::Title`; islands use this, which keeps leptos_meta out of
/// the wasm.
pub fn follow_title(title: impl Fn() -> Option<String> + 'static) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(title) = title() {
            document().set_title(&title);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = title;
}

/// Opens another console page after an action the user chose (a saved copy, a deletion, a
/// confirmed cancel), so the unsaved-changes guard does not ask again.
pub fn navigate_to(url: &str) {
    #[cfg(feature = "hydrate")]
    {
        leave_guard::leave_on_purpose();
        let _ = window().location().assign(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

#[cfg(feature = "hydrate")]
thread_local! {
    static ISLANDS_READY: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Called by every island once it is interactive. When all islands on the page are, the body gets
/// `data-hydrated`: a marker for end-to-end tests (and curious operators).
pub fn island_ready() {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let ready = ISLANDS_READY.with(|count| {
            count.set(count.get() + 1);
            count.get()
        });
        let islands = document()
            .query_selector_all("leptos-island")
            .map(|list| list.length())
            .unwrap_or(0);
        if ready >= islands {
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        }
    });
}

#[cfg(feature = "hydrate")]
mod leave_guard {
    use std::cell::{Cell, RefCell};

    use leptos::prelude::window;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// Each shown part of a page with a guard answers whether it has unsaved changes.
    type Guard = Box<dyn Fn() -> bool>;

    thread_local! {
        static GUARDS: RefCell<Vec<(u64, Guard)>> = const { RefCell::new(Vec::new()) };
        static NEXT_ID: Cell<u64> = const { Cell::new(0) };
        static INSTALLED: Cell<bool> = const { Cell::new(false) };
        static ON_PURPOSE: Cell<bool> = const { Cell::new(false) };
    }

    pub fn leave_on_purpose() {
        ON_PURPOSE.set(true);
    }

    pub fn register(guard: impl Fn() -> bool + 'static) -> u64 {
        install();
        let id = NEXT_ID.replace(NEXT_ID.get() + 1);
        GUARDS.with_borrow_mut(|guards| guards.push((id, Box::new(guard))));
        id
    }

    pub fn unregister(id: u64) {
        GUARDS.with_borrow_mut(|guards| guards.retain(|(other, _)| *other != id));
    }

    fn unsaved() -> bool {
        GUARDS.with_borrow(|guards| guards.iter().any(|(_, guard)| guard()))
    }

    fn install() {
        if INSTALLED.replace(true) {
            return;
        }
        let on_unload =
            Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(|ev: web_sys::BeforeUnloadEvent| {
                if !ON_PURPOSE.get() && unsaved() {
                    ev.prevent_default();
                    ev.set_return_value("unsaved");
                }
            });
        let _ = window()
            .add_event_listener_with_callback("beforeunload", on_unload.as_ref().unchecked_ref());
        // It lives as long as the page.
        on_unload.forget();
    }
}
