//! Server functions of the calendar feed settings: see, turn on (the address shown once),
//! turn off. Wire types are in [`crate::model::calendar`], re-exported here.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::calendar::*;

#[server(prefix = "/api/fn", endpoint = "calendar_feed", input = GetUrl)]
pub async fn get_calendar_feed() -> Result<CalendarFeedSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::calendar::settings(&state, &actor).await
    })
    .await
}

/// Turns the feed on (a new address; the old one stops working).
#[server(prefix = "/api/fn", endpoint = "turn_on_calendar_feed", input = Json)]
pub async fn turn_on_calendar_feed(include_team: bool) -> Result<IssuedFeed, AppError> {
    super::serve(|state, actor| async move {
        let identity = crate::ssr::auth::identity();
        let headers: axum::http::HeaderMap = leptos_axum::extract()
            .await
            .map_err(|_| AppError::internal())?;
        let base = crate::ssr::auth::public_base(&headers, identity.https);
        crate::ssr::service::calendar::turn_on(&state, &actor, include_team, &base).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "turn_off_calendar_feed", input = Json)]
pub async fn turn_off_calendar_feed() -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::calendar::turn_off(&state, &actor).await
    })
    .await
}
