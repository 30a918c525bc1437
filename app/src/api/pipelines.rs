//! Server functions of the pipeline settings page: read it, save a pipeline, add one, retire
//! a stage or a whole pipeline, let managers edit. Wire types are in [`crate::model::pipelines`].

use crate::domain::pipeline_form::PipelineForm;
use crate::domain::{PipelineId, StageId};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::pipelines::*;

#[server(prefix = "/api/fn", endpoint = "pipeline_settings", input = GetUrl)]
pub async fn get_pipeline_settings() -> Result<PipelineSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::pipelines::settings(&state, &actor).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "save_pipeline", input = Json)]
pub async fn save_pipeline(
    id: PipelineId,
    form: PipelineForm,
    based_on: i64,
) -> Result<PipelineSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::pipelines::save(&state, &actor, id, form, based_on).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "create_pipeline", input = Json)]
pub async fn create_pipeline(form: PipelineForm) -> Result<PipelineId, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::pipelines::create(&state, &actor, form).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "retire_stage", input = Json)]
pub async fn retire_stage(
    stage: StageId,
    to: Option<StageId>,
    based_on: i64,
) -> Result<RetireReport, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::pipelines::retire_stage(&state, &actor, stage, to, based_on).await
    })
    .await
}

/// An admin retires a pipeline with no open leads (and no team working in it alone).
#[server(prefix = "/api/fn", endpoint = "retire_pipeline", input = Json)]
pub async fn retire_pipeline(id: PipelineId, based_on: i64) -> Result<PipelineSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::pipelines::retire_pipeline(&state, &actor, id, based_on).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "managers_edit_pipelines", input = Json)]
pub async fn set_managers_edit_pipelines(allowed: bool) -> Result<PipelineSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::pipelines::set_managers_may_edit(&state, &actor, allowed).await
    })
    .await
}
