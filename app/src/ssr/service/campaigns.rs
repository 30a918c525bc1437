//! Campaigns and spend: marketing keeps them (admins too); managers and leadership read them.

use crate::domain::access::{self, Actor};
use crate::domain::campaign::{parse_spend_csv, CampaignForm, SpendForm};
use crate::domain::{Channel, Currency, Money};
use crate::error::AppError;
use crate::model::campaigns::{CampaignLine, CampaignsView, SpendLine, SpendUploadReport};
use crate::ssr::store::{org, roi};
use crate::ssr::AppState;

/// Largest spend file accepted, in bytes.
pub const MAX_UPLOAD: usize = 1_000_000;

fn currency_of(code: &str) -> Currency {
    Currency::parse(code).unwrap_or(Currency::USD)
}

pub async fn page(state: &AppState, actor: &Actor) -> Result<CampaignsView, AppError> {
    access::view_roi(actor)?;
    let mut conn = state.store.read().await?;
    let totals = org::campaign_totals(&mut conn).await?;
    let sources = roi::sources(&mut conn).await?;
    let campaigns = totals
        .into_iter()
        .map(|c| {
            let cur = currency_of(&c.currency);
            let (source, channel) = sources
                .iter()
                .find(|s| s.0 == c.source_id)
                .map(|s| (s.1.clone(), Channel::parse(&s.2).unwrap_or(Channel::Other)))
                .unwrap_or_else(|| (String::new(), Channel::Other));
            CampaignLine {
                id: c.id,
                name: c.name.clone(),
                source,
                channel,
                starts_at: c.starts_at,
                ends_at: c.ends_at,
                budget: c.budget_cents.map(|b| Money::new(b, cur).display()),
                spent: Money::new(c.spent_cents, cur).display(),
                budget_used: c
                    .budget_cents
                    .filter(|b| *b > 0)
                    .map(|b| u32::try_from(c.spent_cents * 100 / b).unwrap_or(u32::MAX)),
                spend_entries: c.spend_entries,
                leads: c.leads,
                form: CampaignForm::of(
                    c.id,
                    c.source_id,
                    &c.name,
                    c.starts_at,
                    c.ends_at,
                    c.budget_cents.map(|b| Money::new(b, cur)),
                    cur,
                ),
            }
        })
        .collect();
    Ok(CampaignsView {
        campaigns,
        sources: sources
            .into_iter()
            .map(|(id, name, _)| (id, name))
            .collect(),
        can_edit: access::manage_campaigns(actor).is_ok(),
        today: super::now().date_string(0),
    })
}

pub async fn save(state: &AppState, actor: &Actor, form: CampaignForm) -> Result<i64, AppError> {
    access::manage_campaigns(actor)?;
    let input = form.check().map_err(AppError::fields_of)?;
    let mut tx = state.store.begin().await?;
    if !org::source_exists(&mut tx, input.source_id).await? {
        return Err(AppError::field("source_id", "There is no such source"));
    }
    if org::campaign_name_taken(&mut tx, &input.name, form.id.unwrap_or(0)).await? {
        return Err(AppError::field(
            "name",
            format!(
                "A campaign is already called \u{201c}{}\u{201d}",
                input.name
            ),
        ));
    }
    let currency = input
        .budget
        .map_or_else(|| currency_of(&form.currency), |b| b.currency);
    let id = match form.id {
        None => {
            org::insert_campaign(
                &mut tx,
                input.source_id,
                &input.name,
                input.starts_at,
                input.ends_at,
                input.budget,
            )
            .await?
        }
        Some(id) => {
            let done = org::update_campaign(&mut tx, id, &input, currency.code()).await?;
            if !done {
                return Err(AppError::not_found("There is no such campaign"));
            }
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

pub async fn spend(
    state: &AppState,
    actor: &Actor,
    campaign_id: i64,
) -> Result<Vec<SpendLine>, AppError> {
    access::view_roi(actor)?;
    let mut conn = state.store.read().await?;
    let rows = org::spend_of(&mut conn, campaign_id).await?;
    Ok(rows
        .into_iter()
        .map(|(id, at, cents, cur, note)| SpendLine {
            id,
            date: at.date_string(0),
            amount: Money::new(cents, currency_of(&cur)).display(),
            note,
        })
        .collect())
}

/// The currency of a campaign, or a field error when there is no such campaign.
async fn campaign_currency(
    conn: &mut sqlx::AnyConnection,
    campaign_id: i64,
) -> Result<Currency, AppError> {
    let code = org::campaign_currency(conn, campaign_id).await?;
    code.map(|c| currency_of(&c))
        .ok_or_else(|| AppError::field("campaign_id", "There is no such campaign"))
}

pub async fn add_spend(state: &AppState, actor: &Actor, form: SpendForm) -> Result<(), AppError> {
    access::manage_campaigns(actor)?;
    let entry = form.check().map_err(AppError::fields_of)?;
    let mut tx = state.store.begin().await?;
    let currency = campaign_currency(&mut tx, entry.campaign_id).await?;
    org::insert_spend(
        &mut tx,
        entry.campaign_id,
        entry.spent_at,
        Money::new(entry.amount_cents, currency),
        entry.note.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_spend(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    access::manage_campaigns(actor)?;
    let mut tx = state.store.begin().await?;
    if !org::delete_spend(&mut tx, id).await? {
        return Err(AppError::not_found("There is no such spend entry"));
    }
    tx.commit().await?;
    Ok(())
}

/// Checks an uploaded spend file; with `write`, writes all its lines in one transaction, and
/// only when none is bad.
pub async fn upload(
    state: &AppState,
    actor: &Actor,
    text: &str,
    write: bool,
) -> Result<SpendUploadReport, AppError> {
    access::manage_campaigns(actor)?;
    if text.len() > MAX_UPLOAD {
        return Err(AppError::field(
            "text",
            "The file is larger than 1 MB: split it",
        ));
    }
    let mut tx = state.store.begin().await?;
    let campaigns = org::campaign_names(&mut tx).await?;
    let names: Vec<(i64, String)> = campaigns.iter().map(|c| (c.0, c.1.clone())).collect();
    let upload = parse_spend_csv(text, &names);
    let good = upload.entries.len();
    let ok = upload.problems.is_empty() && good > 0;
    if write && ok {
        for e in &upload.entries {
            let currency = campaigns
                .iter()
                .find(|c| c.0 == e.campaign_id)
                .map_or(Currency::USD, |c| currency_of(&c.2));
            org::insert_spend(
                &mut tx,
                e.campaign_id,
                e.spent_at,
                Money::new(e.amount_cents, currency),
                e.note.as_deref(),
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(SpendUploadReport {
        good,
        problems: upload.problems,
        written: write && ok,
    })
}

/// Every spend entry as CSV (`campaign,source,date,amount,currency,note`; amounts in units with
/// two decimals; text a spreadsheet would run as a formula stays text), for the people who
/// read ROI.
pub async fn spend_csv(state: &AppState, actor: &Actor) -> Result<String, AppError> {
    access::view_roi(actor)?;
    let mut conn = state.store.read().await?;
    let rows = org::all_spend(&mut conn).await?;
    let cell = crate::domain::roi::csv_cell;
    let mut out = String::from("campaign,source,date,amount,currency,note\r\n");
    for (campaign, source, at, cents, currency, note) in rows {
        let sign = if cents < 0 { "-" } else { "" };
        let amount = format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100);
        out.push_str(&format!(
            "{},{},{},{amount},{},{}\r\n",
            cell(&campaign),
            cell(&source),
            at.date_string(0),
            cell(&currency),
            cell(note.as_deref().unwrap_or(""))
        ));
    }
    Ok(out)
}
