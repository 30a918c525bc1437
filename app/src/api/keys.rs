//! Server functions for wall-display tokens, intake keys and the wall view.
//! Their wire types are in [`crate::model::keys`], re-exported here.

use crate::domain::account::{AccessKeySummary, ApiTokenSummary, IssuedSecret, SourceSummary};
use crate::domain::wall::WallConfig;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

#[cfg(feature = "ssr")]
use super::signed_in;

#[cfg(feature = "ssr")]
use crate::ssr::store::accounts::KeyKind;

pub use crate::model::keys::*;

#[server(prefix = "/api/fn", endpoint = "wall_tokens", input = GetUrl)]
pub async fn list_wall_tokens() -> Result<Vec<AccessKeySummary>, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::keys::list(&state, &actor, KeyKind::Wall).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "issue_wall_token", input = Json)]
pub async fn issue_wall_token(label: String) -> Result<IssuedSecret, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::keys::issue(&state, &actor, KeyKind::Wall, &label, None).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "revoke_wall_token", input = Json)]
pub async fn revoke_wall_token(id: i64) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::keys::revoke(&state, &actor, KeyKind::Wall, id).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "intake_keys", input = GetUrl)]
pub async fn list_intake_keys() -> Result<Vec<AccessKeySummary>, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::keys::list(&state, &actor, KeyKind::Intake).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "sources", input = GetUrl)]
pub async fn list_sources() -> Result<Vec<SourceSummary>, AppError> {
    super::serve(
        |state, actor| async move { crate::ssr::service::keys::sources(&state, &actor).await },
    )
    .await
}

#[server(prefix = "/api/fn", endpoint = "issue_intake_key", input = Json)]
pub async fn issue_intake_key(label: String, source_id: i64) -> Result<IssuedSecret, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::keys::issue(&state, &actor, KeyKind::Intake, &label, Some(source_id))
            .await
    })
    .await
}

/// Sets the web sites an intake key's form may be posted from, and its rate per minute.
#[server(prefix = "/api/fn", endpoint = "update_intake_key", input = Json)]
pub async fn update_intake_key(
    id: i64,
    allowed_origins: String,
    per_minute: i64,
) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::keys::set_intake_gate(&state, &actor, id, &allowed_origins, per_minute)
            .await
    })
    .await
}

/// The intake endpoint's address as this server is reached (scheme and host of the request),
/// for the web-form snippet and the curl examples. Anyone signed in may ask: it is the
/// server's own public address.
#[server(prefix = "/api/fn", endpoint = "intake_endpoint", input = GetUrl)]
pub async fn intake_endpoint() -> Result<String, AppError> {
    super::with_status(
        async move {
            signed_in()?;
            let identity = crate::ssr::auth::identity();
            let headers: axum::http::HeaderMap = leptos_axum::extract()
                .await
                .map_err(|_| AppError::internal())?;
            let base = crate::ssr::auth::public_base(&headers, identity.https);
            Ok(format!("{base}/api/v1/intake"))
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "revoke_intake_key", input = Json)]
pub async fn revoke_intake_key(id: i64) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::keys::revoke(&state, &actor, KeyKind::Intake, id).await
    })
    .await
}

/// The wall view for a wall-display token (from the page's URL), or for a signed-in reader.
#[server(prefix = "/api/fn", endpoint = "wall", input = Json)]
pub async fn get_wall(token: String) -> Result<WallView, AppError> {
    super::with_status(async move {
        use crate::domain::Principal;
        let state = expect_context::<crate::ssr::AppState>();
        let principal = match crate::ssr::auth::key_principal(&state, KeyKind::Wall, &token).await? {
            Some(p) => p,
            None => match crate::ssr::auth::identity().actor {
                Some(actor) if token.is_empty() => Principal::User(actor),
                _ => {
                    return Err(AppError::Unauthorized {
                        message: "This wall link is not valid (revoked or mistyped); ask an admin for a new one".into(),
                    })
                }
            },
        };
        crate::ssr::service::wall::view(&state, &principal).await
    }
    .await)
}

/// Sets which panels wall token `id` rotates through, the ROI period and the seconds per panel
/// (admins).
#[server(prefix = "/api/fn", endpoint = "configure_wall", input = Json)]
pub async fn configure_wall(id: i64, config: WallConfig) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::wall::configure(&state, &actor, id, config).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "api_tokens", input = GetUrl)]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenSummary>, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::keys::api_tokens(&state, &actor).await
    })
    .await
}

/// Issues a personal API token; `scope` is `read` or `write`.
#[server(prefix = "/api/fn", endpoint = "issue_api_token", input = Json)]
pub async fn issue_api_token(label: String, scope: String) -> Result<IssuedSecret, AppError> {
    super::serve(|state, actor| async move {
        let scope = crate::domain::account::TokenScope::parse(&scope)
            .ok_or_else(|| AppError::field("scope", "Choose read only or read and write"))?;
        crate::ssr::service::keys::issue_api_token(&state, &actor, &label, scope).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "revoke_api_token", input = Json)]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::keys::revoke_api_token(&state, &actor, id).await
    })
    .await
}
