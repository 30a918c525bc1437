//! Server functions of the "New lead" form: its choices, what saving would do as the person
//! types, saving (the REST API's own `intake::create`), and adding the inquiry to a lead on
//! file instead. Wire types are in [`crate::model::intake`], re-exported here.

use crate::domain::LeadId;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::intake::{
    IntakeOutcome, IntakeReceipt, KnownLead, NewLeadChoices, NewLeadPreview, NewLeadRequest,
    NewLeadSaved,
};

/// Sources, campaigns, products and (for a manager) owners to choose from.
#[server(prefix = "/api/fn", endpoint = "new_lead_choices", input = GetUrl)]
pub async fn get_new_lead_choices() -> Result<NewLeadChoices, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::new_lead::choices(&state, &actor).await
    })
    .await
}

/// What saving the form as it stands would do. POST: names, e-mail addresses and phone
/// numbers stay out of URLs that logs keep.
#[server(prefix = "/api/fn", endpoint = "preview_new_lead", input = Json)]
pub async fn preview_new_lead(draft: NewLeadRequest) -> Result<NewLeadPreview, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::new_lead::preview(&state, &actor, draft).await
    })
    .await
}

/// Saves a lead typed in by hand; `key` is the open form's idempotency key, so a double submit
/// makes one lead.
#[server(prefix = "/api/fn", endpoint = "create_lead", input = Json)]
pub async fn create_lead(request: NewLeadRequest, key: String) -> Result<NewLeadSaved, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::new_lead::save(&state, &actor, request, &key).await
    })
    .await
}

/// Adds the typed-in inquiry to a lead on file instead of saving a new lead.
#[server(prefix = "/api/fn", endpoint = "add_inquiry", input = Json)]
pub async fn add_inquiry(
    lead_id: LeadId,
    request: NewLeadRequest,
    key: String,
) -> Result<NewLeadSaved, AppError> {
    super::serve(|state, actor| async move {
        let receipt = crate::ssr::service::new_lead::add_inquiry(
            &state,
            &actor,
            lead_id,
            request,
            Some(&key),
        )
        .await?;
        Ok(NewLeadSaved {
            receipt,
            visible: true,
        })
    })
    .await
}
