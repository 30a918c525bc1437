//! Server functions of the import screen: upload a file, check or import it as a background
//! job, cancel. Progress arrives over `/api/imports/{id}/progress` (server-sent events).
//! Their wire types are in [`crate::model::import`], re-exported here.

use crate::domain::import::{ImportDraft, ImportRun, ImportStatus};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::import::*;

#[server(prefix = "/api/fn", endpoint = "import_options", input = GetUrl)]
pub async fn import_options() -> Result<ImportChoices, AppError> {
    super::serve(|state, actor| async move {
        crate::domain::access::import_leads(&actor)?;
        use crate::ssr::service::lists;
        Ok(ImportChoices {
            sources: lists::sources(&state, &actor).await?,
            campaigns: lists::campaigns(&state, &actor).await?,
        })
    })
    .await
}

/// Takes a CSV file's text; answers with its columns, the guessed mapping and a preview.
#[server(prefix = "/api/fn", endpoint = "upload_import", input = Json)]
pub async fn upload_import(file_name: String, text: String) -> Result<ImportDraft, AppError> {
    super::serve(|state, actor| async move {
        let mut draft =
            crate::ssr::service::import_jobs::upload(&state, &actor, &file_name, &text)?;
        crate::ssr::service::import_jobs::offer_fields(&state, &mut draft).await?;
        Ok(draft)
    })
    .await
}

/// Starts checking (or, with `run.commit`, importing) an upload.
#[server(prefix = "/api/fn", endpoint = "start_import", input = Json)]
pub async fn start_import(id: String, run: ImportRun) -> Result<ImportStatus, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::import_jobs::start(&state, &actor, &id, run).await
    })
    .await
}

/// Stops a running check or import (nothing is written), or forgets the upload.
#[server(prefix = "/api/fn", endpoint = "cancel_import", input = Json)]
pub async fn cancel_import(id: String) -> Result<ImportStatus, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::import_jobs::cancel(&state, &actor, &id)
    })
    .await
}
