//! The UI's server functions and the wire types shared with the REST API and live feed.
//!
//! Each server function is a thin edge: it takes the state and the request's identity from
//! context and calls the matching function in `ssr::service`, where authorization, validation
//! and writing happen.

pub mod accounts;
pub mod keys;

use crate::domain::{AssignRequest, Board, Lead, LeadId, MoveRequest, StageId, Timestamp};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};
use serde::{Deserialize, Serialize};

/// Event kinds the live feed carries (SSE event names).
pub const LIVE_KINDS: [&str; 1] = ["lead.moved"];

/// A committed change, as sent on the live feed (`/api/v1/events`, SSE event name = `kind`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    /// The event-log id; sent as the SSE id so a reconnecting client resumes after it.
    pub id: i64,
    pub kind: String,
    pub at: Timestamp,
    /// The stage the lead left, for moves.
    pub from_stage: Option<StageId>,
    /// The lead after the change.
    pub lead: Lead,
}

/// The state and the signed-in actor, or 401: the first line of every signed-in server
/// function.
#[cfg(feature = "ssr")]
pub(crate) fn signed_in() -> Result<(crate::ssr::AppState, crate::domain::Actor), AppError> {
    let state = expect_context::<crate::ssr::AppState>();
    let identity = crate::ssr::auth::identity();
    let actor = crate::ssr::auth::require(identity.actor.as_ref())?.clone();
    Ok((state, actor))
}

/// Sends a server function's error with its own status (401, 403, 422, …) rather than the
/// generic 500, so the UI's HTTP traffic and the REST API agree.
#[cfg(feature = "ssr")]
pub(crate) fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(
                axum::http::StatusCode::from_u16(e.status())
                    .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
    }
    result
}

/// The board as the signed-in user may see it.
#[server(prefix = "/api/fn", endpoint = "board", input = GetUrl)]
pub async fn get_board() -> Result<Board, AppError> {
    with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::board(&state, &actor).await
        }
        .await,
    )
}

/// Moves a lead; see `ssr::service::move_lead`.
#[server(prefix = "/api/fn", endpoint = "move_lead", input = Json)]
pub async fn move_lead(lead_id: LeadId, request: MoveRequest) -> Result<Lead, AppError> {
    with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::move_lead(&state, &actor, lead_id, request).await
        }
        .await,
    )
}

/// Gives a lead to another rep or manager; see `ssr::service::assign_lead`.
#[server(prefix = "/api/fn", endpoint = "assign_lead", input = Json)]
pub async fn assign_lead(lead_id: LeadId, request: AssignRequest) -> Result<Lead, AppError> {
    with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::assign_lead(&state, &actor, lead_id, request).await
        }
        .await,
    )
}
