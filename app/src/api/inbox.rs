//! Server functions for the header's notification bell.
//! Their wire types are in [`crate::model::inbox`], re-exported here.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::inbox::*;

#[server(prefix = "/api/fn", endpoint = "inbox", input = GetUrl)]
pub async fn get_inbox() -> Result<Inbox, AppError> {
    super::serve(
        |state, actor| async move { crate::ssr::service::sweep::inbox(&state, &actor).await },
    )
    .await
}

/// Marks every notification of the signed-in person read.
#[server(prefix = "/api/fn", endpoint = "mark_inbox_read", input = Json)]
pub async fn mark_inbox_read() -> Result<Inbox, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::sweep::mark_read(&state, &actor).await
    })
    .await
}
