//! Who is signed in, for the UI, and the gate in front of each page.
//!
//! The gate only decides what to render: every server function behind a page authorizes
//! again. During server rendering it also sets the response status (403) or redirects to the
//! sign-in page, so a page the user may not see is never sent.

use crate::api::accounts::who_am_i;
use crate::domain::access::Denied;
use crate::domain::Actor;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in user, loaded once per page load and shared through context.
#[derive(Clone, Copy)]
pub struct Me(pub Resource<Result<Option<Actor>, AppError>>);

/// Loads the signed-in user (blocking server rendering until known, so statuses and
/// redirects are decided before any HTML is sent) and provides it.
pub fn provide_me() {
    let me = Resource::new_blocking(|| (), |_| who_am_i());
    provide_context(Me(me));
}

pub fn use_me() -> Me {
    expect_context::<Me>()
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
/// (and a redirect, on the server) or a 403 explanation.
#[component]
pub fn RequireAccess(
    check: fn(&Actor) -> Result<(), Denied>,
    children: ChildrenFn,
) -> impl IntoView {
    let me = use_me().0;
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(actor)) => match check(&actor) {
                        Ok(()) => children.with_value(|c| c()).into_any(),
                        Err(denied) => view! { <Forbidden reason=denied.0/> }.into_any(),
                    },
                    Ok(None) => view! { <SignInPrompt/> }.into_any(),
                    Err(e) => view! {
                        <div class="panel panel-error" role="alert"><p>{e.to_string()}</p></div>
                    }.into_any(),
                }
            })}
        </Suspense>
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
