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

/// A page whose view lives in the address and whose data the server loads for that view (the
/// list, the audit log): the server-rendered first answer, a new load whenever the view or the
/// refresh count changes, and only the newest request's answer shown.
pub struct AddressedView<V: Send + Sync + 'static, A: Send + Sync + 'static> {
    /// The view as the address says.
    pub current: RwSignal<V>,
    pub view: Memo<V>,
    /// Bumped to load the same view again.
    pub refresh: RwSignal<u32>,
    /// The newest answer, with the (view, refresh count) request it answers.
    pub answer: RwSignal<((V, u32), A)>,
    /// The answer shown is out of date while the answer to a newer request loads.
    pub busy: Signal<bool>,
}

impl<V: Send + Sync + 'static, A: Send + Sync + 'static> Clone for AddressedView<V, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V: Send + Sync + 'static, A: Send + Sync + 'static> Copy for AddressedView<V, A> {}

/// Sets up an [`AddressedView`]: `read` makes a view of an address's query (Back / Forward), and
/// `load` fetches the answer for a view.
pub fn addressed_view<V, A, Fut>(
    initial: V,
    first: A,
    read: impl Fn(&QueryPairs) -> V + 'static,
    load: impl Fn(V) -> Fut + Clone + 'static,
) -> AddressedView<V, A>
where
    V: Clone + PartialEq + Send + Sync + 'static,
    A: Send + Sync + 'static,
    Fut: std::future::Future<Output = A> + 'static,
{
    let current = RwSignal::new(initial.clone());
    follow_history(current, read);
    let view = Memo::new(move |_| current.get());
    let refresh = RwSignal::new(0u32);
    let answer = RwSignal::new(((initial, 0), first));
    Effect::new(move |first_run: Option<()>| {
        let request = (view.get(), refresh.get());
        if first_run.is_none() {
            return;
        }
        let load = load.clone();
        leptos::task::spawn_local(async move {
            let result = load(request.0.clone()).await;
            let newest = view.get_untracked() == request.0 && refresh.get_untracked() == request.1;
            if newest {
                answer.set((request, result));
            }
        });
    });
    let busy = Signal::derive(move || {
        answer.with(|((shown, count), _)| *count != refresh.get() || *shown != view.get())
    });
    AddressedView {
        current,
        view,
        refresh,
        answer,
        busy,
    }
}
