//! The settings table both pages share: rows sorted by key, "Add Setting" with the key picker,
//! trash, "Save Changes" in one transaction, and a warning before unsaved edits are lost.
//!
//! On a property page a row's input is the property value and the global value is read-only
//! beside it; on the application page the input is the global value and deleting asks first.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::model::{SavedSettings, SettingsSnapshot};
use super::picker::{picker_input_id, KeyPicker};
use super::server_fns::{get_settings, save_settings};
use crate::auth::Permission;
use crate::domain::capitalize;
use crate::domain::setting_keys::{standard_key, validate_value};
use crate::domain::settings_edit::{
    changes_between, property_value, settings_from_pairs, unresolved_key_message,
};
use crate::error::ConsoleError;
use crate::icons;
use crate::ui::viewer::can;
use crate::ui::{focus_later, guard_unsaved_changes, use_toasts, Dialog};

/// The tooltip of the padlocked globe (SPEC 3.5).
pub const GLOBAL_KEY_TOOLTIP: &str = "Global setting: you can only change the property value here. \
The setting cannot be deleted here, nor its global value changed; do that on the Application settings page.";

/// One row while editing. New rows start without a key until one is picked or created.
#[derive(Clone)]
struct EditRow {
    id: u64,
    key: RwSignal<Option<String>>,
    query: RwSignal<String>,
    key_error: RwSignal<Option<String>>,
    value: RwSignal<String>,
    value_error: RwSignal<Option<String>>,
    /// This scope's value when the page was loaded.
    loaded: Option<String>,
    /// The global value (property page).
    global: Option<String>,
    /// Properties with their own value of this key (application page).
    overrides: u32,
}

impl EditRow {
    fn is_new(&self) -> bool {
        self.loaded.is_none() && self.global.is_none()
    }

    /// The key for labels: the chosen one, or "the new setting".
    fn label(&self) -> String {
        self.key
            .get()
            .unwrap_or_else(|| "the new setting".to_string())
    }
}

/// The summary above the table when a row's problem blocked the save.
fn rows_need_fixing() -> ConsoleError {
    ConsoleError::invalid(
        "settings",
        "Nothing was saved: fix the rows marked in red, then press Save Changes again.",
    )
}

fn value_input_id(row: u64) -> String {
    format!("setting-value-{row}")
}

#[component]
pub fn SettingsEditor(snapshot: SettingsSnapshot) -> impl IntoView {
    let on_property = snapshot.property.is_some();
    let client_id = snapshot.property.as_ref().map(|p| p.client_id.clone());
    let loaded = RwSignal::new(snapshot.scope_values());
    let next_id = StoredValue::new(0_u64);
    let new_row = move |key: Option<String>,
                        loaded: Option<String>,
                        global: Option<String>,
                        overrides: u32| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        EditRow {
            id,
            key: RwSignal::new(key),
            query: RwSignal::new(String::new()),
            key_error: RwSignal::new(None),
            value: RwSignal::new(loaded.clone().unwrap_or_default()),
            value_error: RwSignal::new(None),
            loaded,
            global,
            overrides,
        }
    };
    let rows_of = move |snapshot: &SettingsSnapshot| -> Vec<EditRow> {
        snapshot
            .rows
            .iter()
            .map(|r| {
                let (loaded, global) = if on_property {
                    (r.property.clone(), r.global.clone())
                } else {
                    (r.global.clone(), None)
                };
                new_row(Some(r.key.clone()), loaded, global, r.overrides)
            })
            .collect()
    };
    let rows = RwSignal::new(rows_of(&snapshot));
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<ConsoleError>);
    let confirm_delete = RwSignal::new(None::<EditRow>);
    let toasts = use_toasts();
    let writable = move || can(Permission::Write);

    // Whether the table has a key: a few dozen rows at most, so a scan (no set to build in the
    // wasm).
    let present = move |key: &str| {
        rows.with(|rows| {
            rows.iter()
                .any(|r| r.key.with(|k| k.as_deref() == Some(key)))
        })
    };
    // The scope's values as the table now stands.
    let edited = move || {
        rows.with(|rows| {
            settings_from_pairs(rows.iter().filter_map(|r| {
                let key = r.key.get()?;
                let value = r.value.get();
                let value = if on_property {
                    property_value(&value, r.loaded.as_deref(), r.global.is_some())?
                } else {
                    value
                };
                Some((key, value))
            }))
        })
    };
    // Derived where read, not memos: each memo type costs the wasm more than the work it saves.
    let changes = move || loaded.with(|loaded| changes_between(loaded, &edited()));
    let unresolved = move || rows.with(|rows| rows.iter().any(|r| r.key.with(Option::is_none)));
    let dirty = Memo::new(move |_| unresolved() || !changes().is_empty());
    guard_unsaved_changes(dirty);

    let reset = move |snapshot: SettingsSnapshot| {
        loaded.set(snapshot.scope_values());
        rows.set(rows_of(&snapshot));
        error.set(None);
    };

    let add = move |_| {
        let row = new_row(None, None, None, 0);
        let id = row.id;
        rows.update(|rows| rows.push(row));
        focus_later(picker_input_id(id));
    };
    let remove = move |id: u64| {
        let position = rows.with_untracked(|rows| rows.iter().position(|r| r.id == id));
        rows.update(|rows| rows.retain(|r| r.id != id));
        // Keep the keyboard user in the table: the next row's trash, else "Add Setting".
        let next = position.and_then(|p| rows.with_untracked(|rows| rows.get(p).map(|r| r.id)));
        focus_later(next.map(trash_id).unwrap_or_else(|| "add-setting".into()));
    };
    let trash = Callback::new(move |row: EditRow| {
        if !on_property && !row.is_new() {
            confirm_delete.set(Some(row));
        } else {
            remove(row.id);
        }
    });

    let client_for_save = client_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        // Rows left without a key, or with a value that is too large, block saving.
        let mut first_problem = None;
        rows.with_untracked(|rows| {
            for r in rows {
                if r.key.get_untracked().is_none() {
                    r.key_error
                        .set(Some(unresolved_key_message(&r.query.get_untracked())));
                    first_problem.get_or_insert(picker_input_id(r.id));
                } else if let Err(problem) = validate_value(&r.value.get_untracked()) {
                    r.value_error.set(Some(capitalize(&problem.reason())));
                    first_problem.get_or_insert(value_input_id(r.id));
                }
            }
        });
        if let Some(field) = first_problem {
            error.set(Some(rows_need_fixing()));
            focus_later(field);
            return;
        }
        let pending = untrack(changes);
        if pending.is_empty() {
            toasts.show("Nothing to save: no setting was changed.");
            return;
        }
        error.set(None);
        busy.set(true);
        let client_id = client_for_save.clone();
        spawn_local(async move {
            let result = save_settings(client_id, pending).await;
            let _ = busy.try_set(false);
            match result {
                Ok(SavedSettings { diff, snapshot }) => {
                    toasts.show(diff.summary());
                    reset(snapshot);
                }
                Err(problem) => show_save_error(rows, error, problem),
            }
        });
    };

    let client_for_reload = client_id.clone();
    let load_latest = move |_| {
        let client_id = client_for_reload.clone();
        spawn_local(async move {
            let latest = get_settings(client_id).await;
            match latest {
                Ok(snapshot) => {
                    reset(snapshot);
                    toasts.show("Loaded the latest settings.");
                }
                Err(problem) => {
                    let _ = error.try_set(Some(problem));
                }
            }
        });
    };
    let general_error = move || error.with(|e| e.as_ref().map(|e| e.to_string()));
    let conflict = move || error.with(|e| matches!(e, Some(ConsoleError::SettingsConflict { .. })));

    let value_header = if on_property {
        "Property Value"
    } else {
        "Value"
    };
    let last_header = if on_property {
        "Global Value"
    } else {
        "Property overrides"
    };
    view! {
        <form class="settings-form" on:submit=submit novalidate>
            <div class="notice error" role="alert" hidden=move || general_error().is_none()>
                <p>{general_error}</p>
                <Show when=conflict>
                    <button type="button" on:click=load_latest.clone()>
                        "Load the latest settings (discard my edits)"
                    </button>
                </Show>
            </div>
            <fieldset class="plain" disabled=move || !writable()>
                <legend class="visually-hidden">"Settings"</legend>
                <div class="table-wrap">
                    <table class="data settings-table">
                        <thead>
                            <tr>
                                <th class="icon-col"><span class="visually-hidden">"Scope"</span></th>
                                <th>"Key"</th>
                                <th>{value_header}</th>
                                <th>{last_header}</th>
                            </tr>
                        </thead>
                        <tbody>
                            <For
                                each=move || rows.get()
                                key=|row| row.id
                                children=move |row| {
                                    view! { <SettingRowView row on_property present trash/> }
                                }
                            />
                            <Show when=move || rows.with(Vec::is_empty)>
                                <tr class="empty-row">
                                    <td colspan="4">
                                        {if on_property {
                                            "No settings: this property has no settings and there are no global settings."
                                        } else {
                                            "No application settings yet."
                                        }}
                                        {move || writable().then_some(" Use Add Setting to add one.")}
                                    </td>
                                </tr>
                            </Show>
                        </tbody>
                    </table>
                </div>
            </fieldset>
            <Show when=writable>
                <div class="form-actions spread">
                    <button type="button" id="add-setting" on:click=add>
                        {icons::plus()}
                        " Add Setting"
                    </button>
                    <span class="unsaved muted" role="status">
                        {move || if dirty.get() { "Unsaved changes" } else { "" }}
                    </span>
                    <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()>
                        {move || if busy.get() { "Saving…" } else { "Save Changes" }}
                    </button>
                </div>
            </Show>
        </form>
        {move || {
            confirm_delete
                .get()
                .map(|row| {
                    view! {
                        <DeleteGlobalDialog
                            row
                            on_cancel=Callback::new(move |_| confirm_delete.set(None))
                            on_confirm=Callback::new(move |id| {
                                confirm_delete.set(None);
                                remove(id);
                            })
                        />
                    }
                })
        }}
    }
}

/// Puts a refused save's message where it belongs: on the row of the key it names, else on top.
fn show_save_error(
    rows: RwSignal<Vec<EditRow>>,
    error: RwSignal<Option<ConsoleError>>,
    problem: ConsoleError,
) {
    if let ConsoleError::Invalid { field, message } = &problem {
        let row = rows
            .try_with_untracked(|rows| {
                rows.iter()
                    .find(|r| r.key.get_untracked().as_deref() == Some(field.as_str()))
                    .cloned()
            })
            .flatten();
        if let Some(row) = row {
            row.value_error.set(Some(message.clone()));
            focus_later(value_input_id(row.id));
            let _ = error.try_set(Some(rows_need_fixing()));
            return;
        }
    }
    let _ = error.try_set(Some(problem));
}

fn trash_id(row: u64) -> String {
    format!("setting-trash-{row}")
}

#[component]
fn SettingRowView(
    row: EditRow,
    on_property: bool,
    present: impl Fn(&str) -> bool + Copy + Send + Sync + 'static,
    trash: Callback<EditRow>,
) -> impl IntoView {
    let id = row.id;
    let input_id = value_input_id(id);
    let error_id = format!("{input_id}-error");
    let has_global = on_property && row.global.is_some();
    let tip_id = format!("setting-tip-{id}");
    let row_for_label = row.clone();
    let label = move || row_for_label.label();
    let row_for_trash = row.clone();
    let writable = move || can(Permission::Write);
    let key = row.key;
    let value = row.value;
    let value_error = row.value_error;
    let loaded = row.loaded.clone();
    // The property's own value wins; an emptied input of a global key falls back to the global.
    let overridden = {
        let loaded = loaded.clone();
        move || value.with(|v| property_value(v, loaded.as_deref(), true).is_some())
    };

    let icon = if has_global {
        let described_by = tip_id.clone();
        view! {
            <span class="scope-icon tooltip-anchor" tabindex="0" role="img" aria-label="Global setting" aria-describedby=described_by>
                {icons::globe_lock()}
                <span class="tooltip" role="tooltip" id=tip_id>{GLOBAL_KEY_TOOLTIP}</span>
            </span>
        }
        .into_any()
    } else {
        let row = row_for_trash.clone();
        let aria = {
            let label = label.clone();
            move || {
                if on_property || row.is_new() {
                    format!("Remove {}", label())
                } else {
                    format!("Delete {}", label())
                }
            }
        };
        view! {
            <Show when=writable>
                <button
                    type="button"
                    class="icon-button"
                    id=trash_id(id)
                    aria-label=aria.clone()
                    title=aria.clone()
                    on:click={
                        let row = row_for_trash.clone();
                        move |_| trash.run(row.clone())
                    }
                >
                    {icons::trash()}
                </button>
            </Show>
        }
        .into_any()
    };

    let key_cell = move || match key.get() {
        Some(k) => {
            let description = standard_key(&k).map(|s| s.description);
            view! {
                <code class="setting-key">{k}</code>
                {description.map(|d| view! { <span class="field-hint key-description">{d}</span> })}
            }
            .into_any()
        }
        None => view! {
            <KeyPicker
                row=id
                query=row.query
                error=row.key_error
                present
                on_choose=Callback::new(move |chosen: String| {
                    key.set(Some(chosen));
                    focus_later(value_input_id(id));
                })
            />
        }
        .into_any(),
    };

    let last_cell = if on_property {
        match row.global.clone() {
            Some(global) => {
                let overridden = overridden.clone();
                view! {
                    <span class="global-value" class:overridden=overridden.clone()>{global}</span>
                    " "
                    {move || {
                        if overridden() {
                            view! { <span class="tag muted-tag">"overridden"</span> }.into_any()
                        } else {
                            view! { <span class="tag applies-tag">"applies"</span> }.into_any()
                        }
                    }}
                }
                .into_any()
            }
            None => view! { <span class="muted">"Not set globally"</span> }.into_any(),
        }
    } else {
        let text = match row.overrides {
            0 => "None".to_string(),
            1 => "1 property has its own value".to_string(),
            n => format!("{n} properties have their own value"),
        };
        view! { <span class="muted">{text}</span> }.into_any()
    };

    let value_label = {
        let label = label.clone();
        move || {
            if on_property {
                format!("Property value of {}", label())
            } else {
                format!("Value of {}", label())
            }
        }
    };
    let applies_here = move || on_property && (!has_global || overridden());
    view! {
        <tr class="setting-row" data-key=move || key.get()>
            <td class="icon-col">{icon}</td>
            <td class="key-cell">{key_cell}</td>
            // On a phone the row is a card and these labels stand in for the column headers.
            <td class="value-cell" data-label=if on_property { "Property Value" } else { "Value" }>
                <input
                    id=input_id
                    type="text"
                    class="setting-value"
                    class:applies=applies_here
                    placeholder="Value"
                    autocomplete="off"
                    spellcheck="false"
                    aria-label=value_label
                    aria-invalid=move || value_error.get().is_some().to_string()
                    aria-describedby=error_id.clone()
                    prop:value=move || value.get()
                    on:input=move |ev| {
                        value.set(event_target_value(&ev));
                        value_error.set(None);
                    }
                />
                <p id=error_id class="field-error" role="alert">{move || value_error.get()}</p>
            </td>
            <td class="global-cell" data-label=if on_property { "Global Value" } else { "Property overrides" }>
                {last_cell}
            </td>
        </tr>
    }
}

/// Application page: deleting a global key asks first, and says that the properties' own values
/// of that key stay.
#[component]
fn DeleteGlobalDialog(
    row: EditRow,
    on_cancel: Callback<()>,
    on_confirm: Callback<u64>,
) -> impl IntoView {
    let key = row.key.get_untracked().unwrap_or_default();
    let consequence = match row.overrides {
        0 => "No property sets its own value, so no property will have this setting any more."
            .to_string(),
        1 => "1 property sets its own value of this key; that value stays in place.".to_string(),
        n => format!("{n} properties set their own value of this key; those values stay in place."),
    };
    let id = row.id;
    view! {
        <Dialog title="Delete this global setting?".to_string() on_cancel role="alertdialog">
            <p>
                <code>{key}</code>
                " is removed from the application settings when you press Save Changes. "
                {consequence}
            </p>
            <div class="form-actions">
                <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                <button type="button" class="danger" data-autofocus on:click=move |_| on_confirm.run(id)>
                    "Delete"
                </button>
            </div>
        </Dialog>
    }
}
