//! The UI's server functions: the edge between the pages and `ssr::service`. What they send
//! and receive lives in [`crate::model`] (and `domain`); each module re-exports its types.
//!
//! Each server function is a thin edge: it takes the state and the request's identity from
//! context and calls the matching function in `ssr::service`, where authorization, validation
//! and writing happen.

pub mod accounts;
pub mod calendar;
pub mod campaigns;
pub mod compliance;
pub mod dedupe;
pub mod fields;
pub mod forecast;
pub mod import;
pub mod inbox;
pub mod keys;
pub mod mailbox;
pub mod new_lead;
pub mod people;
pub mod pipelines;
pub mod policy;
pub mod quotas;
pub mod quotes;
pub mod recognition;
pub mod review;
pub mod roi;
pub mod routing;
pub mod today;
pub mod webhooks;

use crate::domain::activity::{CloseOut, LeadEdit, LogRequest};
use crate::domain::{
    AssignRequest, BoardFilter, ColumnPage, FilterOptions, Lead, LeadId, MoveRequest, StageId,
};
use crate::error::AppError;
use crate::model::board::Board;
use crate::model::lead::LeadDetail;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::live::{LiveEvent, LiveKind};

/// The state and the signed-in actor, or 401: the first line of every signed-in server
/// function.
#[cfg(feature = "ssr")]
pub(crate) fn signed_in() -> Result<(crate::ssr::AppState, crate::domain::Actor), AppError> {
    let state = expect_context::<crate::ssr::AppState>();
    let identity = crate::ssr::auth::identity();
    let actor = crate::ssr::auth::require(identity.actor.as_ref())?.clone();
    Ok((state, actor))
}

/// A signed-in server function's one call: the state and the signed-in actor from context
/// (401 without one), then `work`, its error sent with its own status.
#[cfg(feature = "ssr")]
pub(crate) async fn serve<T, Work, Done>(work: Work) -> Result<T, AppError>
where
    Work: FnOnce(crate::ssr::AppState, crate::domain::Actor) -> Done,
    Done: std::future::Future<Output = Result<T, AppError>>,
{
    with_status(
        async move {
            let (state, actor) = signed_in()?;
            work(state, actor).await
        }
        .await,
    )
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

/// The board as the signed-in user may see it, under `filter`.
#[server(prefix = "/api/fn", endpoint = "board", input = GetUrl)]
pub async fn get_board(#[server(default)] filter: BoardFilter) -> Result<Board, AppError> {
    serve(|state, actor| async move { crate::ssr::service::board(&state, &actor, filter).await })
        .await
}

/// The filter bar's choices for the signed-in user.
#[server(prefix = "/api/fn", endpoint = "board_filters", input = GetUrl)]
pub async fn get_filter_options() -> Result<FilterOptions, AppError> {
    serve(|state, actor| async move { crate::ssr::service::filter_options(&state, &actor).await })
        .await
}

/// The next page of one column; see `ssr::service::column_page`.
#[server(prefix = "/api/fn", endpoint = "board_column", input = GetUrl)]
pub async fn get_column(
    stage: StageId,
    #[server(default)] filter: BoardFilter,
    #[server(default)] after: String,
) -> Result<ColumnPage, AppError> {
    serve(|state, actor| async move {
        crate::ssr::service::column_page(&state, &actor, stage, filter, &after).await
    })
    .await
}

/// Moves a lead; see `ssr::service::move_lead`.
#[server(prefix = "/api/fn", endpoint = "move_lead", input = Json)]
pub async fn move_lead(lead_id: LeadId, request: MoveRequest) -> Result<Lead, AppError> {
    serve(|state, actor| async move {
        crate::ssr::service::move_lead(&state, &actor, lead_id, request).await
    })
    .await
}

/// Gives a lead to another rep or manager; see `ssr::service::assign_lead`.
#[server(prefix = "/api/fn", endpoint = "assign_lead", input = Json)]
pub async fn assign_lead(lead_id: LeadId, request: AssignRequest) -> Result<Lead, AppError> {
    serve(|state, actor| async move {
        crate::ssr::service::assign_lead(&state, &actor, lead_id, request).await
    })
    .await
}

/// A lead with its history, for the drawer and `/leads/:id`.
#[server(prefix = "/api/fn", endpoint = "lead_detail", input = GetUrl)]
pub async fn get_lead_detail(lead_id: LeadId) -> Result<LeadDetail, AppError> {
    serve(|state, actor| async move {
        crate::ssr::service::work::lead_detail(&state, &actor, lead_id).await
    })
    .await
}

/// Changes a lead's details; see `ssr::service::work::edit_lead`.
#[server(prefix = "/api/fn", endpoint = "edit_lead", input = Json)]
pub async fn edit_lead(lead_id: LeadId, edit: LeadEdit) -> Result<Lead, AppError> {
    serve(|state, actor| async move {
        crate::ssr::service::work::edit_lead(&state, &actor, lead_id, edit).await
    })
    .await
}

/// Logs a touch and the next step; see `ssr::service::work::log_activity`.
#[server(prefix = "/api/fn", endpoint = "log_activity", input = Json)]
pub async fn log_activity(lead_id: LeadId, request: LogRequest) -> Result<Lead, AppError> {
    serve(|state, actor| async move {
        crate::ssr::service::work::log_activity(&state, &actor, lead_id, request).await
    })
    .await
}

/// Closes a lead out as won or lost; see `ssr::service::work::close_out`.
#[server(prefix = "/api/fn", endpoint = "close_out", input = Json)]
pub async fn close_lead(lead_id: LeadId, request: CloseOut) -> Result<Lead, AppError> {
    serve(|state, actor| async move {
        crate::ssr::service::work::close_out(&state, &actor, lead_id, request).await
    })
    .await
}
