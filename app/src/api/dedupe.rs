//! Server functions of the merge screen: likely duplicates and what to do with each pair.
//! Their wire types are in [`crate::model::dedupe`], re-exported here.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::dedupe::*;

#[server(prefix = "/api/fn", endpoint = "duplicates", input = GetUrl)]
pub async fn list_duplicates() -> Result<Vec<DuplicatePair>, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::dedupe::open_pairs(&state, &actor).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "resolve_duplicate", input = Json)]
pub async fn resolve_duplicate(id: i64, resolution: Resolution) -> Result<(), AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::dedupe::resolve(&state, &actor, id, resolution).await
    })
    .await
}
