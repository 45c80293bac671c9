//! Pages whose view lives in the address (the list, the audit log): each change of view is a
//! history entry, and Back / Forward between the page's own entries show that entry's view,
//! without loading the page again.

use leptos::prelude::*;

/// Records `url` as the address of the current view: a new history entry, or (`replace`, e.g.
/// while a search is being typed) in place of the current one.
pub fn record_in_history(url: &str, replace: bool) {
    #[cfg(feature = "hydrate")]
    if let Ok(history) = window().history() {
        let state = wasm_bindgen::JsValue::NULL;
        let _ = if replace {
            history.replace_state_with_url(&state, "", Some(url))
        } else {
            history.push_state_with_url(&state, "", Some(url))
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, replace);
}

/// The query parameters of an address.
pub struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// On Back / Forward, sets `current` to the view `read` makes of the address's query.
pub fn follow_history<V: Send + Sync + 'static>(
    current: RwSignal<V>,
    read: impl Fn(&QueryPairs) -> V + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let on_popstate = Closure::<dyn Fn(web_sys::Event)>::new(move |_: web_sys::Event| {
            let search = window().location().search().unwrap_or_default();
            let pairs = QueryPairs(
                form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
                    .into_owned()
                    .collect(),
            );
            current.set(read(&pairs));
        });
        let _ = window()
            .add_event_listener_with_callback("popstate", on_popstate.as_ref().unchecked_ref());
        let on_popstate = send_wrapper::SendWrapper::new(on_popstate);
        on_cleanup(move || {
            let _ = window().remove_event_listener_with_callback(
                "popstate",
                on_popstate.as_ref().unchecked_ref(),
            );
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (current, read);
}
