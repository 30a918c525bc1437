//! Server functions and wire types of the leaderboard (`/leaderboard`).

use crate::domain::compliance::Period;
use crate::domain::recognition::{Standing, Visibility};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::signed_in;

/// The periods the leaderboard offers, in days.
pub const LEADERBOARD_DAYS: [u32; 3] = [7, 30, 90];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    pub days: u32,
    pub period: Period,
    pub visibility: Visibility,
    /// Whose reps these are: "Enterprise East", "Everyone".
    pub scope: String,
    /// Admins download the figures for incentive payouts.
    pub can_export: bool,
    pub rows: Vec<Standing>,
}

#[server(prefix = "/api/fn", endpoint = "leaderboard", input = GetUrl)]
pub async fn get_leaderboard(days: u32) -> Result<Leaderboard, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::recognition::leaderboard(&state, &actor, days).await
        }
        .await,
    )
}

/// An admin sets who sees the leaderboard (`team`, `organisation`, `off`).
#[server(prefix = "/api/fn", endpoint = "set_leaderboard_visibility", input = Json)]
pub async fn set_leaderboard_visibility(visibility: String) -> Result<Visibility, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::recognition::set_visibility(&state, &actor, &visibility).await
        }
        .await,
    )
}
