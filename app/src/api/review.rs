//! Server functions of the one-on-one review (`/review/:rep`) and its index
//! (`/review`).
//! Their wire types are in [`crate::model::review`], re-exported here.

use crate::domain::review::ActionInput;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::review::*;

#[server(prefix = "/api/fn", endpoint = "review", input = GetUrl)]
pub async fn get_review(rep: i64) -> Result<ReviewView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::review::view(&state, &actor, rep).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "reviews", input = GetUrl)]
pub async fn list_reviewable() -> Result<Vec<ReviewableRep>, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::review::reviewable(&state, &actor).await
    })
    .await
}

/// Starts a review with `rep` (or returns the one in progress): its id.
#[server(prefix = "/api/fn", endpoint = "start_review", input = Json)]
pub async fn start_review(rep: i64) -> Result<i64, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::review::start(&state, &actor, rep).await
    })
    .await
}

/// Saves the notes typed so far; returns the new version.
#[server(prefix = "/api/fn", endpoint = "save_review_notes", input = Json)]
pub async fn save_review_notes(review: i64, version: i64, notes: String) -> Result<i64, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::review::save_notes(&state, &actor, review, version, &notes).await
    })
    .await
}

/// Adds an agreed action; on a lead it becomes the lead's next step.
#[server(prefix = "/api/fn", endpoint = "add_review_action", input = Json)]
pub async fn add_review_action(review: i64, action: ActionInput) -> Result<i64, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::review::add_action(&state, &actor, review, action).await
    })
    .await
}

/// Ticks an action done (or not).
#[server(prefix = "/api/fn", endpoint = "tick_review_action", input = Json)]
pub async fn tick_review_action(action: i64, done: bool) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::review::tick(&state, &actor, action, done).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "finish_review", input = Json)]
pub async fn finish_review(review: i64) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::review::finish(&state, &actor, review).await
    })
    .await
}
