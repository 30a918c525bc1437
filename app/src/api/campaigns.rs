//! Server functions and wire types of `/campaigns`: marketing's campaigns, budgets and spend
//! (typed in, or uploaded as CSV).

use crate::domain::campaign::{CampaignForm, SpendForm, SpendProblem};
use crate::domain::{Channel, Timestamp};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::signed_in;

/// A campaign as listed, with what it has cost and brought.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignLine {
    pub id: i64,
    pub name: String,
    pub source: String,
    pub channel: Channel,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    /// Formatted in the campaign's currency.
    pub budget: Option<String>,
    pub spent: String,
    /// Spent as a share of the budget, in percent.
    pub budget_used: Option<u32>,
    pub spend_entries: i64,
    pub leads: i64,
    /// The form to edit it.
    pub form: CampaignForm,
}

/// The page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignsView {
    pub campaigns: Vec<CampaignLine>,
    /// Sources to run a campaign on: (id, name).
    pub sources: Vec<(i64, String)>,
    /// The viewer may change campaigns and spend (marketing, admins).
    pub can_edit: bool,
    /// Today (UTC), `YYYY-MM-DD`: the spend form's default date.
    pub today: String,
}

/// A spend entry as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendLine {
    pub id: i64,
    pub date: String,
    pub amount: String,
    pub note: Option<String>,
}

/// What an uploaded spend file holds, or held when it was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendUploadReport {
    /// Good lines (written when `written`).
    pub good: usize,
    pub problems: Vec<SpendProblem>,
    pub written: bool,
}

#[server(prefix = "/api/fn", endpoint = "campaigns", input = GetUrl)]
pub async fn get_campaigns() -> Result<CampaignsView, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::campaigns::page(&state, &actor).await
        }
        .await,
    )
}

/// Creates (`form.id` none) or changes a campaign; returns its id.
#[server(prefix = "/api/fn", endpoint = "save_campaign", input = Json)]
pub async fn save_campaign(form: CampaignForm) -> Result<i64, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::campaigns::save(&state, &actor, form).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "campaign_spend", input = GetUrl)]
pub async fn campaign_spend(campaign_id: i64) -> Result<Vec<SpendLine>, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::campaigns::spend(&state, &actor, campaign_id).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "add_spend", input = Json)]
pub async fn add_spend(form: SpendForm) -> Result<(), AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::campaigns::add_spend(&state, &actor, form).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "delete_spend", input = Json)]
pub async fn delete_spend(id: i64) -> Result<(), AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::campaigns::delete_spend(&state, &actor, id).await
        }
        .await,
    )
}

/// Checks a spend file (`write` false) or writes its lines if every one is good.
#[server(prefix = "/api/fn", endpoint = "upload_spend", input = Json)]
pub async fn upload_spend(text: String, write: bool) -> Result<SpendUploadReport, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::campaigns::upload(&state, &actor, &text, write).await
        }
        .await,
    )
}
