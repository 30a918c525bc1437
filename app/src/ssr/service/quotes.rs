//! Quotes on leads and the catalogue they draw on.
//!
//! Whoever may see a lead sees its quotes; whoever may edit an open lead drafts, sends,
//! accepts and rejects them. Each status change is an event on the lead. A sent or accepted
//! quote also changes the lead (its value, and the Quoted stage: `domain::quote::lead_after`)
//! in the same transaction, through the same policy check as every other lead write.

use super::{begin_write, now, read_for_write, Change};
use crate::domain::access::{self, Actor};
use crate::domain::quote::{
    check_lines, lead_after, sku_key, Company, Product, ProductInput, Quote, QuoteDraft,
    QuoteStatus, QuoteSummary, StatusChange,
};
use crate::domain::{Currency, Lead, LeadId};
use crate::error::AppError;
use crate::model::quotes::QuoteView;
use crate::model::LiveKind;
use crate::ssr::store::{events, quotes as store};
use crate::ssr::AppState;
use serde_json::json;

fn no_quote(id: i64) -> AppError {
    AppError::not_found(format!("There is no quote {id} that you can see"))
}

fn stale() -> AppError {
    AppError::field(
        "version",
        "This quote was changed elsewhere meanwhile: reload to see it",
    )
}

/// The quote and its lead, if `actor` may see the lead (missing and invisible look the same).
async fn visible(state: &AppState, actor: &Actor, id: i64) -> Result<(Quote, Lead), AppError> {
    let mut conn = state.store.read().await?;
    let quote = store::quote(&mut conn, id)
        .await?
        .ok_or_else(|| no_quote(id))?;
    drop(conn);
    let lead = super::lead(state, actor, quote.lead_id)
        .await
        .map_err(|_| no_quote(id))?;
    Ok((quote, lead))
}

/// Refuses a write on a lead `actor` may not edit, or on a closed lead.
async fn may_write(state: &AppState, actor: &Actor, lead: &Lead) -> Result<(), AppError> {
    access::edit_lead(actor, lead)?;
    if is_closed(state, lead).await? {
        return Err(AppError::field(
            "status",
            "This lead is closed: reopen it to change its quotes",
        ));
    }
    Ok(())
}

async fn is_closed(state: &AppState, lead: &Lead) -> Result<bool, AppError> {
    Ok(pipeline(state)
        .await?
        .get(lead.stage_id)
        .is_some_and(|s| s.kind.is_closed()))
}

async fn pipeline(state: &AppState) -> Result<std::sync::Arc<crate::domain::Pipelines>, AppError> {
    let mut conn = state.store.read().await?;
    Ok(state.store.pipeline(&mut conn).await?)
}

/// The quote page.
pub async fn view(state: &AppState, actor: &Actor, id: i64) -> Result<QuoteView, AppError> {
    let (quote, lead) = visible(state, actor, id).await?;
    let pipeline = pipeline(state).await?;
    let mut conn = state.store.read().await?;
    let stage = pipeline.get(lead.stage_id);
    let open = stage.is_some_and(|s| !s.kind.is_closed());
    let can_edit = open && access::edit_lead(actor, &lead).is_ok();
    let products = if can_edit {
        store::products(&mut conn, false).await?
    } else {
        Vec::new()
    };
    Ok(QuoteView {
        stage: stage.map(|s| s.name.clone()).unwrap_or_default(),
        company: store::company(&mut conn).await?,
        author: store::author(&mut conn, id).await?,
        quote,
        lead,
        can_edit,
        products,
        now: now(),
    })
}

/// A lead's quotes, newest first.
pub async fn of_lead(
    state: &AppState,
    actor: &Actor,
    lead: LeadId,
) -> Result<Vec<QuoteSummary>, AppError> {
    super::lead(state, actor, lead).await?;
    let mut conn = state.store.read().await?;
    Ok(store::of_lead(&mut conn, lead).await?)
}

/// Starts an empty draft in the lead's currency, or opens the lead's untouched empty draft
/// again: clicking "New quote" twice makes one draft and one history line.
pub async fn create(state: &AppState, actor: &Actor, lead_id: LeadId) -> Result<i64, AppError> {
    let lead = super::lead(state, actor, lead_id).await?;
    may_write(state, actor, &lead).await?;
    let at = now();
    let currency = lead.value.map_or(Currency::USD, |v| v.currency);
    let mut tx = state.store.begin().await?;
    if let Some(id) = store::empty_draft(&mut tx, lead_id).await? {
        return Ok(id);
    }
    let id = store::insert(&mut tx, lead_id, currency, "", actor.id.0, at).await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "quote.created",
            lead_id: Some(lead_id),
            payload: json!({"quote_id": id, "number": crate::domain::quote::number(id)}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves a draft: every bad field is reported at once and nothing is written.
pub async fn save_draft(
    state: &AppState,
    actor: &Actor,
    id: i64,
    draft: QuoteDraft,
) -> Result<QuoteView, AppError> {
    let (quote, lead) = visible(state, actor, id).await?;
    may_write(state, actor, &lead).await?;
    if quote.status != QuoteStatus::Draft {
        return Err(AppError::field(
            "status",
            "Only a draft can be changed: take the quote back to draft first",
        ));
    }
    if quote.version != draft.version {
        return Err(stale());
    }
    let checked = draft.check().map_err(AppError::invalid)?;
    let mut conn = state.store.read().await?;
    let mut refused = Vec::new();
    for (i, l) in checked.lines.iter().enumerate() {
        let Some(p) = l.product_id else { continue };
        let message = match store::product_by_id(&mut conn, p).await? {
            None => "That product is not in the catalogue".to_string(),
            Some(product) if product.unit.currency != checked.currency => format!(
                "{} is priced in {}, this quote in {}: enter it as a free-text line \
                 at a price in {}",
                product.name,
                product.unit.currency.code(),
                checked.currency.code(),
                checked.currency.code()
            ),
            Some(_) => continue,
        };
        refused.push(crate::error::FieldError {
            field: format!("lines[{i}].product_id"),
            message,
        });
    }
    drop(conn);
    if !refused.is_empty() {
        return Err(AppError::invalid(refused));
    }
    let total = checked.totals().total;
    let mut tx = state.store.begin().await?;
    if !store::save_draft(&mut tx, id, draft.version, &checked, total, now()).await? {
        return Err(stale());
    }
    tx.commit().await?;
    view(state, actor, id).await
}

/// Sends, accepts, rejects or reopens a quote; a sent or accepted quote also moves its lead
/// (see the module docs).
///
/// The change is based on the quote's version only: the asker never saw the lead's. So a
/// lead changed by someone else between our read and our write is not the asker's conflict:
/// the change is judged again on the lead as it now stands, a few times before giving up.
pub async fn set_status(
    state: &AppState,
    actor: &Actor,
    id: i64,
    change: StatusChange,
) -> Result<QuoteView, AppError> {
    const ATTEMPTS: usize = 3;
    let mut attempt = 1;
    loop {
        match set_status_once(state, actor, id, &change).await {
            Err(AppError::Conflict { .. }) if attempt < ATTEMPTS => attempt += 1,
            outcome => return outcome,
        }
    }
}

async fn set_status_once(
    state: &AppState,
    actor: &Actor,
    id: i64,
    change: &StatusChange,
) -> Result<QuoteView, AppError> {
    let at = now();
    let (quote, lead) = visible(state, actor, id).await?;
    may_write(state, actor, &lead).await?;
    if quote.version != change.version {
        return Err(stale());
    }
    let from = quote.status;
    let to = change.to;
    if !from.may_become(to) {
        return Err(AppError::field(
            "status",
            format!(
                "A {} quote cannot become {}",
                from.label().to_lowercase(),
                to.label().to_lowercase()
            ),
        ));
    }
    if to == QuoteStatus::Sent {
        check_lines(&quote.content.lines).map_err(AppError::invalid)?;
    }
    let read = read_for_write(state, actor, lead.id, lead.version).await?;
    let total = quote.total();
    let next = lead_after(&read.pipeline, &read.current, total, to, at)?;
    let mut tx = match &next {
        Some(n) => begin_write(state, &read, n, at).await?,
        None => state.store.begin().await?,
    };
    if !store::set_status(&mut tx, id, change.version, from, to, at).await? {
        return Err(stale());
    }
    let kind = match to {
        QuoteStatus::Draft => "quote.reopened",
        QuoteStatus::Sent => "quote.sent",
        QuoteStatus::Accepted => "quote.accepted",
        QuoteStatus::Rejected => "quote.rejected",
    };
    let number = quote.number();
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind,
            lead_id: Some(lead.id),
            payload: json!({
                "quote_id": id,
                "number": number,
                "from": from.key(),
                "to": to.key(),
                "total_cents": total.cents,
                "currency": total.currency.code(),
            }),
        },
    )
    .await?;
    match next {
        Some(next) => {
            let current = &read.current;
            let (kind, mut payload) = if next.stage_id != current.stage_id {
                (LiveKind::Moved, super::move_payload(current, &next))
            } else {
                (
                    LiveKind::Edited,
                    json!({
                        "before": {"value": current.value.map(|v| v.display())},
                        "after": {"value": next.value.map(|v| v.display()), "version": next.version},
                    }),
                )
            };
            payload["quote"] = json!({"id": id, "number": number, "status": to.key()});
            super::save(
                state,
                tx,
                actor,
                current,
                next,
                Change { kind, payload, at },
            )
            .await?;
        }
        None => tx.commit().await?,
    }
    view(state, actor, id).await
}

/// The catalogue; inactive products only for an admin.
pub async fn products(
    state: &AppState,
    actor: &Actor,
    include_inactive: bool,
) -> Result<Vec<Product>, AppError> {
    access::view_board(actor)?;
    if include_inactive {
        access::manage_catalogue(actor)?;
    }
    let mut conn = state.store.read().await?;
    Ok(store::products(&mut conn, include_inactive).await?)
}

fn sku_taken(sku: &str) -> AppError {
    AppError::field("sku", format!("Another product already has the SKU {sku}"))
}

/// Adds or changes a catalogue product; SKUs are unique (ignoring case).
pub async fn save_product(
    state: &AppState,
    actor: &Actor,
    input: ProductInput,
) -> Result<Product, AppError> {
    access::manage_catalogue(actor)?;
    let (name, sku, unit) = input.check().map_err(AppError::invalid)?;
    let key = sku_key(&sku);
    let at = now();
    let mut tx = state.store.begin().await?;
    let holder = store::product_with_sku(&mut tx, &key).await?;
    if holder.is_some() && holder != input.id {
        return Err(sku_taken(&sku));
    }
    let row = (
        name.as_str(),
        sku.as_str(),
        key.as_str(),
        unit,
        input.active,
    );
    let written = match input.id {
        Some(id) => store::update_product(&mut tx, id, row, at)
            .await
            .map(|found| found.then_some(id)),
        None => store::insert_product(&mut tx, row, at).await.map(Some),
    };
    let id = match written {
        Ok(Some(id)) => id,
        Ok(None) => return Err(AppError::not_found("There is no such product")),
        // Two admins adding the same SKU at once: the unique index decides.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(sku_taken(&sku)),
        Err(e) => return Err(AppError::from(e)),
    };
    let product = store::product_by_id(&mut tx, id)
        .await?
        .ok_or_else(AppError::internal)?;
    tx.commit().await?;
    Ok(product)
}

/// The seller's details printed on quotes.
pub async fn company(state: &AppState, actor: &Actor) -> Result<Company, AppError> {
    access::view_board(actor)?;
    let mut conn = state.store.read().await?;
    Ok(store::company(&mut conn).await?)
}

pub async fn save_company(
    state: &AppState,
    actor: &Actor,
    company: Company,
) -> Result<Company, AppError> {
    access::manage_accounts(actor)?;
    let checked = company.check().map_err(AppError::invalid)?;
    let mut tx = state.store.begin().await?;
    store::set_company(&mut tx, &checked, Some(actor.id.0), now()).await?;
    tx.commit().await?;
    Ok(checked)
}
