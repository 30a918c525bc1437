//! Server functions for wall-display tokens, intake keys and the wall view.

use crate::domain::account::{AccessKeySummary, IssuedSecret, SourceSummary};
use crate::domain::{ColumnSummary, Pipeline, Timestamp};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::signed_in;
#[cfg(feature = "ssr")]
use crate::ssr::store::accounts::KeyKind;

/// What a wall display shows: the pipeline stage by stage, org-wide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallView {
    pub pipeline: Pipeline,
    pub summaries: Vec<ColumnSummary>,
    pub now: Timestamp,
}

#[server(prefix = "/api/fn", endpoint = "wall_tokens", input = GetUrl)]
pub async fn list_wall_tokens() -> Result<Vec<AccessKeySummary>, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::keys::list(&state, &actor, KeyKind::Wall).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "issue_wall_token", input = Json)]
pub async fn issue_wall_token(label: String) -> Result<IssuedSecret, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::keys::issue(&state, &actor, KeyKind::Wall, &label, None).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "revoke_wall_token", input = Json)]
pub async fn revoke_wall_token(id: i64) -> Result<(), AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::keys::revoke(&state, &actor, KeyKind::Wall, id).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "intake_keys", input = GetUrl)]
pub async fn list_intake_keys() -> Result<Vec<AccessKeySummary>, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::keys::list(&state, &actor, KeyKind::Intake).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "sources", input = GetUrl)]
pub async fn list_sources() -> Result<Vec<SourceSummary>, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::keys::sources(&state, &actor).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "issue_intake_key", input = Json)]
pub async fn issue_intake_key(label: String, source_id: i64) -> Result<IssuedSecret, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::keys::issue(
                &state,
                &actor,
                KeyKind::Intake,
                &label,
                Some(source_id),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "revoke_intake_key", input = Json)]
pub async fn revoke_intake_key(id: i64) -> Result<(), AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::keys::revoke(&state, &actor, KeyKind::Intake, id).await
        }
        .await,
    )
}

/// The wall view for a wall-display token (from the page's URL), or for a signed-in reader.
#[server(prefix = "/api/fn", endpoint = "wall", input = GetUrl)]
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
        crate::ssr::service::keys::wall(&state, &principal).await
    }
    .await)
}
