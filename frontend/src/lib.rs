//! The browser entry point. The console is rendered on the server; only its islands (the
//! interactive parts of each page) hydrate, each from its own wasm chunk, loaded when a page that
//! shows it is opened.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The islands are exported from the `app` crate; this keeps that crate linked in.
    app::link_islands();
    leptos::mount::hydrate_islands();
    // A page without islands is as interactive as it gets already (see `ui::island_ready`).
    let document = web_sys::window().and_then(|w| w.document());
    if let Some(document) = document {
        let islands = document.query_selector("leptos-island").ok().flatten();
        if let (None, Some(body)) = (islands, document.body()) {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    }
}
