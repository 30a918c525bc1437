//! Server functions of `/campaigns`: marketing's campaigns, budgets and spend
//! (typed in, or uploaded as CSV).
//! Their wire types are in [`crate::model::campaigns`], re-exported here.

use crate::domain::campaign::{CampaignForm, SpendForm};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::campaigns::*;

#[server(prefix = "/api/fn", endpoint = "campaigns", input = GetUrl)]
pub async fn get_campaigns() -> Result<CampaignsView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::campaigns::page(&state, &actor).await
    })
    .await
}

/// Creates (`form.id` none) or changes a campaign; returns its id.
#[server(prefix = "/api/fn", endpoint = "save_campaign", input = Json)]
pub async fn save_campaign(form: CampaignForm) -> Result<i64, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::campaigns::save(&state, &actor, form).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "campaign_spend", input = GetUrl)]
pub async fn campaign_spend(campaign_id: i64) -> Result<Vec<SpendLine>, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::campaigns::spend(&state, &actor, campaign_id).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "add_spend", input = Json)]
pub async fn add_spend(form: SpendForm) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::campaigns::add_spend(&state, &actor, form).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "delete_spend", input = Json)]
pub async fn delete_spend(id: i64) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::campaigns::delete_spend(&state, &actor, id).await
    })
    .await
}

/// Checks a spend file (`write` false) or writes its lines if every one is good.
#[server(prefix = "/api/fn", endpoint = "upload_spend", input = Json)]
pub async fn upload_spend(text: String, write: bool) -> Result<SpendUploadReport, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::campaigns::upload(&state, &actor, &text, write).await
    })
    .await
}
