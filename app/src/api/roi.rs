//! Server functions of `/roi`: marketing's return per channel, source and
//! campaign over a period, and the funnel.
//! Their wire types are in [`crate::model::roi`], re-exported here.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::roi::*;

#[server(prefix = "/api/fn", endpoint = "roi_times", input = GetUrl)]
pub async fn get_roi_times(query: RoiQuery) -> Result<RoiTimes, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::roi::times(&state, &actor, query).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "roi", input = GetUrl)]
pub async fn get_roi(query: RoiQuery) -> Result<RoiReport, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::roi::report(&state, &actor, query).await
    })
    .await
}

/// Marketing sets the yearly inquiry target (`target` as typed, e.g. "12,000") of this year or
/// the next.
#[server(prefix = "/api/fn", endpoint = "set_inquiry_target", input = Json)]
pub async fn set_inquiry_target(year: i64, target: String) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::roi::set_target(&state, &actor, year, &target).await
    })
    .await
}
