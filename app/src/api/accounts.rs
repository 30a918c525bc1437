//! Server functions for signing in and out and for the admin screens (users and teams).
//! Their wire types are in [`crate::model::accounts`], re-exported here.

use crate::domain::account::{NewUser, TeamChange, TeamSummary, UserChange, UserSummary};
use crate::domain::{Actor, TeamId, UserId};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::accounts::*;

/// Who is signed in, if anyone.
#[server(prefix = "/api/fn", endpoint = "me", input = GetUrl)]
pub async fn who_am_i() -> Result<Option<Actor>, AppError> {
    super::with_status(async move { Ok(crate::ssr::auth::identity().actor) }.await)
}

/// Answers a plain (no-JavaScript) form post with a redirect to `to`. A request from the page's
/// own script gets none: the page then does one full navigation itself (the signed-in user
/// changed, so the app must reload), where a redirect header would add a second, racing one.
#[cfg(feature = "ssr")]
fn redirect_plain_form(to: &str) {
    let plain = use_context::<axum::http::request::Parts>().is_some_and(|req| {
        req.headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    });
    if plain {
        leptos_axum::redirect(to);
    }
}

/// Signs in and sets the session cookie; then sends the browser to `next` (a local path) or
/// the user's home page.
#[server(prefix = "/api/fn", endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<Actor, AppError> {
    super::with_status(
        async move {
            use axum::http::{header, HeaderValue};
            let state = expect_context::<crate::ssr::AppState>();
            let identity = crate::ssr::auth::identity();
            let signed =
                crate::ssr::auth::sign_in(&state, &email, &password, &identity.client).await?;
            let response = expect_context::<leptos_axum::ResponseOptions>();
            let cookie =
                crate::ssr::auth::session_cookie(&signed.session, signed.max_age, identity.https);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.insert_header(header::SET_COOKIE, v);
            }
            if let Some(device) = &signed.device {
                let cookie = crate::ssr::auth::device_cookie(device, identity.https);
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    response.append_header(header::SET_COOKIE, v);
                }
            }
            let to =
                safe_next(next.as_deref()).unwrap_or_else(|| home_for(&signed.actor).to_string());
            redirect_plain_form(&to);
            Ok(signed.actor)
        }
        .await,
    )
}

/// Ends the session on the server and clears the cookie.
#[server(prefix = "/api/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    super::with_status(
        async move {
            use axum::http::{header, HeaderValue};
            let state = expect_context::<crate::ssr::AppState>();
            let identity = crate::ssr::auth::identity();
            if let (Some(actor), Some(hash)) = (&identity.actor, &identity.session_hash) {
                crate::ssr::auth::sign_out(&state, actor, hash).await?;
            }
            let response = expect_context::<leptos_axum::ResponseOptions>();
            if let Ok(v) =
                HeaderValue::from_str(&crate::ssr::auth::clear_session_cookie(identity.https))
            {
                response.insert_header(header::SET_COOKIE, v);
            }
            redirect_plain_form("/signin");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "users", input = GetUrl)]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::accounts::users(&state, &actor).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "create_user", input = Json)]
pub async fn create_user(user: NewUser) -> Result<UserSummary, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::accounts::create_user(&state, Some(&actor), user).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "update_user", input = Json)]
pub async fn update_user(id: UserId, change: UserChange) -> Result<UserSummary, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::accounts::update_user(&state, &actor, id, change).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "unlock_user", input = Json)]
pub async fn unlock_user(id: UserId) -> Result<UserSummary, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::accounts::unlock_user(&state, &actor, id).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "reset_password", input = Json)]
pub async fn reset_password(email: String, password: String) -> Result<UserSummary, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::accounts::reset_password(&state, Some(&actor), &email, password).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "teams", input = GetUrl)]
pub async fn list_teams() -> Result<Vec<TeamSummary>, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::accounts::teams(&state, &actor).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "create_team", input = Json)]
pub async fn create_team(team: TeamChange) -> Result<TeamSummary, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::accounts::create_team(&state, &actor, team).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "update_team", input = Json)]
pub async fn update_team(id: TeamId, team: TeamChange) -> Result<TeamSummary, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::accounts::update_team(&state, &actor, id, team).await
    })
    .await
}
