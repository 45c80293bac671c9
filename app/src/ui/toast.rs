//! Short confirmations ("Property copied") announced to screen readers and gone after a few seconds.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Toasts {
    messages: RwSignal<Vec<(u64, String)>>,
    next_id: StoredValue<u64>,
}

/// Where a confirmation waits while the browser loads the next page.
#[cfg(feature = "hydrate")]
const NEXT_PAGE_KEY: &str = "gatehouse.toast";

impl Toasts {
    /// Shows `message` on the page the browser opens next (a confirmation that comes with a
    /// navigation, such as "Property created").
    pub fn show_on_next_page(&self, message: impl Into<String>) {
        #[cfg(feature = "hydrate")]
        {
            use gloo_storage::Storage;
            let _ = gloo_storage::SessionStorage::set(NEXT_PAGE_KEY, message.into());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = message.into();
    }

    pub fn show(&self, message: impl Into<String>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.messages.update(|list| list.push((id, message.into())));
        let messages = self.messages;
        set_timeout(
            move || messages.update(|list| list.retain(|(other, _)| *other != id)),
            std::time::Duration::from_secs(5),
        );
    }
}

pub fn provide_toasts() {
    provide_context(Toasts {
        messages: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    });
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// Where toasts appear; a polite live region so screen readers announce them.
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use gloo_storage::Storage;
        if let Ok(message) = gloo_storage::SessionStorage::get::<String>(NEXT_PAGE_KEY) {
            gloo_storage::SessionStorage::delete(NEXT_PAGE_KEY);
            toasts.show(message);
        }
    });
    view! {
        <div class="toast-region" role="status" aria-live="polite">
            <For each=move || toasts.messages.get() key=|(id, _)| *id let:toast>
                <div class="toast">{toast.1}</div>
            </For>
        </div>
    }
}
