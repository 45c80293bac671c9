//! The client secret on the property page: hidden as dots, shown with the eye icon, copied with the
//! copy icon, reset in three dialogs, and the previous secret's grace period with "Expire now".
//! The secret reaches the browser only when shown, copied or just reset.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::edit::PageDialog;
use super::model::{format_remaining, format_utc, parse_hours_to_expire, PropertyDetails};
use super::server_fns::{expire_previous_secret, reset_client_secret, reveal_client_secret};
use crate::error::ConsoleError;
use crate::icons;
use crate::ui::{copy_to_clipboard, use_toasts, Dialog};

const HIDDEN: &str = "••••••••••••••••••••••••••••••••";

// The panel reads the page's signals as they are rather than through memos or derived `Signal`s:
// each of those is compiled anew for its value type and closure, and the property page's wasm
// was the heaviest in the console.

#[component]
pub fn SecretPanel(
    client_id: String,
    /// The property as loaded: the previous secret's grace period and when each secret was used.
    saved: RwSignal<PropertyDetails>,
    /// The current time by the server's clock, ticking every second.
    now: RwSignal<i64>,
    /// The page's open dialog; the secret's steps are some of them.
    dialog: RwSignal<Option<PageDialog>>,
    /// Called with the property as it is after a reset or "Expire now".
    on_changed: Callback<PropertyDetails>,
) -> impl IntoView {
    let secret = RwSignal::new(None::<String>);
    let shown = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let toasts = use_toasts();
    let id = StoredValue::new(client_id);

    // Fetches the secret once per page (and again after a reset), then hands it to `then`.
    let with_secret = move |then: Box<dyn FnOnce(String) + 'static>| {
        if let Some(known) = secret.get_untracked() {
            then(known);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match reveal_client_secret(id.get_value()).await {
                Ok(value) => {
                    error.set(None);
                    secret.set(Some(value.clone()));
                    then(value);
                }
                Err(problem) => error.set(Some(problem.to_string())),
            }
            busy.set(false);
        });
    };
    let toggle = move |_| {
        if shown.get_untracked() {
            shown.set(false);
        } else {
            with_secret(Box::new(move |_| shown.set(true)));
        }
    };
    let copy = move |_| {
        with_secret(Box::new(move |value| {
            spawn_local(async move {
                match copy_to_clipboard(value).await {
                    Ok(()) => toasts.show("Client secret copied to the clipboard."),
                    Err(problem) => error.set(Some(problem)),
                }
            })
        }))
    };
    let expires_at = move || saved.with(|s| s.previous_secret_expires_at);
    let remaining = move || expires_at().map(|t| t - now.get()).filter(|r| *r > 0);
    let close = Callback::new(move |_| dialog.set(None));
    let expire = move |_| {
        spawn_local(async move {
            match expire_previous_secret(id.get_value()).await {
                Ok(details) => {
                    on_changed.run(details);
                    toasts.show("The previous secret no longer works.");
                }
                Err(problem) => error.set(Some(problem.to_string())),
            }
            dialog.set(None);
        });
    };
    let reset_done = move |new_secret: String, details: PropertyDetails| {
        secret.set(Some(new_secret.clone()));
        shown.set(false);
        on_changed.run(details);
        dialog.set(Some(PageDialog::ResetDone(new_secret)));
    };
    view! {
        <div class="field">
            <span class="label" id="secret-label">"Client Secret"</span>
            <div class="secret-row">
                <span
                    class="secret mono"
                    class:hidden-secret=move || !shown.get()
                    aria-labelledby="secret-label"
                    role="textbox"
                    aria-readonly="true"
                    data-testid="client-secret"
                >
                    {move || {
                        if shown.get() {
                            secret.get().unwrap_or_default()
                        } else {
                            HIDDEN.to_string()
                        }
                    }}
                </span>
                <button
                    type="button"
                    class="icon-button"
                    aria-label=move || if shown.get() { "Hide client secret" } else { "Show client secret" }
                    aria-pressed=move || shown.get().to_string()
                    title=move || if shown.get() { "Hide client secret" } else { "Show client secret" }
                    on:click=toggle
                >
                    {move || if shown.get() { icons::eye_off().into_any() } else { icons::eye().into_any() }}
                </button>
                <button
                    type="button"
                    class="icon-button"
                    aria-label="Copy client secret"
                    title="Copy client secret"
                    on:click=copy
                >
                    {icons::copy()}
                </button>
                <button type="button" on:click=move |_| dialog.set(Some(PageDialog::ResetHours))>
                    {icons::refresh()}
                    " Reset Secret"
                </button>
            </div>
            <p class="field-error" role="alert">{move || error.get()}</p>
            <SecretUseNotes saved now/>
            {move || {
                remaining()
                    .map(|left| {
                        let until = format_utc(expires_at().unwrap_or_default());
                        view! {
                            <div class="notice warning previous-secret">
                                <p role="status">
                                    {format!(
                                        "The previous secret also works until {until} ({} left). ",
                                        format_remaining(left),
                                    )}
                                    <button type="button" class="link" on:click=move |_| dialog.set(Some(PageDialog::ExpirePrevious))>
                                        "Expire now"
                                    </button>
                                </p>
                                <p data-testid="previous-secret-use">
                                    {move || saved.with(|s| s.usage.previous_sentence(now.get()))}
                                </p>
                            </div>
                        }
                    })
            }}
        </div>
        {move || match dialog.get()? {
            PageDialog::ResetHours => Some(view! { <HoursDialog dialog on_cancel=close/> }.into_any()),
            PageDialog::ResetConfirm(hours) => Some(
                view! { <ConfirmResetDialog client_id=id.get_value() hours on_cancel=close on_reset=reset_done/> }
                    .into_any(),
            ),
            PageDialog::ResetDone(new_secret) => Some(
                view! {
                    <Dialog title="Secret successfully reset".to_string() on_cancel=close>
                        <p>"The new client secret:"</p>
                        <p class="mono new-secret" data-testid="new-secret">{new_secret}</p>
                        <p class="field-hint">"You can show or copy it later on this page."</p>
                        <div class="form-actions">
                            <button type="button" class="primary" data-autofocus on:click=move |_| close.run(())>
                                "Close"
                            </button>
                        </div>
                    </Dialog>
                }
                .into_any(),
            ),
            PageDialog::ExpirePrevious => Some(
                view! {
                    <Dialog title="Expire the previous secret now?".to_string() on_cancel=close role="alertdialog">
                        <p>"Applications still using the previous secret stop working at once."</p>
                        <div class="form-actions">
                            <button type="button" on:click=move |_| close.run(())>"No"</button>
                            <button type="button" class="danger" data-autofocus on:click=expire>"Yes"</button>
                        </div>
                    </Dialog>
                }
                .into_any(),
            ),
            // The page's own dialogs (Copy, Delete) are the page's to show.
            _ => None,
        }}
    }
    .into_any()
}

/// When the current secret was last used and from where, and the failed attempts of the last
/// day: what an operator checks before expiring a previous secret or after a leak.
#[component]
pub fn SecretUseNotes(saved: RwSignal<PropertyDetails>, now: RwSignal<i64>) -> impl IntoView {
    view! {
        <p class="field-hint secret-use" data-testid="current-secret-use">
            {move || saved.with(|s| s.usage.current_sentence(now.get()))}
        </p>
        <p
            class="field-hint secret-use"
            class:attention=move || saved.with(|s| s.usage.recent_failures > 0)
            data-testid="failed-authentications"
        >
            {move || saved.with(|s| s.usage.failures_sentence(now.get()))}
        </p>
    }
}

/// Dialog 1: "How long would you like the current secret to remain active?"
#[component]
fn HoursDialog(
    /// Moves on to the next step.
    dialog: RwSignal<Option<PageDialog>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let hours = RwSignal::new("0".to_string());
    let error = move || parse_hours_to_expire(&hours.get()).err();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if untrack(error).is_none() {
            let hours = hours.get_untracked().trim().to_string();
            dialog.set(Some(PageDialog::ResetConfirm(hours)));
        }
    };
    view! {
        <Dialog title="How long would you like the current secret to remain active?".to_string() on_cancel>
            <form on:submit=submit novalidate>
                <div class="field">
                    <label for="hours-to-expire">"Hours to Expire"</label>
                    <input
                        id="hours-to-expire"
                        type="text"
                        inputmode="numeric"
                        autocomplete="off"
                        prop:value=move || hours.get()
                        on:input=move |ev| hours.set(event_target_value(&ev))
                        aria-invalid=move || if error().is_some() { "true" } else { "false" }
                        aria-describedby="hours-to-expire-hint hours-to-expire-error"
                    />
                    <p id="hours-to-expire-hint" class="field-hint">
                        "0 to 168 (one week). 0 stops the current secret at once."
                    </p>
                    <p id="hours-to-expire-error" class="field-error">{error}</p>
                </div>
                <div class="form-actions">
                    <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    <button type="submit" class="primary" aria-disabled=move || error().is_some().to_string()>
                        "Next"
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// Dialog 2: "Are you sure you want to reset this secret?" Yes / No.
#[component]
fn ConfirmResetDialog(
    client_id: String,
    hours: String,
    on_cancel: Callback<()>,
    /// Called with the new secret and the property as it now is.
    on_reset: impl Fn(String, PropertyDetails) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let summary = match hours.as_str() {
        "0" => "The current secret stops working at once.".to_string(),
        "1" => "The current secret keeps working for 1 more hour.".to_string(),
        n => format!("The current secret keeps working for {n} more hours."),
    };
    let yes = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (client_id, hours) = (client_id.clone(), hours.clone());
        spawn_local(async move {
            match reset_client_secret(client_id, hours).await {
                Ok(done) => on_reset(done.secret, done.details),
                Err(problem) => error.set(Some(
                    problem
                        .for_field("hours")
                        .unwrap_or_else(|| ConsoleError::to_string(&problem)),
                )),
            }
            busy.set(false);
        });
    };
    view! {
        <Dialog title="Are you sure you want to reset this secret?".to_string() on_cancel role="alertdialog">
            <p>{summary}</p>
            <p class="field-error" role="alert">{move || error.get()}</p>
            <div class="form-actions">
                <button type="button" on:click=move |_| on_cancel.run(())>"No"</button>
                <button type="button" class="danger" data-autofocus aria-disabled=move || busy.get().to_string() on:click=yes>
                    "Yes"
                </button>
            </div>
        </Dialog>
    }
}
