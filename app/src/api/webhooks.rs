//! Server functions of outbound webhooks (admins): the endpoints with their delivery logs,
//! registering one (its secret shown once), deleting one, re-sending a delivery. Wire types
//! are in [`crate::model::webhooks`], re-exported here.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::webhooks::*;

#[server(prefix = "/api/fn", endpoint = "webhooks", input = GetUrl)]
pub async fn get_webhooks() -> Result<WebhooksPage, AppError> {
    super::serve(
        |state, actor| async move { crate::ssr::service::webhooks::page(&state, &actor).await },
    )
    .await
}

#[server(prefix = "/api/fn", endpoint = "create_webhook", input = Json)]
pub async fn create_webhook(form: WebhookForm) -> Result<IssuedWebhook, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::webhooks::create(&state, &actor, form).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "delete_webhook", input = Json)]
pub async fn delete_webhook(id: i64) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::webhooks::delete(&state, &actor, id).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "resend_delivery", input = Json)]
pub async fn resend_delivery(id: i64) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::webhooks::resend(&state, &actor, id).await
    })
    .await
}
