//! Server functions for lead distribution: assignment rules, who is available, the tester.
//! Their wire types are in [`crate::model::routing`], re-exported here.

use crate::domain::routing::{Decision, Inquiry, RuleForm};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::routing::*;

#[server(prefix = "/api/fn", endpoint = "routing", input = GetUrl)]
pub async fn get_routing() -> Result<RoutingSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::routing::settings(&state, &actor).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "save_rule", input = Json)]
pub async fn save_rule(id: Option<i64>, form: RuleForm) -> Result<i64, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::routing::save_rule(&state, &actor, id, form).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "delete_rule", input = Json)]
pub async fn delete_rule(id: i64) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::routing::delete_rule(&state, &actor, id).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "move_rule", input = Json)]
pub async fn move_rule(id: i64, up: bool) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::routing::move_rule(&state, &actor, id, up).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "set_availability", input = Json)]
pub async fn set_availability(
    user_id: i64,
    capacity: String,
    away_until: String,
) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::routing::set_availability(
            &state,
            &actor,
            crate::domain::UserId(user_id),
            &capacity,
            &away_until,
        )
        .await
    })
    .await
}

/// The rule tester: where would this lead go?
#[server(prefix = "/api/fn", endpoint = "test_routing", input = Json)]
pub async fn test_routing(inquiry: Inquiry) -> Result<Decision, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::routing::test_route(&state, &actor, inquiry).await
    })
    .await
}
