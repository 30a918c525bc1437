//! Server function of `/forecast`. Its wire types are in [`crate::model::forecast`],
//! re-exported here.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

pub use crate::model::forecast::*;

/// The forecast `?pipeline=2&by=team&months=6&currency=EUR` asks for (each part optional: the
/// arguments are the query's own fields, so the usual forecast is a bare GET).
#[server(prefix = "/api/fn", endpoint = "forecast", input = GetUrl)]
pub async fn get_forecast(
    pipeline: Option<i64>,
    by: Option<String>,
    months: Option<u32>,
    currency: Option<String>,
) -> Result<ForecastView, AppError> {
    let query = ForecastQuery {
        pipeline,
        by,
        months,
        currency,
    };
    super::serve(|state, actor| async move {
        crate::ssr::service::forecast::view(&state, &actor, query).await
    })
    .await
}
