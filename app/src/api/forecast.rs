//! Server function of `/forecast`. Its wire types are in [`crate::model::forecast`],
//! re-exported here.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

pub use crate::model::forecast::*;

#[server(prefix = "/api/fn", endpoint = "forecast", input = GetUrl)]
pub async fn get_forecast(query: ForecastQuery) -> Result<ForecastView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::forecast::view(&state, &actor, query).await
    })
    .await
}
