//! Server functions of `/compliance`: follow-up compliance per team and rep.
//! Their wire types are in [`crate::model::compliance`], re-exported here.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

pub use crate::model::compliance::*;

#[server(prefix = "/api/fn", endpoint = "compliance", input = GetUrl)]
pub async fn get_compliance(query: ComplianceQuery) -> Result<ComplianceView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::compliance::page(&state, &actor, query).await
    })
    .await
}

/// The leads that passed (`passed`) or failed a measure for the rows of `query`.
#[server(prefix = "/api/fn", endpoint = "compliance_leads", input = GetUrl)]
pub async fn compliance_leads(
    query: ComplianceQuery,
    measure: String,
    passed: bool,
) -> Result<LeadsBehind, AppError> {
    super::serve(|state, actor| async move {
        let measure = Measure::parse(&measure)
            .ok_or_else(|| AppError::field("measure", "Unknown measure"))?;
        crate::ssr::service::compliance::leads_behind(&state, &actor, query, measure, passed).await
    })
    .await
}
