//! Server functions of the custom field settings page. Values are written with the lead's
//! other details (`LeadEdit::fields`, through `edit_lead`).

use crate::domain::fields::FieldForm;
use crate::domain::ids::FieldId;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::fields::*;

#[server(prefix = "/api/fn", endpoint = "field_settings", input = GetUrl)]
pub async fn get_field_settings() -> Result<FieldSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::fields::settings(&state, &actor).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "save_field", input = Json)]
pub async fn save_field(form: FieldForm) -> Result<FieldSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::fields::save(&state, &actor, form).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "move_field", input = Json)]
pub async fn move_field(id: FieldId, up: bool) -> Result<FieldSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::fields::move_field(&state, &actor, id, up).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "retire_field", input = Json)]
pub async fn retire_field(id: FieldId, retired: bool) -> Result<FieldSettings, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::fields::set_retired(&state, &actor, id, retired).await
    })
    .await
}
