//! Server functions for Settings → Follow-up policy.

use crate::domain::access::TeamId;
use crate::domain::policy_form::{PolicyForm, PolicyPreview, PolicySettings};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

/// The rules the signed-in person may read, with their history.
#[server(prefix = "/api/fn", endpoint = "policy_settings", input = GetUrl)]
pub async fn get_policy_settings() -> Result<PolicySettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::policy::settings(&state, &actor).await
    })
    .await
}

/// What `form` would flag among the open leads of `team` if it were saved.
#[server(prefix = "/api/fn", endpoint = "preview_policy", input = Json)]
pub async fn preview_policy(
    team: Option<TeamId>,
    form: PolicyForm,
    based_on: i64,
) -> Result<PolicyPreview, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::policy::preview(&state, &actor, team, form, based_on).await
    })
    .await
}

/// Saves `form` as the next version of `team`'s rules.
#[server(prefix = "/api/fn", endpoint = "save_policy", input = Json)]
pub async fn save_policy(
    team: Option<TeamId>,
    form: PolicyForm,
    based_on: i64,
) -> Result<PolicySettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::policy::save(&state, &actor, team, form, based_on).await
    })
    .await
}
