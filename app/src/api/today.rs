//! Server functions and wire types of My day (`/today`): the rep's queue and own numbers,
//! snoozing a lead, and the organisation settings behind the numbers (the commission rate).

use crate::domain::activity::NextStepChange;
use crate::domain::today::{QueueItem, SnoozeRequest, Streak};
use crate::domain::{Lead, LeadId, Money, Timestamp};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::signed_in;

/// One open stage of the rep's pipeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageValue {
    pub stage: String,
    pub leads: u32,
    /// The leads' values, one sum per currency (biggest first).
    pub value: Vec<Money>,
}

/// My day: what to do next, and how the month is going.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Today {
    /// The rep's first name, for the greeting.
    pub first_name: String,
    pub now: Timestamp,
    /// Days on the queue and in the streak are counted in the organisation's zone, this many
    /// minutes east of UTC now.
    pub offset_minutes: i32,
    pub month_name: String,
    /// Leads the rep won this month, and their value per currency.
    pub wins: u32,
    pub won: Vec<Money>,
    pub pipeline: Vec<StageValue>,
    pub open_leads: u32,
    /// The commission rate (basis points) and the estimate on this month's wins; none until
    /// an admin sets a rate.
    pub commission: Option<(u32, Vec<Money>)>,
    /// The rep's follow-up score over the last 30 days (0–100), as on /compliance.
    pub compliance: Option<f64>,
    pub streak: Streak,
    pub queue: Vec<QueueItem>,
    /// The event log's last id when this was read: the live feed resumes after it.
    pub last_event_id: i64,
}

/// The organisation's settings an admin keeps on `/admin/settings`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettings {
    /// Basis points; none: no commission estimate on My day.
    pub commission_bp: Option<u32>,
    /// Who sees the leaderboard.
    pub leaderboard: crate::domain::recognition::Visibility,
}

#[server(prefix = "/api/fn", endpoint = "today", input = GetUrl)]
pub async fn get_today() -> Result<Today, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::today::today(&state, &actor).await
        }
        .await,
    )
}

/// Pushes a lead's next step to later with a reason (not a lead waiting for its first touch).
#[server(prefix = "/api/fn", endpoint = "snooze_lead", input = Json)]
pub async fn snooze_lead(lead_id: LeadId, request: SnoozeRequest) -> Result<Lead, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::today::snooze(&state, &actor, lead_id, request).await
        }
        .await,
    )
}

/// Plans a lead's next step without logging a touch (My day's T / D / W).
#[server(prefix = "/api/fn", endpoint = "plan_next_step", input = Json)]
pub async fn plan_next_step(lead_id: LeadId, change: NextStepChange) -> Result<Lead, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::work::set_next_step(&state, &actor, lead_id, change).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "org_settings", input = GetUrl)]
pub async fn get_org_settings() -> Result<OrgSettings, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::today::settings(&state, &actor).await
        }
        .await,
    )
}

/// An admin sets the commission rate, as typed ("5", "2.5 %"; empty for none).
#[server(prefix = "/api/fn", endpoint = "save_org_settings", input = Json)]
pub async fn save_org_settings(commission_rate: String) -> Result<OrgSettings, AppError> {
    super::with_status(
        async move {
            let (state, actor) = signed_in()?;
            crate::ssr::service::today::save_settings(&state, &actor, &commission_rate).await
        }
        .await,
    )
}
