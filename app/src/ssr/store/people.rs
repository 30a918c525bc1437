//! Contacts and companies as their pages read them, and the erasure of a person's data.

use super::{id_list, Tx};
use crate::domain::Timestamp;
use crate::model::people::ContactCard;
use sqlx::AnyConnection;

type CardRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    i64,
);

const SELECT_CARD: &str =
    "SELECT c.id, c.name, c.email, c.phone, c.company_id, co.name, c.erased_at,
        c.created_at FROM contacts c LEFT JOIN companies co ON co.id = c.company_id";

fn card((id, name, email, phone, company_id, company, erased, created): CardRow) -> ContactCard {
    ContactCard {
        id,
        name,
        email,
        phone,
        company: company_id.zip(company),
        erased_at: erased.map(Timestamp),
        created_at: Timestamp(created),
    }
}

/// A contact, with their company's name.
pub async fn contact(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<ContactCard>, sqlx::Error> {
    let row: Option<CardRow> = sqlx::query_as(&format!("{SELECT_CARD} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(card))
}

/// The contacts of a company not merged into another, by name.
pub async fn contacts_of_company(
    conn: &mut AnyConnection,
    company: i64,
) -> Result<Vec<ContactCard>, sqlx::Error> {
    let rows: Vec<CardRow> = sqlx::query_as(&format!(
        "{SELECT_CARD} WHERE c.company_id = $1 AND c.merged_into IS NULL ORDER BY c.name"
    ))
    .bind(company)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(card).collect())
}

/// A company's name.
pub async fn company_name(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let name: Option<(String,)> = sqlx::query_as("SELECT name FROM companies WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(name.map(|(n,)| n))
}

/// Whose leads: a contact's or a company's.
#[derive(Clone, Copy, Debug)]
pub enum LeadsOf {
    Contact(i64),
    Company(i64),
}

/// The ids of every lead of a contact or a company.
pub async fn lead_ids(conn: &mut AnyConnection, of: LeadsOf) -> Result<Vec<i64>, sqlx::Error> {
    let (sql, id) = match of {
        LeadsOf::Contact(id) => ("SELECT id FROM leads WHERE contact_id = $1", id),
        LeadsOf::Company(id) => ("SELECT id FROM leads WHERE company_id = $1", id),
    };
    let ids: Vec<(i64,)> = sqlx::query_as(sql).bind(id).fetch_all(conn).await?;
    Ok(ids.into_iter().map(|(i,)| i).collect())
}

/// The contacts of these leads of a company.
pub async fn contacts_of_leads(
    conn: &mut AnyConnection,
    company: i64,
    leads: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT id, contact_id FROM leads WHERE company_id = $1 AND id IN ({})",
        id_list(leads.iter().copied())
    ))
    .bind(company)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().filter_map(|(_, c)| c).collect())
}

/// An activity as a page lists it: (when, lead, who, kind, outcome, note).
pub type HistoryRow = (
    i64,
    i64,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

/// The newest `limit` activities on these leads.
pub async fn history(
    conn: &mut AnyConnection,
    leads: &[i64],
    limit: i64,
) -> Result<Vec<HistoryRow>, sqlx::Error> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT a.occurred_at, a.lead_id, u.name, a.kind, a.outcome, a.note
             FROM activities a LEFT JOIN users u ON u.id = a.actor_id
             WHERE a.lead_id IN ({}) ORDER BY a.occurred_at DESC, a.id DESC LIMIT {limit}",
        id_list(leads.iter().copied())
    ))
    .fetch_all(conn)
    .await
}

/// What a contact's leads say of them: (lead, contact name, e-mail, phone).
pub async fn identities_on_leads(
    conn: &mut AnyConnection,
    contact: i64,
) -> Result<Vec<(i64, String, Option<String>, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, contact_name, email, phone FROM leads WHERE contact_id = $1 ORDER BY id",
    )
    .bind(contact)
    .fetch_all(conn)
    .await
}

/// Replaces who a contact was with `name`, and forgets how to match them.
pub async fn erase_contact(
    tx: &mut Tx,
    id: i64,
    name: &str,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE contacts SET name = $1, email = NULL, phone = NULL, email_key = NULL,
                phone_key = NULL, name_key = '', erased_at = $2 WHERE id = $3",
    )
    .bind(name)
    .bind(at.0)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Erases a person from these leads: their name (as `name`), e-mail and phone, the leads'
/// custom field values, notes, their activities' notes and their notifications' messages. Returns how many
/// activity notes were erased.
pub async fn erase_from_leads(
    tx: &mut Tx,
    leads: &[i64],
    name: &str,
    at: Timestamp,
) -> Result<u64, sqlx::Error> {
    if leads.is_empty() {
        return Ok(0);
    }
    let list = id_list(leads.iter().copied());
    sqlx::query(&format!(
        "UPDATE leads SET contact_name = $1, email = NULL, phone = NULL, close_note = NULL,
                next_step_note = NULL, fields = NULL, version = version + 1, updated_at = $2
         WHERE id IN ({list})"
    ))
    .bind(name)
    .bind(at.0)
    .execute(&mut **tx)
    .await?;
    // Custom values may say who they are too: they go, with their filter index.
    sqlx::query(&format!(
        "DELETE FROM field_values WHERE entity_id IN ({list})
           AND field_id IN (SELECT id FROM field_definitions WHERE entity = 'lead')"
    ))
    .execute(&mut **tx)
    .await?;
    let activities = sqlx::query(&format!(
        "UPDATE activities SET note = NULL WHERE lead_id IN ({list}) AND note IS NOT NULL"
    ))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query(&format!(
        "UPDATE notifications SET message = 'A lead whose contact was erased on request'
         WHERE lead_id IN ({list})"
    ))
    .execute(&mut **tx)
    .await?;
    Ok(activities)
}

/// The events of these leads: (id, payload).
pub async fn events_of_leads(
    tx: &mut Tx,
    leads: &[i64],
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT id, payload FROM events WHERE lead_id IN ({})",
        id_list(leads.iter().copied())
    ))
    .fetch_all(&mut **tx)
    .await
}

/// Replaces these events' payloads with a marker. The event log is append-only by trigger;
/// the erasure is the one writer allowed past it, inside its own transaction.
pub async fn redact_events(tx: &mut Tx, events: &[i64]) -> Result<u64, sqlx::Error> {
    if events.is_empty() {
        return Ok(0);
    }
    let (off, on) = tx.backend().event_guard();
    sqlx::query(off).execute(&mut **tx).await?;
    let done = sqlx::query(&format!(
        "UPDATE events SET payload = '{{\"redacted\": \"personal data erased on request\"}}'
         WHERE id IN ({})",
        id_list(events.iter().copied())
    ))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query(on).execute(&mut **tx).await?;
    Ok(done)
}
