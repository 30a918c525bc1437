//! Server functions of the contact and company pages, and the privacy erasure.
//! Their wire types are in [`crate::model::people`], re-exported here.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::people::*;

#[server(prefix = "/api/fn", endpoint = "contact", input = GetUrl)]
pub async fn get_contact(id: i64) -> Result<PeopleView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::people::contact(&state, &actor, id).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "company", input = GetUrl)]
pub async fn get_company(id: i64) -> Result<PeopleView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::people::company(&state, &actor, id).await
    })
    .await
}

/// Erases a contact's personal data on their request (admins).
#[server(prefix = "/api/fn", endpoint = "erase_contact", input = Json)]
pub async fn erase_contact(id: i64) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::people::erase(&state, &actor, id).await
    })
    .await
}
