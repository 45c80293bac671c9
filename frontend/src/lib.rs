//! The browser entry point: hydrates the server-rendered console.
#![recursion_limit = "256"]

/// Each page's code is its own wasm chunk, so hydration waits for the current page's chunk
/// (already preloaded by the server-rendered `<link>`s) before it attaches.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // A marker for end-to-end tests (and curious operators): the page is interactive from here on.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
