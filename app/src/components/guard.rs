//! Who is signed in, for the UI, and the gate in front of each page.
//!
//! The gate only decides what to render: every server function behind a page authorizes
//! again. During server rendering it also sets the response status (403) or redirects to the
//! sign-in page, so a page the user may not see is never sent.

use crate::domain::access::Denied;
use crate::domain::Actor;
use leptos::prelude::*;

/// The signed-in user of this page load, shared through context.
#[derive(Clone)]
pub struct Me(pub Option<Actor>);

/// Provides the signed-in user: read from the request on the server, and carried to the
/// browser in the page's hydration data (no second request, nothing to wait for). It is fixed
/// for the page load: signing in and out reload the page.
pub fn provide_me() {
    let me = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            crate::ssr::auth::identity().actor
        }
        #[cfg(not(feature = "ssr"))]
        {
            None::<Actor>
        }
    })
    .into_inner();
    provide_context(Me(me));
}

pub fn use_me() -> Option<Actor> {
    use_context::<Me>().and_then(|m| m.0)
}

/// A full page load, so everything (including the signed-in user) is read afresh.
pub fn hard_navigate(to: &str) {
    #[cfg(feature = "hydrate")]
    {
        if let Some(w) = leptos::web_sys::window() {
            let _ = w.location().assign(to);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = to;
}

/// Renders `children` for a signed-in user whom `check` allows; otherwise a sign-in prompt
/// (and a redirect, on the server) or a 403 explanation. Decided synchronously, so the status
/// and any redirect are set before the first byte of the page is sent.
#[component]
pub fn RequireAccess(
    check: fn(&Actor) -> Result<(), Denied>,
    children: ChildrenFn,
) -> impl IntoView {
    match use_me() {
        Some(actor) => match check(&actor) {
            Ok(()) => children().into_any(),
            Err(denied) => view! { <Forbidden reason=denied.0/> }.into_any(),
        },
        None => view! { <SignInPrompt/> }.into_any(),
    }
}

/// Any signed-in user.
pub fn anyone(_: &Actor) -> Result<(), Denied> {
    Ok(())
}

#[component]
fn Forbidden(reason: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(axum::http::StatusCode::FORBIDDEN);
        }
    }
    view! {
        <section class="empty-state" aria-labelledby="forbidden-title">
            <h1 id="forbidden-title">"Not available to your role"</h1>
            <p>{reason}</p>
            <a class="button" href="/">"Go to your start page"</a>
        </section>
    }
}

#[component]
fn SignInPrompt() -> impl IntoView {
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    let href = format!("/signin?next={}", path);
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(&href);
    view! {
        <section class="empty-state">
            <h1>"Your session has ended"</h1>
            <p>"Sign in again to continue where you left off."</p>
            <a class="button button-primary" href=href>"Sign in"</a>
        </section>
    }
}
