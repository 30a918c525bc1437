//! Contacts and companies: their pages (every lead of the person or company the viewer may
//! see, open and closed, and the newest activities on them) and the erasure of a person's data
//! on request, which keeps the leads (so ROI and compliance counts stay right) but not who
//! they were.

use super::now;
use crate::domain::access::{self, Actor};
use crate::domain::activity::{ActivityKind, Outcome};
use crate::domain::{Lead, LeadId, Timestamp};
use crate::error::AppError;
use crate::model::people::{ContactCard, HistoryItem, PeopleView};
use crate::model::LiveEvent;
use crate::ssr::store::{events, id_list, leads, Backend};
use crate::ssr::AppState;
use serde_json::json;
use sqlx::AnyConnection;

/// What an erased contact is called from then on.
pub const ERASED_NAME: &str = "Erased contact";
/// Activities listed on a page.
const HISTORY: i64 = 50;

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

/// The leads of `sql`'s ids the actor may see. Nothing is said of the others, not even how
/// many there are: that another team works this person is not the viewer's to know.
async fn visible_leads(
    conn: &mut AnyConnection,
    actor: &Actor,
    ids_sql: &str,
    id: i64,
) -> Result<Vec<Lead>, AppError> {
    let ids: Vec<(i64,)> = sqlx::query_as(ids_sql)
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let ids: Vec<i64> = ids.into_iter().map(|(i,)| i).collect();
    let all = leads::by_ids(conn, &ids).await?;
    let mut visible: Vec<Lead> = all
        .into_iter()
        .filter(|l| access::view_lead(actor, l).is_ok())
        .collect();
    visible.sort_by_key(|l| std::cmp::Reverse((l.closed_at.is_none(), l.created_at)));
    Ok(visible)
}

/// The newest activities on these leads.
async fn history(conn: &mut AnyConnection, leads: &[Lead]) -> Result<Vec<HistoryItem>, AppError> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    type Row = (
        i64,
        i64,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT a.occurred_at, a.lead_id, u.name, a.kind, a.outcome, a.note
             FROM activities a LEFT JOIN users u ON u.id = a.actor_id
             WHERE a.lead_id IN ({}) ORDER BY a.occurred_at DESC, a.id DESC LIMIT {HISTORY}",
        id_list(leads.iter().map(|l| l.id.0))
    ))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, lead_id, who, kind, outcome, note)| {
            let kind = ActivityKind::parse(&kind).map_or(kind.clone(), |k| k.label().into());
            let title = match outcome.as_deref().and_then(Outcome::parse) {
                Some(o) => format!("{kind} · {}", o.label()),
                None => kind,
            };
            let lead_title = leads
                .iter()
                .find(|l| l.id.0 == lead_id)
                .map(|l| l.title().to_string())
                .unwrap_or_default();
            HistoryItem {
                at: Timestamp(at),
                lead_id: LeadId(lead_id),
                lead_title,
                title,
                who,
                note,
            }
        })
        .collect())
}

fn not_found() -> AppError {
    AppError::not_found("There is no such contact or company, or none of their leads is yours")
}

/// A contact's page. Visible to whoever may see one of their leads (leadership and admins:
/// everyone's).
pub async fn contact(state: &AppState, actor: &Actor, id: i64) -> Result<PeopleView, AppError> {
    let scope = access::view_board(actor)?;
    let mut conn = state.store.read().await?;
    let row: Option<CardRow> = sqlx::query_as(&format!("{SELECT_CARD} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let contact = card(row.ok_or_else(not_found)?);
    let leads = visible_leads(
        &mut conn,
        actor,
        "SELECT id FROM leads WHERE contact_id = $1",
        id,
    )
    .await?;
    if leads.is_empty() && scope != crate::domain::LeadScope::All {
        return Err(not_found());
    }
    let activities = history(&mut conn, &leads).await?;
    let pipeline = state.store.pipeline(&mut conn).await?;
    Ok(PeopleView {
        name: contact.name.clone(),
        contacts: vec![contact],
        leads,
        activities,
        pipeline: (*pipeline).clone(),
        can_erase: access::erase_personal_data(actor).is_ok(),
    })
}

/// A company's page: its people (those with a lead the viewer may see), their leads, and the
/// newest activities.
pub async fn company(state: &AppState, actor: &Actor, id: i64) -> Result<PeopleView, AppError> {
    let scope = access::view_board(actor)?;
    let mut conn = state.store.read().await?;
    let name: Option<(String,)> = sqlx::query_as("SELECT name FROM companies WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let (name,) = name.ok_or_else(not_found)?;
    let leads = visible_leads(
        &mut conn,
        actor,
        "SELECT id FROM leads WHERE company_id = $1",
        id,
    )
    .await?;
    let all = scope == crate::domain::LeadScope::All;
    if leads.is_empty() && !all {
        return Err(not_found());
    }
    let rows: Vec<CardRow> = sqlx::query_as(&format!(
        "{SELECT_CARD} WHERE c.company_id = $1 AND c.merged_into IS NULL ORDER BY c.name"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let shown: Vec<i64> = sqlx::query_as::<_, (i64, Option<i64>)>(&format!(
        "SELECT id, contact_id FROM leads WHERE company_id = $1 AND id IN ({})",
        if leads.is_empty() {
            "NULL".to_string()
        } else {
            id_list(leads.iter().map(|l| l.id.0))
        }
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .filter_map(|(_, c)| c)
    .collect();
    let contacts = rows
        .into_iter()
        .map(card)
        .filter(|c| all || shown.contains(&c.id))
        .collect();
    let activities = history(&mut conn, &leads).await?;
    let pipeline = state.store.pipeline(&mut conn).await?;
    Ok(PeopleView {
        name,
        contacts,
        leads,
        activities,
        pipeline: (*pipeline).clone(),
        can_erase: access::erase_personal_data(actor).is_ok(),
    })
}

/// Erases a contact's personal data on their request: their name, e-mail and phone on the
/// contact and on every lead of theirs, the notes of those leads' activities and next steps,
/// and whatever the event log and notifications held of them. The leads, their stages,
/// values, sources and touch times stay, so counts, ROI and compliance figures do not change.
/// The erasure is itself an event, without the erased data.
pub async fn erase(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    access::erase_personal_data(actor)?;
    let at = now();
    let mut tx = state.store.begin().await?;
    let row: Option<CardRow> = sqlx::query_as(&format!("{SELECT_CARD} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let contact = card(row.ok_or_else(not_found)?);
    if contact.erased_at.is_some() {
        return Ok(());
    }
    let their: Vec<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT id, contact_name, email, phone FROM leads WHERE contact_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    // Everything that identified them, to find in the event log.
    let mut needles: Vec<String> = vec![contact.name.clone()];
    needles.extend(contact.email.clone());
    needles.extend(contact.phone.clone());
    for (_, name, email, phone) in &their {
        needles.push(name.clone());
        needles.extend(email.clone());
        needles.extend(phone.clone());
    }
    needles.retain(|n| n.trim().chars().count() >= 3);
    needles.sort();
    needles.dedup();
    sqlx::query(
        "UPDATE contacts SET name = $1, email = NULL, phone = NULL, email_key = NULL,
                phone_key = NULL, name_key = '', erased_at = $2 WHERE id = $3",
    )
    .bind(ERASED_NAME)
    .bind(at.0)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let ids: Vec<i64> = their.iter().map(|t| t.0).collect();
    let mut activities = 0;
    let mut redacted = 0;
    if !ids.is_empty() {
        let list = id_list(ids.iter().copied());
        sqlx::query(&format!(
            "UPDATE leads SET contact_name = $1, email = NULL, phone = NULL, close_note = NULL,
                    next_step_note = NULL, version = version + 1, updated_at = $2
             WHERE id IN ({list})"
        ))
        .bind(ERASED_NAME)
        .bind(at.0)
        .execute(&mut *tx)
        .await?;
        activities = sqlx::query(&format!(
            "UPDATE activities SET note = NULL WHERE lead_id IN ({list}) AND note IS NOT NULL"
        ))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(&format!(
            "UPDATE notifications SET message = 'A lead whose contact was erased on request'
             WHERE lead_id IN ({list})"
        ))
        .execute(&mut *tx)
        .await?;
        redacted = redact_events(&mut tx, state.store.backend(), &list, &needles).await?;
    }
    let event_id = events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "contact.erased",
            lead_id: None,
            payload: json!({"after": {"contact_id": id, "leads": ids.len(),
                                      "activity_notes": activities, "events_redacted": redacted}}),
        },
    )
    .await?;
    events::notify(&mut tx, state.store.backend(), event_id).await?;
    let changed = leads::by_ids(&mut tx, &ids).await?;
    tx.commit().await?;
    for lead in changed {
        state.hub.publish(LiveEvent {
            id: event_id,
            kind: "lead.edited".into(),
            at,
            from_stage: None,
            lead,
            recipient: None,
        });
    }
    Ok(())
}

/// Replaces the payload of every event of these leads that mentions one of `needles` (case
/// folded) with a marker. The event log is append-only by trigger; the erasure is the one
/// writer allowed past it, inside its own transaction.
async fn redact_events(
    tx: &mut crate::ssr::store::Tx,
    backend: Backend,
    lead_list: &str,
    needles: &[String],
) -> Result<u64, AppError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT id, payload FROM events WHERE lead_id IN ({lead_list})"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let lowered: Vec<String> = needles.iter().map(|n| n.to_lowercase()).collect();
    let hits: Vec<i64> = rows
        .into_iter()
        .filter(|(_, p)| {
            let p = p.to_lowercase();
            lowered.iter().any(|n| p.contains(n.as_str()))
        })
        .map(|(id, _)| id)
        .collect();
    if hits.is_empty() {
        return Ok(0);
    }
    let (off, on) = match backend {
        Backend::Sqlite => (
            "DROP TRIGGER events_no_update",
            "CREATE TRIGGER events_no_update BEFORE UPDATE ON events
             BEGIN
                 SELECT RAISE(ABORT, 'events are append-only');
             END",
        ),
        Backend::Postgres => (
            "ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete",
            "ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete",
        ),
    };
    sqlx::query(off).execute(&mut **tx).await?;
    let done = sqlx::query(&format!(
        "UPDATE events SET payload = '{{\"redacted\": \"personal data erased on request\"}}'
         WHERE id IN ({})",
        id_list(hits.iter().copied())
    ))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query(on).execute(&mut **tx).await?;
    Ok(done)
}
