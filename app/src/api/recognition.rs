//! Server functions of the leaderboard (`/leaderboard`).
//! Their wire types are in [`crate::model::recognition`], re-exported here.

use crate::domain::recognition::Visibility;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::recognition::*;

#[server(prefix = "/api/fn", endpoint = "leaderboard", input = GetUrl)]
pub async fn get_leaderboard(days: u32) -> Result<Leaderboard, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::recognition::leaderboard(&state, &actor, days).await
    })
    .await
}

/// An admin sets who sees the leaderboard (`team`, `organisation`, `off`).
#[server(prefix = "/api/fn", endpoint = "set_leaderboard_visibility", input = Json)]
pub async fn set_leaderboard_visibility(visibility: String) -> Result<Visibility, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::recognition::set_visibility(&state, &actor, &visibility).await
    })
    .await
}
