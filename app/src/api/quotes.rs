//! Server functions of quotes (`/quotes/:id`, the lead panel's list) and the
//! product catalogue (`/admin/products`).
//! Their wire types are in [`crate::model::quotes`], re-exported here.

use crate::domain::quote::{
    Company, Product, ProductInput, QuoteDraft, QuoteSummary, StatusChange,
};
use crate::domain::LeadId;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

pub use crate::model::quotes::*;

#[server(prefix = "/api/fn", endpoint = "quote", input = GetUrl)]
pub async fn get_quote(id: i64) -> Result<QuoteView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::quotes::view(&state, &actor, id).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "lead_quotes", input = GetUrl)]
pub async fn lead_quotes(lead_id: LeadId) -> Result<Vec<QuoteSummary>, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::quotes::of_lead(&state, &actor, lead_id).await
    })
    .await
}

/// Starts an empty draft on a lead; returns its id.
#[server(prefix = "/api/fn", endpoint = "create_quote", input = Json)]
pub async fn create_quote(lead_id: LeadId) -> Result<i64, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::quotes::create(&state, &actor, lead_id).await
    })
    .await
}

/// Saves a draft's lines, discount, tax and notes.
#[server(prefix = "/api/fn", endpoint = "save_quote", input = Json)]
pub async fn save_quote(id: i64, draft: QuoteDraft) -> Result<QuoteView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::quotes::save_draft(&state, &actor, id, draft).await
    })
    .await
}

/// Sends, accepts, rejects or reopens a quote.
#[server(prefix = "/api/fn", endpoint = "quote_status", input = Json)]
pub async fn set_quote_status(id: i64, change: StatusChange) -> Result<QuoteView, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::quotes::set_status(&state, &actor, id, change).await
    })
    .await
}

/// The catalogue; inactive products too for an admin who asks.
#[server(prefix = "/api/fn", endpoint = "products", input = GetUrl)]
pub async fn list_products(include_inactive: bool) -> Result<Vec<Product>, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::quotes::products(&state, &actor, include_inactive).await
    })
    .await
}

/// Adds a product (no id) or changes one.
#[server(prefix = "/api/fn", endpoint = "save_product", input = Json)]
pub async fn save_product(product: ProductInput) -> Result<Product, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::quotes::save_product(&state, &actor, product).await
    })
    .await
}

#[server(prefix = "/api/fn", endpoint = "seller", input = GetUrl)]
pub async fn get_seller() -> Result<Company, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::quotes::company(&state, &actor).await
    })
    .await
}

/// An admin sets the seller's details printed on quotes.
#[server(prefix = "/api/fn", endpoint = "save_seller", input = Json)]
pub async fn save_seller(company: Company) -> Result<Company, AppError> {
    super::serve(|state, actor| async move {
        crate::ssr::service::quotes::save_company(&state, &actor, company).await
    })
    .await
}
