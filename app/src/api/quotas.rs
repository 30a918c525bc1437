//! Server functions of the quotas page (`/quotas`). Their wire types are in
//! [`crate::model::quotas`], re-exported here.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::quotas::*;

#[server(prefix = "/api/fn", endpoint = "quotas", input = GetUrl)]
pub async fn get_quotas() -> Result<QuotasView, AppError> {
    super::serve(
        |state, actor| async move { crate::ssr::service::quotas::page(&state, &actor).await },
    )
    .await
}

/// A manager sets a rep's quota (an admin anyone's); an empty target ends it from `starts`.
#[server(prefix = "/api/fn", endpoint = "set_quota", input = Json)]
pub async fn set_quota(quota: QuotaInput) -> Result<QuotasView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::quotas::set(&state, &actor, quota).await
    })
    .await
}
