//! The "Select setting key" picker: an ARIA combobox listing the standard keys with their
//! descriptions. Keys already on the page are greyed out; typing filters; a valid key that is not
//! in the list offers "Create <key>"; a forbidden key is refused as it is typed.

use leptos::prelude::*;

use crate::domain::settings_edit::{picker_view, unresolved_key_message};

/// The id of a row's picker input (the page focuses it when the row needs attention).
pub fn picker_input_id(row: u64) -> String {
    format!("setting-key-{row}")
}

#[component]
pub fn KeyPicker(
    row: u64,
    /// What the user typed.
    query: RwSignal<String>,
    /// The row's error after leaving the picker without choosing (or from the server).
    error: RwSignal<Option<String>>,
    /// Whether the page already has a key.
    present: impl Fn(&str) -> bool + Copy + Send + Sync + 'static,
    on_choose: Callback<String>,
) -> impl IntoView {
    let input_id = picker_input_id(row);
    let list_id = format!("{input_id}-options");
    let error_id = format!("{input_id}-error");
    let wrapper = NodeRef::<leptos::html::Div>::new();
    let open = RwSignal::new(true);
    let active = RwSignal::new(None::<&'static str>);
    // Worked out where it is read rather than kept in a memo: a memo of each value type costs the
    // wasm more than filtering a few dozen keys again.
    let options = move || query.with(|typed| picker_view(typed, present));
    let problem = move || error.get().or_else(|| options().problem);
    let option_id = {
        let list_id = list_id.clone();
        move |key: &str| format!("{list_id}-{key}")
    };

    let chosen = StoredValue::new(false);
    let choose = move |key: String| {
        chosen.set_value(true);
        error.set(None);
        open.set(false);
        on_choose.run(key);
    };
    let step = move |forward: bool| {
        open.set(true);
        let keys: Vec<&'static str> = untrack(options).pickable().map(|o| o.key).collect();
        if keys.is_empty() {
            active.set(None);
            return;
        }
        let current = active
            .get_untracked()
            .and_then(|a| keys.iter().position(|k| *k == a));
        let next = match (current, forward) {
            (None, true) => 0,
            (None, false) => keys.len() - 1,
            (Some(i), true) => (i + 1) % keys.len(),
            (Some(i), false) => (i + keys.len() - 1) % keys.len(),
        };
        active.set(Some(keys[next]));
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" => {
            ev.prevent_default();
            step(true);
        }
        "ArrowUp" => {
            ev.prevent_default();
            step(false);
        }
        "Enter" => {
            // Enter picks; it never submits the page's form from here.
            ev.prevent_default();
            let typed = query.get_untracked();
            let view = untrack(options);
            let pick = active
                .get_untracked()
                .map(str::to_string)
                .or_else(|| view.create.clone())
                .or_else(|| {
                    view.pickable()
                        .find(|o| o.key == typed)
                        .map(|o| o.key.to_string())
                });
            match pick {
                Some(key) => choose(key),
                None => error.set(Some(unresolved_key_message(&typed))),
            }
        }
        "Escape" if open.get_untracked() => {
            ev.prevent_default();
            ev.stop_propagation();
            open.set(false);
        }
        _ => {}
    };
    // Leaving the picker without a key marks the row; moving between its own parts does not.
    let on_focusout = move |ev: leptos::ev::FocusEvent| {
        // Choosing a key removes the picker, and Chromium reports focus leaving the removed input:
        // by then this picker's signals are gone and the row is resolved.
        if chosen.try_get_value() != Some(false) {
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let inside = ev
                .related_target()
                .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                .zip(wrapper.try_get_untracked().flatten())
                .is_some_and(|(target, wrapper)| wrapper.contains(Some(&target)));
            if inside {
                return;
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
        open.set(false);
        if let Some(typed) = query.try_get_untracked() {
            let _ = error.try_set(Some(unresolved_key_message(&typed)));
        }
    };

    let create_label = move || options().create;
    let listbox_hidden = move || !open.get() || options().options.is_empty();
    let active_descendant = {
        let option_id = option_id.clone();
        move || active.get().map(&option_id)
    };

    view! {
        <div class="key-picker" node_ref=wrapper on:focusout=on_focusout>
            <Show when=move || create_label().is_some()>
                <button
                    type="button"
                    class="create-key"
                    on:click=move |_| {
                        if let Some(key) = untrack(options).create {
                            choose(key);
                        }
                    }
                >
                    {crate::icons::plus()}
                    {move || format!(" Create {}", create_label().unwrap_or_default())}
                </button>
            </Show>
            <input
                id=input_id.clone()
                type="text"
                role="combobox"
                class="key-input"
                placeholder="Select setting key"
                aria-label="Select setting key"
                autocomplete="off"
                spellcheck="false"
                maxlength="200"
                aria-autocomplete="list"
                aria-controls=list_id.clone()
                aria-expanded=move || (!listbox_hidden()).to_string()
                aria-activedescendant=active_descendant
                aria-invalid=move || problem().is_some().to_string()
                aria-describedby=error_id.clone()
                prop:value=move || query.get()
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    error.set(None);
                    active.set(None);
                    open.set(true);
                }
                on:focus=move |_| open.set(true)
                on:click=move |_| open.set(true)
                on:keydown=on_keydown
            />
            <ul id=list_id.clone() role="listbox" class="key-options" aria-label="Standard setting keys" hidden=listbox_hidden>
                {move || {
                    options()
                        .options
                        .into_iter()
                        .map(|option| {
                            let key = option.key;
                            let is_active = move || active.get() == Some(key);
                            view! {
                                <li
                                    id=option_id(key)
                                    role="option"
                                    class="key-option"
                                    class:present=option.present
                                    class:active=is_active
                                    aria-selected=move || is_active().to_string()
                                    aria-disabled=option.present.to_string()
                                    title=option.present.then_some("Already in the list of settings")
                                    on:mousedown=|ev| ev.prevent_default()
                                    on:click=move |_| {
                                        if !option.present {
                                            choose(key.to_string());
                                        }
                                    }
                                >
                                    <span class="option-key">{key}</span>
                                    " "
                                    <span class="option-description">{option.description}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <p id=error_id class="field-error" role="alert">{problem}</p>
        </div>
    }
}
