//! Sign-in, the account page (own password) and the Users page (admins).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::server_fns::{
    add_user, change_password, list_users, remove_user, reset_user_password, set_user_role,
    ChangePassword, SignIn, SignOut, UserSummary,
};
use super::{Principal, Role};
use crate::domain::accounts::SIGN_IN_REFUSED;
use crate::error::ConsoleError;
use crate::ui::viewer::{signed_in, start_page_island, with_viewer, with_viewer_and, CurrentUser};
use crate::ui::{use_toasts, Dialog, PreloadIsland, ToastRegion};

/// The sign-in page: the first page everyone sees, so it is plain server-rendered HTML with no
/// wasm (the shell leaves the bundle out, see `shell::page_loads_wasm`). The form posts to the
/// `sign_in` server function; `/sign-in.js` (a few hundred bytes) makes that post without leaving
/// the page, so a refusal shows beside the field and the username stays typed. Without
/// JavaScript a refusal comes back here as `?refused` (see `sign_in`).
#[component]
pub fn SignInRoute() -> impl IntoView {
    let query = use_query_map();
    let next = query.with_untracked(|q| q.get("next").unwrap_or_else(|| "/".into()));
    let refused = query.with_untracked(|q| q.get("refused").is_some());
    let error = refused.then_some(SIGN_IN_REFUSED);
    view! {
        <Title text="Sign in · Gatehouse"/>
        <section class="page sign-in">
            <h1>"Sign in to Gatehouse"</h1>
            <form id="sign-in-form" method="post" action=SignIn::url()>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="username">"Username"</label>
                    <input id="username" name="username" type="text" autocomplete="username" required autofocus=!refused/>
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        autofocus=refused
                        aria-describedby="sign-in-error"
                        aria-invalid=refused.to_string()
                    />
                    <p id="sign-in-error" class="field-error" role="alert">{error}</p>
                </div>
                <div class="form-actions">
                    <button type="submit" class="primary" aria-disabled="false">"Sign in"</button>
                </div>
            </form>
            <p class="muted">
                "Lost the admin password? On the server run "<code>"server user reset-password admin"</code>"."
            </p>
        </section>
        <script src="/sign-in.js" defer></script>
    }
}

/// Username, role and "Sign out" in the header.
#[component]
pub fn UserMenu(user: CurrentUser) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Transition fallback=|| ()>
            {move || {
                signed_in(user)
                    .map(|principal| {
                        view! {
                            <div class="user-menu">
                                <a href="/account" class="user-name" title="Your account">
                                    {principal.username.clone()}
                                    <span class="role">{principal.role.as_str()}</span>
                                </a>
                                <ActionForm action=sign_out>
                                    <button type="submit" class="ghost on-dark">"Sign out"</button>
                                </ActionForm>
                            </div>
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
pub fn AccountRoute() -> impl IntoView {
    view! {
        <Title text="Your account · Gatehouse"/>
        <PreloadIsland island="account_page"/>
        {with_viewer(|viewer| view! { <AccountPage viewer/> })}
    }
}

#[island(lazy)]
fn AccountPage(viewer: Option<Principal>) -> impl IntoView {
    start_page_island(viewer);
    let inputs: [(
        &'static str,
        &'static str,
        &'static str,
        NodeRef<leptos::html::Input>,
    ); 3] = [
        (
            "current",
            "Current password",
            "current-password",
            NodeRef::new(),
        ),
        ("new", "New password", "new-password", NodeRef::new()),
        (
            "confirm",
            "New password again",
            "new-password",
            NodeRef::new(),
        ),
    ];
    let outcome = RwSignal::new(None::<Result<(), ConsoleError>>);
    let pending = RwSignal::new(false);
    let error_for = move |field: &'static str| {
        move || {
            outcome.with(|o| {
                o.as_ref().and_then(|r| r.as_ref().err()).and_then(|e| {
                    e.for_field(field).or_else(|| {
                        (field == "current" && !matches!(e, ConsoleError::Invalid { .. }))
                            .then(|| e.to_string())
                    })
                })
            })
        }
    };
    let done = move || matches!(outcome.get(), Some(Ok(())));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let [current, new, confirm] = inputs
            .map(|(_, _, _, input)| input.get_untracked().map(|i| i.value()).unwrap_or_default());
        pending.set(true);
        spawn_local(async move {
            let result = change_password(current, new, confirm).await;
            if result.is_ok() {
                for (_, _, _, input) in inputs {
                    if let Some(input) = input.get_untracked() {
                        input.set_value("");
                    }
                }
            }
            pending.set(false);
            outcome.set(Some(result));
        });
    };
    let fields = inputs.map(|(id, label, autocomplete, input)| {
        let error = error_for(id);
        let error_id = format!("{id}-error");
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input
                    id=id
                    name=id
                    type="password"
                    autocomplete=autocomplete
                    required
                    aria-describedby=error_id.clone()
                    aria-invalid=move || error().is_some().to_string()
                    node_ref=input
                />
                <p id=error_id class="field-error" role="alert">{error_for(id)}</p>
            </div>
        }
    });
    view! {
        <section class="page narrow">
            <h1>"Your account"</h1>
            <h2>"Change password"</h2>
            <Show when=done>
                <p class="notice success" role="status">
                    "Your password was changed. Your other sessions were signed out."
                </p>
            </Show>
            <form method="post" action=ChangePassword::url() on:submit=submit>
                {fields}
                <p class="field-hint">"At least 12 characters. A few unrelated words make a strong one."</p>
                <div class="form-actions">
                    <button type="submit" class="primary" aria-disabled=move || pending.get().to_string()>
                        "Change password"
                    </button>
                </div>
            </form>
        </section>
        <ToastRegion/>
    }
}

#[component]
pub fn UsersRoute() -> impl IntoView {
    view! {
        <Title text="Users · Gatehouse"/>
        <PreloadIsland island="users_page"/>
        {with_viewer_and(list_users, |viewer, first| view! { <UsersPage viewer first/> })}
    }
}

/// The accounts come loaded from the server (no `Resource` or loading state in the wasm); after a
/// change the page asks for them again.
#[island(lazy)]
fn UsersPage(
    viewer: Option<Principal>,
    first: Result<Vec<UserSummary>, ConsoleError>,
) -> impl IntoView {
    start_page_island(viewer);
    let users = RwSignal::new(first);
    let refresh =
        Callback::new(move |()| spawn_local(async move { users.set(list_users().await) }));
    let revealed = RwSignal::new(None::<(String, String)>);
    let removing = RwSignal::new(None::<String>);
    let toasts = use_toasts();
    let new_name = RwSignal::new(String::new());
    let new_role = RwSignal::new(Role::Viewer);
    let add_error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (name, role) = (new_name.get_untracked(), new_role.get_untracked());
        spawn_local(async move {
            match add_user(name.clone(), role).await {
                Ok(password) => {
                    add_error.set(None);
                    new_name.set(String::new());
                    revealed.set(Some((name.trim().to_ascii_lowercase(), password)));
                    refresh.run(());
                }
                Err(e) => add_error.set(Some(
                    e.for_field("username").unwrap_or_else(|| e.to_string()),
                )),
            }
        });
    };
    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Users"</h1>
            </header>
            {move || {
                revealed
                    .get()
                    .map(|(name, password)| {
                        view! {
                            <div class="notice success" role="status">
                                <p>
                                    "The password of "<strong>{name}</strong>" is "
                                    <code class="secret-once">{password}</code>
                                    ". Hand it over safely: it is shown only now."
                                </p>
                                <button type="button" on:click=move |_| revealed.set(None)>"Done"</button>
                            </div>
                        }
                    })
            }}
            {move || {
                match users.get() {
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="data">
                                    <caption class="visually-hidden">"Console accounts"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Username"</th>
                                            <th scope="col">"Role"</th>
                                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|user| view! { <UserRow user refresh revealed removing/> })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                    }
                    .into_any(),
                }
            }}
            <form class="inline-form" on:submit=add novalidate>
                <h2>"Add user"</h2>
                <div class="field">
                    <label for="new-username">"Username"</label>
                    <input
                        id="new-username"
                        type="text"
                        autocomplete="off"
                        prop:value=move || new_name.get()
                        on:input=move |ev| new_name.set(event_target_value(&ev))
                        aria-invalid=move || add_error.get().is_some().to_string()
                        aria-describedby="new-username-error"
                    />
                    <p id="new-username-error" class="field-error" role="alert">{move || add_error.get()}</p>
                </div>
                <div class="field">
                    <label for="new-role">"Role"</label>
                    <select
                        id="new-role"
                        on:change=move |ev| new_role.set(event_target_value(&ev).parse().unwrap_or(Role::Viewer))
                    >
                        <option value="viewer" selected>"viewer: reads, never sees secrets"</option>
                        <option value="admin">"admin: everything"</option>
                    </select>
                </div>
                <button type="submit" class="primary">"Add user"</button>
            </form>
        </section>
        {move || {
            removing
                .get()
                .map(|name| {
                    let target = name.clone();
                    let error = RwSignal::new(None::<String>);
                    let confirm = move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        let target = target.clone();
                        spawn_local(async move {
                            match remove_user(target.clone()).await {
                                Ok(()) => {
                                    removing.set(None);
                                    refresh.run(());
                                    toasts.show(format!("Account {target} removed."));
                                }
                                Err(e) => error.set(Some(e.to_string())),
                            }
                        });
                    };
                    view! {
                        <Dialog
                            title="Remove this account?".to_string()
                            on_cancel=Callback::new(move |_| removing.set(None))
                            role="alertdialog"
                        >
                            <form on:submit=confirm>
                                <p>
                                    <strong>{name}</strong>
                                    " will no longer be able to sign in. Their sessions end now."
                                </p>
                                <p class="field-error" role="alert">{move || error.get()}</p>
                                <div class="form-actions">
                                    <button type="button" on:click=move |_| removing.set(None)>"Cancel"</button>
                                    <button type="submit" class="danger" data-autofocus>"Remove"</button>
                                </div>
                            </form>
                        </Dialog>
                    }
                })
        }}
        <ToastRegion/>
    }
}

#[component]
fn UserRow(
    user: UserSummary,
    refresh: Callback<()>,
    revealed: RwSignal<Option<(String, String)>>,
    removing: RwSignal<Option<String>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let error = RwSignal::new(None::<String>);
    let name = user.username.clone();
    let select_id = format!("role-{}", user.username);
    let change_role = {
        let name = name.clone();
        move |ev: leptos::ev::Event| {
            let role: Role = event_target_value(&ev).parse().unwrap_or(Role::Viewer);
            let name = name.clone();
            spawn_local(async move {
                match set_user_role(name.clone(), role).await {
                    Ok(()) => {
                        error.set(None);
                        toasts.show(format!("{name} is now {role}."));
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                refresh.run(());
            });
        }
    };
    let reset = {
        let name = name.clone();
        move |_| {
            let name = name.clone();
            spawn_local(async move {
                match reset_user_password(name.clone()).await {
                    Ok(password) => revealed.set(Some((name, password))),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };
    let remove = {
        let name = name.clone();
        move |_| removing.set(Some(name.clone()))
    };
    view! {
        <tr>
            <td>{user.username.clone()}</td>
            <td>
                <label for=select_id.clone() class="visually-hidden">{format!("Role of {}", user.username)}</label>
                <select id=select_id on:change=change_role>
                    {Role::ALL
                        .into_iter()
                        .map(|role| view! { <option value=role.as_str() selected={role == user.role}>{role.as_str()}</option> })
                        .collect_view()}
                </select>
                <p class="field-error" role="alert">{move || error.get()}</p>
            </td>
            <td class="actions">
                <button type="button" on:click=reset aria-label=format!("Reset password of {}", user.username)>
                    "Reset password"
                </button>
                " "
                <button type="button" class="danger" on:click=remove aria-label=format!("Remove {}", user.username)>
                    "Remove"
                </button>
            </td>
        </tr>
    }
}
