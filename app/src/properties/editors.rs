//! The parts the Create Property page and the property page share: the name field, the features
//! ("Permissions") editor and the IP whitelist editor. Their checks are the domain's, the very
//! code the server functions run again. Errors and hints are derived where they are read, not
//! kept in memos: each memo's value type and closure is compiled into the page's wasm, which
//! costs more than checking a field again.

use leptos::prelude::*;

use super::model::test_address;
use super::server_fns::whitelist_field;
use crate::domain::capitalize;
use crate::domain::features::{check_combination, normalize, unavailable_reason, Feature};
use crate::domain::names::validate_name;
use crate::domain::whitelist::{canonical_suggestion, parse_entry};
use crate::error::ConsoleError;
use crate::icons;
use crate::ui::focus_later;

/// Why the owner box is locked on a property saved as owner.
pub const OWNER_LOCKED: &str = "The owner feature cannot be removed once it has been saved.";

/// One row of the whitelist editor; `key` identifies it while rows are added and removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpRow {
    pub key: u64,
    pub text: String,
}

/// The form state both pages edit.
#[derive(Clone, Copy)]
pub struct PropertyForm {
    pub name: RwSignal<String>,
    pub features: RwSignal<Vec<Feature>>,
    pub rows: RwSignal<Vec<IpRow>>,
    next_key: StoredValue<u64>,
    /// Set by a save attempt: from then on empty rows are flagged too.
    pub show_all: RwSignal<bool>,
    /// The server's last refusal, until the user edits again.
    pub server_error: RwSignal<Option<ConsoleError>>,
}

impl PropertyForm {
    pub fn new(name: String, features: Vec<Feature>, whitelist: &[String]) -> Self {
        let form = PropertyForm {
            name: RwSignal::new(name),
            features: RwSignal::new(features),
            rows: RwSignal::new(Vec::new()),
            next_key: StoredValue::new(0),
            show_all: RwSignal::new(false),
            server_error: RwSignal::new(None),
        };
        form.set_whitelist(whitelist);
        form
    }

    pub fn set_whitelist(&self, whitelist: &[String]) {
        let rows = whitelist
            .iter()
            .map(|text| self.row(text.clone()))
            .collect();
        self.rows.set(rows);
    }

    fn row(&self, text: String) -> IpRow {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        IpRow { key, text }
    }

    /// Adds an empty row and returns the id of its input.
    pub fn add_row(&self) -> String {
        let row = self.row(String::new());
        let id = row_input_id(row.key);
        self.rows.update(|rows| rows.push(row));
        id
    }

    pub fn whitelist(&self) -> Vec<String> {
        self.rows
            .with(|rows| rows.iter().map(|r| r.text.trim().to_string()).collect())
    }

    pub fn name_error(&self) -> Option<String> {
        if let Some(message) = self
            .server_error
            .with(|e| e.as_ref().and_then(|e| e.for_field("name")))
        {
            return Some(message);
        }
        let name = self.name.get();
        if name.trim().is_empty() && !self.show_all.get() {
            return None;
        }
        validate_name(&name).err().map(|e| capitalize(&e.reason()))
    }

    pub fn features_error(&self) -> Option<String> {
        self.server_error
            .with(|e| e.as_ref().and_then(|e| e.for_field("features")))
            .or_else(|| {
                check_combination(&self.features.get())
                    .err()
                    .map(|e| capitalize(&e.reason()))
            })
    }

    /// The problem with row `key` (at position `index`), as you type.
    pub fn row_error(&self, key: u64) -> Option<String> {
        let (index, text) = self.rows.with(|rows| {
            rows.iter()
                .position(|r| r.key == key)
                .map(|i| (i, rows[i].text.clone()))
        })?;
        if let Some(message) = self.server_error.with(|e| {
            e.as_ref()
                .and_then(|e| e.for_field(&whitelist_field(index)))
        }) {
            return Some(message);
        }
        if text.trim().is_empty() && !self.show_all.get() {
            return None;
        }
        parse_entry(&text).err().map(|e| capitalize(&e.reason()))
    }

    /// The submit guard both pages share: false while a save is under way or when the browser-side
    /// checks find a problem (focus moves to it); otherwise marks `busy` and returns true.
    pub fn begin_submit(&self, busy: RwSignal<bool>) -> bool {
        if busy.get_untracked() {
            return false;
        }
        if let Some(field) = self.first_problem() {
            focus_later(field);
            return false;
        }
        busy.set(true);
        true
    }

    /// Checks everything in the browser before calling the server; flags every problem. Returns
    /// the id of the first field with a problem, to move focus there.
    pub fn first_problem(&self) -> Option<String> {
        self.show_all.set(true);
        self.server_error.set(None);
        if validate_name(&self.name.get_untracked()).is_err() {
            return Some("property-name".into());
        }
        if check_combination(&self.features.get_untracked()).is_err() {
            return Some("feature-login_client".into());
        }
        self.rows.with_untracked(|rows| {
            rows.iter()
                .find(|r| parse_entry(&r.text).is_err())
                .map(|r| row_input_id(r.key))
        })
    }

    /// Shows a refused save: beside its field (which gets focus) when it names one, else on top.
    /// What the user typed stays.
    pub fn show_server_error(&self, error: ConsoleError) {
        if let Some(field) = self.server_problem_field(&error) {
            focus_later(field);
        }
        self.server_error.set(Some(error));
    }

    /// Puts a stored property's name, features and whitelist into the form, as freshly loaded.
    pub fn load(&self, name: &str, features: &[Feature], whitelist: &[String]) {
        self.name.set(name.to_string());
        self.features.set(features.to_vec());
        self.set_whitelist(whitelist);
        self.show_all.set(false);
        self.server_error.set(None);
    }

    /// Moves focus to the field the server refused, if it names one.
    pub fn server_problem_field(&self, error: &ConsoleError) -> Option<String> {
        if error.for_field("name").is_some() {
            return Some("property-name".into());
        }
        if error.for_field("features").is_some() {
            return Some("feature-login_client".into());
        }
        self.rows.with_untracked(|rows| {
            rows.iter()
                .enumerate()
                .find(|(i, _)| error.for_field(&whitelist_field(*i)).is_some())
                .map(|(_, r)| row_input_id(r.key))
        })
    }

    pub fn normalized_features(&self) -> Vec<Feature> {
        normalize(&self.features.get())
    }
}

pub fn row_input_id(key: u64) -> String {
    format!("ip-{key}")
}

/// The Name field.
#[component]
pub fn NameField(form: PropertyForm) -> impl IntoView {
    let error = move || form.name_error();
    view! {
        <div class="field">
            <label for="property-name">"Name"</label>
            <input
                id="property-name"
                type="text"
                maxlength="100"
                autocomplete="off"
                required
                prop:value=move || form.name.get()
                on:input=move |ev| {
                    form.name.set(event_target_value(&ev));
                    form.server_error.set(None);
                }
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                aria-describedby="property-name-error"
            />
            <p id="property-name-error" class="field-error">
                {error}
            </p>
        </div>
    }
    .into_any()
}

/// "Permissions": one checkbox per feature. Boxes the rules make unavailable are greyed, with the
/// reason as a tooltip and as text for screen readers.
#[component]
pub fn FeaturesEditor(
    form: PropertyForm,
    /// The owner box is locked (checked) because the property was saved as owner.
    #[prop(into)]
    owner_locked: Signal<bool>,
) -> impl IntoView {
    let error = move || form.features_error();
    let options = Feature::ALL
        .into_iter()
        .map(|feature| {
            let id = format!("feature-{}", feature.as_str());
            let hint_id = format!("{id}-hint");
            let checked = move || form.features.with(|f| f.contains(&feature));
            let reason = move || {
                if feature == Feature::Owner && owner_locked.get() {
                    Some(OWNER_LOCKED)
                } else {
                    form.features.with(|f| unavailable_reason(f, feature))
                }
            };
            let toggle = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                form.server_error.set(None);
                form.features.update(|f| {
                    f.retain(|x| *x != feature);
                    if on {
                        f.push(feature);
                        f.sort();
                    }
                });
            };
            view! {
                <div
                    class="feature-option"
                    class:unavailable=move || reason().is_some()
                    title=reason
                >
                    <label class="checkbox" class:unavailable=move || reason().is_some()>
                        <input
                            type="checkbox"
                            id=id.clone()
                            prop:checked=checked
                            disabled=move || reason().is_some()
                            aria-describedby=hint_id.clone()
                            on:change=toggle
                        />
                        <span class="mono">{feature.as_str()}</span>
                    </label>
                    <p id=hint_id class="field-hint">
                        {feature.description()}
                        {move || {
                            reason()
                                .map(|r| {
                                    let stop = if r.ends_with('.') { "" } else { "." };
                                    view! { <span class="unavailable-reason">" Unavailable: " {r} {stop}</span> }
                                })
                        }}
                    </p>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset aria-describedby="features-error">
            <legend>"Permissions"</legend>
            {options}
            <p id="features-error" class="field-error">
                {error}
            </p>
        </fieldset>
    }
    .into_any()
}

/// The IP whitelist: one CIDR input per row, a trash icon each, "Add New IP Address".
#[component]
pub fn WhitelistEditor(
    form: PropertyForm,
    /// What an empty list means on this page.
    empty_note: &'static str,
) -> impl IntoView {
    let add = move |_| focus_later(form.add_row());
    view! {
        <fieldset>
            <legend>"IP whitelist"</legend>
            <p class="field-hint">
                "CIDR blocks such as 192.0.2.0/24 or 2001:db8::/32; a bare address means that one host."
            </p>
            <Show when=move || form.rows.with(Vec::is_empty)>
                <p class="notice success" role="status">{empty_note}</p>
            </Show>
            <For
                each=move || form.rows.get()
                key=|row| row.key
                children=move |row| view! { <WhitelistRow form key=row.key/> }
            />
            <button type="button" id="add-ip" on:click=add>
                {icons::plus()}
                " Add New IP Address"
            </button>
            <TestAddress form/>
        </fieldset>
    }
    .into_any()
}

/// "Test an address": as you type, whether the ranges on screen (saved or not) let that address
/// call, and which range does.
#[component]
fn TestAddress(form: PropertyForm) -> impl IntoView {
    let input = RwSignal::new(String::new());
    let verdict = move || input.with(|text| test_address(&form.whitelist(), text));
    view! {
        <div class="field test-address">
            <label for="test-address">"Test an address"</label>
            <input
                id="test-address"
                type="text"
                inputmode="text"
                autocomplete="off"
                spellcheck="false"
                placeholder="203.0.113.7 or 2001:db8::1"
                prop:value=move || input.get()
                on:input=move |ev| input.set(event_target_value(&ev))
                aria-describedby="test-address-result"
            />
            <p
                id="test-address-result"
                class="field-hint"
                class:allowed=move || matches!(verdict(), Some((true, _)))
                class:denied=move || matches!(verdict(), Some((false, _)))
                role="status"
            >
                {move || verdict().map(|(_, text)| text).unwrap_or_default()}
            </p>
        </div>
    }
}

#[component]
fn WhitelistRow(form: PropertyForm, key: u64) -> impl IntoView {
    let id = row_input_id(key);
    let error_id = format!("{id}-error");
    let number = move || {
        form.rows
            .with(|rows| rows.iter().position(|r| r.key == key).unwrap_or(0) + 1)
    };
    let text = move || {
        form.rows.with(|rows| {
            rows.iter()
                .find(|r| r.key == key)
                .map(|r| r.text.clone())
                .unwrap_or_default()
        })
    };
    let set_text = move |value: String| {
        form.server_error.set(None);
        form.rows.update(|rows| {
            if let Some(row) = rows.iter_mut().find(|r| r.key == key) {
                row.text = value;
            }
        });
    };
    let error = move || form.row_error(key);
    let suggestion = move || {
        parse_entry(&text())
            .ok()
            .and_then(|net| canonical_suggestion(&net))
    };
    let remove = move |_| {
        let next_focus = form.rows.with_untracked(|rows| {
            let i = rows.iter().position(|r| r.key == key)?;
            rows.get(i + 1)
                .or_else(|| i.checked_sub(1).and_then(|j| rows.get(j)))
                .map(|r| row_input_id(r.key))
        });
        form.server_error.set(None);
        form.rows.update(|rows| rows.retain(|r| r.key != key));
        focus_later(next_focus.unwrap_or_else(|| "add-ip".into()));
    };
    let described = format!("{error_id} {id}-warning");
    view! {
        <div class="ip-row">
            <div class="field">
                <label for=id.clone()>{move || format!("IP address {}", number())}</label>
                <div class="ip-input">
                    <input
                        id=id.clone()
                        type="text"
                        class="mono"
                        autocomplete="off"
                        spellcheck="false"
                        placeholder="192.0.2.0/24"
                        prop:value=text
                        on:input=move |ev| set_text(event_target_value(&ev))
                        aria-invalid=move || if error().is_some() { "true" } else { "false" }
                        aria-describedby=described
                    />
                    <button
                        type="button"
                        class="icon-button"
                        aria-label=move || format!("Remove IP address {}", number())
                        title="Remove"
                        on:click=remove
                    >
                        {icons::trash()}
                    </button>
                </div>
                <p id=error_id class="field-error">
                    {error}
                </p>
                <p id=format!("{id}-warning") class="field-warning">
                    {move || {
                        suggestion()
                            .map(|canonical| {
                                let typed = text();
                                let label = format!("Use {canonical}");
                                let use_it = canonical.clone();
                                view! {
                                    {format!(
                                        "{} has host bits set; the block it covers is {canonical}. ",
                                        typed.trim(),
                                    )}
                                    <button type="button" class="link" on:click=move |_| set_text(use_it.clone())>
                                        {label}
                                    </button>
                                }
                            })
                    }}
                </p>
            </div>
        </div>
    }
}
