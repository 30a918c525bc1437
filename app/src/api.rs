//! The UI's server functions and the wire types shared with the REST API and live feed.
//!
//! Each server function is a thin edge: it takes the state from context and calls the matching
//! function in `ssr::service`, where authorization, validation and writing happen.

use crate::domain::{Board, Lead, LeadId, MoveRequest, StageId, Timestamp};
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

/// The board as the signed-in user may see it.
#[server(prefix = "/api/fn", endpoint = "board", input = GetUrl)]
pub async fn get_board() -> Result<Board, AppError> {
    let state = expect_context::<crate::ssr::AppState>();
    crate::ssr::service::board(&state).await
}

/// Moves a lead; see `ssr::service::move_lead`.
#[server(prefix = "/api/fn", endpoint = "move_lead", input = Json)]
pub async fn move_lead(lead_id: LeadId, request: MoveRequest) -> Result<Lead, AppError> {
    let state = expect_context::<crate::ssr::AppState>();
    crate::ssr::service::move_lead(&state, lead_id, request).await
}
