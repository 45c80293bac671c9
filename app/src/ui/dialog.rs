//! A modal dialog: labelled by its title, focus moves into it and stays there, Escape cancels, and
//! focus returns to where it was when the dialog closes.

use leptos::prelude::*;

#[component]
pub fn Dialog(
    /// The heading, also the dialog's accessible name.
    title: String,
    /// Called on Escape or a click on the backdrop.
    on_cancel: Callback<()>,
    children: Children,
    /// "alertdialog" for confirmations, "dialog" otherwise.
    #[prop(default = "dialog")]
    role: &'static str,
) -> impl IntoView {
    let panel = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let opener = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        let opener = send_wrapper::SendWrapper::new(opener);
        Effect::new(move |_| {
            if let Some(panel) = panel.get() {
                focus_first(&panel);
            }
        });
        // Escape cancels wherever focus is (a control that became disabled drops focus to the body).
        let escape = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" {
                ev.prevent_default();
                on_cancel.run(());
            }
        });
        on_cleanup(move || {
            escape.remove();
            if let Some(opener) = opener.take() {
                let _ = opener.focus();
            }
        });
    }
    let title_id = format!(
        "dialog-title-{}",
        title
            .to_ascii_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let labelled_by = title_id.clone();
    view! {
        <div class="dialog-backdrop" on:click=move |_| on_cancel.run(())>
            <div
                class="dialog"
                role=role
                aria-modal="true"
                aria-labelledby=labelled_by
                node_ref=panel
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| {
                    if ev.key() == "Tab" {
                        #[cfg(feature = "hydrate")]
                        if let Some(panel) = panel.get() {
                            trap_tab(&panel, &ev);
                        }
                    }
                }
            >
                <h2 id=title_id>{title}</h2>
                {children()}
            </div>
        </div>
    }
}

#[cfg(feature = "hydrate")]
const FOCUSABLE: &str = "input:not([disabled]), button:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href]";

/// Focuses the first input, else the first button marked `data-autofocus`, else the first control.
#[cfg(feature = "hydrate")]
fn focus_first(panel: &web_sys::HtmlDivElement) {
    use wasm_bindgen::JsCast;
    let target = panel
        .query_selector("[data-autofocus]")
        .ok()
        .flatten()
        .or_else(|| panel.query_selector(FOCUSABLE).ok().flatten());
    if let Some(element) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
        if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
            input.select();
        }
    }
}

/// Keeps Tab and Shift+Tab inside the dialog.
#[cfg(feature = "hydrate")]
fn trap_tab(panel: &web_sys::HtmlDivElement, ev: &web_sys::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let Ok(nodes) = panel.query_selector_all(FOCUSABLE) else {
        return;
    };
    let count = nodes.length();
    if count == 0 {
        return;
    }
    let first = nodes
        .item(0)
        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok());
    let last = nodes
        .item(count - 1)
        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok());
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    let (Some(first), Some(last), Some(active)) = (first, last, active) else {
        return;
    };
    if ev.shift_key() && &active == first.unchecked_ref::<web_sys::Element>() {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && &active == last.unchecked_ref::<web_sys::Element>() {
        ev.prevent_default();
        let _ = first.focus();
    }
}
