//! Who is looking at a page, for every page island: the frame loads the signed-in person, the
//! server hands it to each page island, and the island's parts ask [`can`]. Kept apart from the
//! frame (`shell`) and the auth pages, so pages depend on it and not on each other.

use leptos::prelude::*;

use super::{island_ready, provide_toasts};
use crate::auth::{Permission, Principal};
use crate::error::ConsoleError;

/// The signed-in person as the frame knows it (loaded again for every page).
pub type CurrentUser = Resource<Result<Option<Principal>, ConsoleError>>;

/// The signed-in person, if known yet.
pub fn signed_in(user: CurrentUser) -> Option<Principal> {
    user.get().and_then(|r| r.ok()).flatten()
}

/// Who is looking at a page: the server hands it to each page island, which shares it with its
/// parts through context.
#[derive(Clone, Debug)]
pub struct Viewer(pub Option<Principal>);

/// Whether the signed-in person may do `permission`.
pub fn can(permission: Permission) -> bool {
    use_context::<Viewer>()
        .and_then(|viewer| viewer.0)
        .is_some_and(|p| p.can(permission))
}

/// Renders a page island once the server knows who is signed in, handing it the viewer.
pub fn with_viewer<V: IntoView + 'static>(
    page: impl Fn(Option<Principal>) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView {
    with_viewer_and(|| async {}, move |viewer, ()| page(viewer))
}

/// Like [`with_viewer`], for a page island that also starts with data the server loads first
/// (one `Suspend`: a `Suspend` returned from another renders nothing when streamed).
pub fn with_viewer_and<T, Load, V>(
    load: impl FnOnce() -> Load,
    page: impl Fn(Option<Principal>, T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    Load: std::future::Future<Output = T> + Send + 'static,
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    use futures::FutureExt;

    let user = expect_context::<CurrentUser>();
    // The Suspense runs its children more than once while rendering on the server (three times
    // per page load, measured): the data loads once and every run awaits that one answer.
    let loaded = load().shared();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (loaded, page) = (loaded.clone(), page.clone());
                Suspend::new(async move {
                    let viewer = user.await.ok().flatten();
                    page(viewer, loaded.await)
                })
            }}
        </Suspense>
    }
}

/// What every page island does first: share who is looking with its parts, make room for
/// confirmations, and report when it is interactive.
pub fn start_page_island(viewer: Option<Principal>) {
    provide_context(Viewer(viewer));
    provide_toasts();
    island_ready();
}
