//! Server functions of My day (`/today`): the rep's queue and own numbers,
//! snoozing a lead, and the organisation settings behind the numbers (the commission rate).
//! Their wire types are in [`crate::model::today`], re-exported here.

use crate::domain::activity::NextStepChange;
use crate::domain::today::SnoozeRequest;
use crate::domain::{Lead, LeadId};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::today::*;

#[server(prefix = "/api/fn", endpoint = "today", input = GetUrl)]
pub async fn get_today() -> Result<Today, AppError> {
    super::serve(
        |state, actor| async move { crate::ssr::service::today::today(&state, &actor).await },
    )
    .await
}

/// Pushes a lead's next step to later with a reason (not a lead waiting for its first touch).
#[server(prefix = "/api/fn", endpoint = "snooze_lead", input = Json)]
pub async fn snooze_lead(lead_id: LeadId, request: SnoozeRequest) -> Result<Lead, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::today::snooze(&state, &actor, lead_id, request).await
    })
    .await
}

/// Plans a lead's next step without logging a touch (My day's T / D / W).
#[server(prefix = "/api/fn", endpoint = "plan_next_step", input = Json)]
pub async fn plan_next_step(lead_id: LeadId, change: NextStepChange) -> Result<Lead, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::work::set_next_step(&state, &actor, lead_id, change).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "org_settings", input = GetUrl)]
pub async fn get_org_settings() -> Result<OrgSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::today::settings(&state, &actor).await
    })
    .await
}

/// An admin sets the commission rate, as typed ("5", "2.5 %"; empty for none).
#[server(prefix = "/api/fn", endpoint = "save_org_settings", input = Json)]
pub async fn save_org_settings(commission_rate: String) -> Result<OrgSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::today::save_settings(&state, &actor, &commission_rate).await
    })
    .await
}
