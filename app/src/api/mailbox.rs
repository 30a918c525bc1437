//! Server functions of the shared mailbox: the admin's settings (connect, disconnect, read
//! now) and the rep's side (messages waiting to be filed, one message, filing it). Wire types
//! are in [`crate::model::mailbox`], re-exported here.

use crate::domain::LeadId;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::mailbox::*;

#[server(prefix = "/api/fn", endpoint = "mailbox", input = GetUrl)]
pub async fn get_mailbox_status() -> Result<MailboxStatus, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::mailbox::status(&state, &actor).await
    })
    .await
}

/// Connects the mailbox after logging in to it with these settings.
#[server(prefix = "/api/fn", endpoint = "connect_mailbox", input = Json)]
pub async fn connect_mailbox(form: MailboxForm) -> Result<MailboxStatus, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::mailbox::connect(&state, &actor, form).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "disconnect_mailbox", input = Json)]
pub async fn disconnect_mailbox() -> Result<MailboxStatus, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::mailbox::disconnect(&state, &actor).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "check_mailbox_now", input = Json)]
pub async fn check_mailbox_now() -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::mailbox::check_soon(&state, &actor).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "mail_waiting", input = GetUrl)]
pub async fn get_waiting_mail() -> Result<MailToFile, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::mailbox::waiting(&state, &actor).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "mail_message", input = GetUrl)]
pub async fn get_mail_message(id: i64) -> Result<MailView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::mailbox::view(&state, &actor, id).await
    })
    .await
}

/// Files a waiting message as a new lead: its id.
#[server(prefix = "/api/fn", endpoint = "file_mail_as_lead", input = Json)]
pub async fn file_mail_as_lead(id: i64) -> Result<LeadId, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::mailbox::file_as_lead(&state, &actor, id).await
    })
    .await
}

/// Files a waiting message as an inquiry on a lead.
#[server(prefix = "/api/fn", endpoint = "file_mail_on_lead", input = Json)]
pub async fn file_mail_on_lead(id: i64, lead_id: LeadId) -> Result<LeadId, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::mailbox::file_on_lead(&state, &actor, id, lead_id).await
    })
    .await
}
