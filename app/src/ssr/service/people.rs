//! Contacts and companies: their pages (every lead of the person or company the viewer may
//! see, open and closed, and the newest activities on them) and the erasure of a person's data
//! on request, which keeps the leads (so ROI and compliance counts stay right) but not who
//! they were.

use super::now;
use crate::domain::access::{self, Actor};
use crate::domain::activity::{ActivityKind, Outcome};
use crate::domain::{Lead, LeadId, Timestamp};
use crate::error::AppError;
use crate::model::people::{HistoryItem, PeopleView};
use crate::model::LiveEvent;
use crate::model::LiveKind;
use crate::ssr::store::people::{self, LeadsOf};
use crate::ssr::store::{events, leads, Tx};
use crate::ssr::AppState;
use serde_json::json;
use sqlx::AnyConnection;

/// What an erased contact is called from then on.
pub const ERASED_NAME: &str = "Erased contact";
/// Activities listed on a page.
const HISTORY: i64 = 50;

/// The leads of a contact or company the actor may see. Nothing is said of the others, not
/// even how many there are: that another team works this person is not the viewer's to know.
async fn visible_leads(
    conn: &mut AnyConnection,
    actor: &Actor,
    of: LeadsOf,
) -> Result<Vec<Lead>, AppError> {
    let ids = people::lead_ids(conn, of).await?;
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
    let ids: Vec<i64> = leads.iter().map(|l| l.id.0).collect();
    let rows = people::history(conn, &ids, HISTORY).await?;
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
    let contact = people::contact(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    let leads = visible_leads(&mut conn, actor, LeadsOf::Contact(id)).await?;
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
    let name = people::company_name(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    let leads = visible_leads(&mut conn, actor, LeadsOf::Company(id)).await?;
    let all = scope == crate::domain::LeadScope::All;
    if leads.is_empty() && !all {
        return Err(not_found());
    }
    let rows = people::contacts_of_company(&mut conn, id).await?;
    let ids: Vec<i64> = leads.iter().map(|l| l.id.0).collect();
    let shown = people::contacts_of_leads(&mut conn, id, &ids).await?;
    let contacts = rows
        .into_iter()
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
    let contact = people::contact(&mut tx, id).await?.ok_or_else(not_found)?;
    if contact.erased_at.is_some() {
        return Ok(());
    }
    let their = people::identities_on_leads(&mut tx, id).await?;
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
    people::erase_contact(&mut tx, id, ERASED_NAME, at).await?;
    let ids: Vec<i64> = their.iter().map(|t| t.0).collect();
    let activities = people::erase_from_leads(&mut tx, &ids, ERASED_NAME, at).await?;
    let redacted = redact_events(&mut tx, &ids, &needles).await?;
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
    events::notify(&mut tx, event_id).await?;
    let changed = leads::by_ids(&mut tx, &ids).await?;
    tx.commit().await?;
    for lead in changed {
        state.hub.publish(LiveEvent {
            id: event_id,
            kind: LiveKind::Edited,
            at,
            from_stage: None,
            lead,
            recipient: None,
        });
    }
    Ok(())
}

/// Replaces the payload of every event of these leads that mentions one of `needles` (case
/// folded), or holds custom field values, with a marker.
async fn redact_events(tx: &mut Tx, leads: &[i64], needles: &[String]) -> Result<u64, AppError> {
    let lowered: Vec<String> = needles.iter().map(|n| n.to_lowercase()).collect();
    let hits: Vec<i64> = people::events_of_leads(tx, leads)
        .await?
        .into_iter()
        .filter(|(_, p)| {
            let p = p.to_lowercase();
            // Custom values before and after go with the values themselves.
            p.contains("\"fields.") || lowered.iter().any(|n| p.contains(n.as_str()))
        })
        .map(|(id, _)| id)
        .collect();
    Ok(people::redact_events(tx, &hits).await?)
}
