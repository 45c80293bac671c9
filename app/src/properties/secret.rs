//! The client secret on the property page: hidden as dots, shown with the eye icon, copied with the
//! copy icon, reset in three dialogs, and the previous secret's grace period with "Expire now".
//! The secret reaches the browser only when shown, copied or just reset.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::model::{format_remaining, format_utc, parse_hours_to_expire, PropertyDetails};
use super::server_fns::{expire_previous_secret, reset_client_secret, reveal_client_secret};
use crate::domain::usage::SecretUsage;
use crate::error::ConsoleError;
use crate::icons;
use crate::ui::{copy_to_clipboard, use_toasts, Dialog};

const HIDDEN: &str = "••••••••••••••••••••••••••••••••";

#[derive(Clone, Debug, PartialEq)]
enum ResetStep {
    Hours,
    Confirm(String),
    Done(String),
}

#[component]
pub fn SecretPanel(
    client_id: String,
    /// End of the previous secret's grace period (Unix seconds), if one is live.
    #[prop(into)]
    expires_at: Signal<Option<i64>>,
    /// When each secret was last used.
    #[prop(into)]
    usage: Signal<SecretUsage>,
    /// The current time by the server's clock, ticking every second.
    now: RwSignal<i64>,
    /// Called with the property as it is after a reset or "Expire now".
    on_changed: Callback<PropertyDetails>,
) -> impl IntoView {
    let secret = RwSignal::new(None::<String>);
    let shown = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let reset = RwSignal::new(None::<ResetStep>);
    let confirm_expire = RwSignal::new(false);
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
    let remaining = Memo::new(move |_| expires_at.get().map(|t| t - now.get()).filter(|r| *r > 0));
    let on_reset = Callback::new(move |result: (String, PropertyDetails)| {
        let (new_secret, details) = result;
        secret.set(Some(new_secret.clone()));
        shown.set(false);
        on_changed.run(details);
        reset.set(Some(ResetStep::Done(new_secret)));
    });
    let expire = move |_| {
        spawn_local(async move {
            match expire_previous_secret(id.get_value()).await {
                Ok(details) => {
                    on_changed.run(details);
                    toasts.show("The previous secret no longer works.");
                }
                Err(problem) => error.set(Some(problem.to_string())),
            }
            confirm_expire.set(false);
        });
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
                <button type="button" on:click=move |_| reset.set(Some(ResetStep::Hours))>
                    {icons::refresh()}
                    " Reset Secret"
                </button>
            </div>
            <p class="field-error" role="alert">{move || error.get()}</p>
            <SecretUseNotes usage now/>
            {move || {
                remaining
                    .get()
                    .map(|left| {
                        let until = format_utc(expires_at.get().unwrap_or_default());
                        view! {
                            <div class="notice warning previous-secret">
                                <p role="status">
                                    {format!(
                                        "The previous secret also works until {until} ({} left). ",
                                        format_remaining(left),
                                    )}
                                    <button type="button" class="link" on:click=move |_| confirm_expire.set(true)>
                                        "Expire now"
                                    </button>
                                </p>
                                <p data-testid="previous-secret-use">
                                    {move || usage.with(|u| u.previous_sentence(now.get()))}
                                </p>
                            </div>
                        }
                    })
            }}
        </div>
        {move || {
            reset
                .get()
                .map(|step| {
                    let close = Callback::new(move |_| reset.set(None));
                    match step {
                        ResetStep::Hours => {
                            view! {
                                <HoursDialog
                                    on_cancel=close
                                    on_next=Callback::new(move |hours| reset.set(Some(ResetStep::Confirm(hours))))
                                />
                            }
                                .into_any()
                        }
                        ResetStep::Confirm(hours) => {
                            view! { <ConfirmResetDialog client_id=id.get_value() hours on_cancel=close on_reset/> }
                                .into_any()
                        }
                        ResetStep::Done(new_secret) => {
                            view! {
                                <Dialog title="Secret successfully reset".to_string() on_cancel=close>
                                    <p>"The new client secret:"</p>
                                    <p class="mono new-secret" data-testid="new-secret">{new_secret}</p>
                                    <p class="field-hint">
                                        "You can show or copy it later on this page."
                                    </p>
                                    <div class="form-actions">
                                        <button type="button" class="primary" data-autofocus on:click=move |_| close.run(())>
                                            "Close"
                                        </button>
                                    </div>
                                </Dialog>
                            }
                                .into_any()
                        }
                    }
                })
        }}
        <Show when=move || confirm_expire.get()>
            <Dialog
                title="Expire the previous secret now?".to_string()
                on_cancel=Callback::new(move |_| confirm_expire.set(false))
                role="alertdialog"
            >
                <p>"Applications still using the previous secret stop working at once."</p>
                <div class="form-actions">
                    <button type="button" on:click=move |_| confirm_expire.set(false)>"No"</button>
                    <button type="button" class="danger" data-autofocus on:click=expire>"Yes"</button>
                </div>
            </Dialog>
        </Show>
    }
    .into_any()
}

/// When the current secret was last used and from where, and the failed attempts of the last
/// day: what an operator checks before expiring a previous secret or after a leak.
#[component]
pub fn SecretUseNotes(
    #[prop(into)] usage: Signal<SecretUsage>,
    #[prop(into)] now: Signal<i64>,
) -> impl IntoView {
    view! {
        <p class="field-hint secret-use" data-testid="current-secret-use">
            {move || usage.with(|u| u.current_sentence(now.get()))}
        </p>
        <p
            class="field-hint secret-use"
            class:attention=move || usage.with(|u| u.recent_failures > 0)
            data-testid="failed-authentications"
        >
            {move || usage.with(|u| u.failures_sentence(now.get()))}
        </p>
    }
}

/// Dialog 1: "How long would you like the current secret to remain active?"
#[component]
fn HoursDialog(on_cancel: Callback<()>, on_next: Callback<String>) -> impl IntoView {
    let hours = RwSignal::new("0".to_string());
    let error = Memo::new(move |_| parse_hours_to_expire(&hours.get()).err());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if error.get_untracked().is_none() {
            on_next.run(hours.get_untracked().trim().to_string());
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
                        aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                        aria-describedby="hours-to-expire-hint hours-to-expire-error"
                    />
                    <p id="hours-to-expire-hint" class="field-hint">
                        "0 to 168 (one week). 0 stops the current secret at once."
                    </p>
                    <p id="hours-to-expire-error" class="field-error">{move || error.get()}</p>
                </div>
                <div class="form-actions">
                    <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    <button type="submit" class="primary" aria-disabled=move || error.get().is_some().to_string()>
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
    on_reset: Callback<(String, PropertyDetails)>,
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
                Ok(done) => on_reset.run((done.secret, done.details)),
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
