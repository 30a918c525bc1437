//! The merge screen's work: likely duplicates flagged at intake, and what a rep or manager
//! decides about each pair. Merging two open leads keeps the history of both: the duplicate's
//! activities move to the lead kept, its events show in the kept lead's history, and it is
//! closed as lost, reason "duplicate", pointing at the lead kept. Two people found to be one
//! become one contact either way.

use super::{conflict, move_payload, now};
use crate::domain::access::{self, Actor};
use crate::domain::contact::MatchReason;
use crate::domain::{CloseReason, Lead, LeadId, StageKind, Timestamp};
use crate::error::AppError;
use crate::model::dedupe::{DuplicatePair, Resolution};
use crate::model::LiveEvent;
use crate::model::LiveKind;
use crate::ssr::store::{contacts, dedupe, events, leads, Tx};
use crate::ssr::AppState;
use serde_json::json;

/// A change to publish live after commit: (event id, kind, lead after, stage it left).
type Published = (i64, LiveKind, Lead, Option<crate::domain::StageId>);

/// Open pairs the actor can see both leads of, newest first (at most 100).
pub async fn open_pairs(state: &AppState, actor: &Actor) -> Result<Vec<DuplicatePair>, AppError> {
    access::view_board(actor)?;
    let mut conn = state.store.read().await?;
    let rows = dedupe::open_candidates(&mut conn, 500).await?;
    let ids: Vec<i64> = rows.iter().flat_map(|r| [r.1, r.2]).collect();
    let found = leads::by_ids(&mut conn, &ids).await?;
    let get = |id: i64| found.iter().find(|l| l.id.0 == id).cloned();
    let mut pairs = Vec::new();
    for (id, lead, other, score, reasons, found_at) in rows {
        let (Some(lead), Some(other)) = (get(lead), get(other)) else {
            continue;
        };
        if access::view_lead(actor, &lead).is_err() || access::view_lead(actor, &other).is_err() {
            continue;
        }
        let both_open = lead.closed_at.is_none() && other.closed_at.is_none();
        let may_edit =
            access::edit_lead(actor, &lead).is_ok() && access::edit_lead(actor, &other).is_ok();
        pairs.push(DuplicatePair {
            id,
            score: score as u8,
            reasons: serde_json::from_str::<Vec<MatchReason>>(&reasons).unwrap_or_default(),
            found_at: Timestamp(found_at),
            can_merge: both_open && may_edit,
            can_decide: may_edit,
            can_dismiss: access::dismiss_duplicate(actor, &lead, &other).is_ok(),
            lead,
            other,
        });
        if pairs.len() == 100 {
            break;
        }
    }
    Ok(pairs)
}

/// Decides a pair: merge the two leads (both open; the actor may change both, and the
/// follow-up policy allows both writes), the same person (one contact, both leads kept; the
/// actor may change both), or different people (`access::dismiss_duplicate`).
pub async fn resolve(
    state: &AppState,
    actor: &Actor,
    id: i64,
    resolution: Resolution,
) -> Result<(), AppError> {
    let at = now();
    let mut tx = state.store.begin().await?;
    let Some((a, b)) = dedupe::open_pair(&mut tx, id).await? else {
        return Err(AppError::not_found(
            "There is no such open pair: someone may have decided it already",
        ));
    };
    let lead = load(&mut tx, actor, LeadId(a)).await?;
    let other = load(&mut tx, actor, LeadId(b)).await?;
    let mut published = Vec::new();
    let outcome = match resolution {
        // Dismissing the flag writes neither lead (see `access::dismiss_duplicate`).
        Resolution::Distinct => {
            access::dismiss_duplicate(actor, &lead, &other)?;
            "distinct"
        }
        // Joining the contacts and merging change both leads: the actor must be allowed to
        // change each of them.
        Resolution::SamePerson => {
            access::edit_lead(actor, &lead)?;
            access::edit_lead(actor, &other)?;
            join_contacts(&mut tx, &other, &lead).await?;
            "merged"
        }
        Resolution::Merge {
            keep,
            keep_version,
            absorb_version,
        } => {
            let (kept, absorbed, kv, av) = if keep == lead.id {
                (lead, other, keep_version, absorb_version)
            } else if keep == other.id {
                (other, lead, keep_version, absorb_version)
            } else {
                return Err(AppError::field("keep", "Keep one of the two leads"));
            };
            access::edit_lead(actor, &kept)?;
            access::edit_lead(actor, &absorbed)?;
            if kept.version != kv {
                return Err(conflict(kept));
            }
            if absorbed.version != av {
                return Err(conflict(absorbed));
            }
            if kept.closed_at.is_some() || absorbed.closed_at.is_some() {
                return Err(AppError::field(
                    "keep",
                    "Only two open leads merge; for a closed one choose “Same person”",
                ));
            }
            published = merge(state, &mut tx, actor, kept, absorbed, at).await?;
            "merged"
        }
    };
    dedupe::resolve(&mut tx, id, outcome, actor.id.0, at).await?;
    let event_id = events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "duplicate.resolved",
            lead_id: Some(LeadId(a)),
            payload: json!({"after": {"candidate_id": id, "resolution": outcome,
                                      "other_lead_id": b}}),
        },
    )
    .await?;
    let last = published.last().map_or(event_id, |p| p.0);
    events::notify(&mut tx, last).await?;
    tx.commit().await?;
    for (event_id, kind, lead, from_stage) in published {
        state.hub.publish(LiveEvent {
            id: event_id,
            kind,
            at,
            from_stage,
            lead,
            recipient: None,
        });
    }
    Ok(())
}

/// A lead of the pair, if the actor may see it.
async fn load(tx: &mut Tx, actor: &Actor, id: LeadId) -> Result<Lead, AppError> {
    let lead = leads::lead(tx, id)
        .await?
        .ok_or_else(|| AppError::not_found("No such lead"))?;
    access::view_lead(actor, &lead)?;
    Ok(lead)
}

/// Makes the contact of `from` the contact of `into`: its leads move over, and it points at the
/// contact kept. The two inquiries are one person's from now on.
async fn join_contacts(tx: &mut Tx, into: &Lead, from: &Lead) -> Result<(), AppError> {
    let ids = dedupe::people_of(tx, into.id, from.id).await?;
    let (Some((Some(keep), keep_company)), Some((Some(gone), _))) = (ids.first(), ids.get(1))
    else {
        return Ok(());
    };
    if keep == gone {
        return Ok(());
    }
    dedupe::move_leads_to_contact(tx, *keep, *keep_company, *gone).await?;
    contacts::merge_into(tx, *gone, *keep).await?;
    Ok(())
}

/// Merges `absorbed` into `kept` (both checked open and current): the kept lead gains what
/// it lacked, the activities move, the duplicate closes as lost with reason "duplicate".
/// Returns the events to publish: (event id, kind, lead after, stage it left).
async fn merge(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    kept: Lead,
    absorbed: Lead,
    at: Timestamp,
) -> Result<Vec<Published>, AppError> {
    join_contacts(tx, &kept, &absorbed).await?;
    let pipeline = state.store.pipeline(tx).await?;
    let lost = pipeline
        .close_out(absorbed.stage_id, StageKind::Lost)
        .ok_or_else(AppError::internal)?
        .id;
    let mut next_kept = kept.clone();
    next_kept.email = kept.email.clone().or(absorbed.email.clone());
    next_kept.phone = kept.phone.clone().or(absorbed.phone.clone());
    next_kept.company = kept.company.clone().or(absorbed.company.clone());
    next_kept.product_interest = kept
        .product_interest
        .clone()
        .or(absorbed.product_interest.clone());
    next_kept.value = kept.value.or(absorbed.value);
    // The plan the duplicate had is the person's plan.
    next_kept.next_step = kept.next_step.clone().or(absorbed.next_step.clone());
    next_kept.version += 1;
    next_kept.updated_at = at;
    let mut closed = absorbed.clone();
    closed.stage_id = lost;
    closed.stage_entered_at = at;
    closed.closed_at = Some(at);
    closed.close_reason = Some(CloseReason::Duplicate);
    closed.close_note = Some(format!("Merged into #{} ({})", kept.id, kept.title()));
    closed.next_step = None;
    closed.version += 1;
    closed.updated_at = at;
    // Both writes answer to the follow-up policy: the kept lead is worked as a whole (it must
    // be left with what its team's policy asks of a worked lead: a next step, the fields of its
    // stage), and the duplicate is closed like any loss.
    let policies = state.store.policies(tx).await?;
    super::enforce_worked(&policies, &next_kept, at)?;
    super::enforce(&policies, &absorbed, &closed, at)?;
    for (next, before) in [(&next_kept, &kept), (&closed, &absorbed)] {
        if !leads::write(tx, next, before.version).await? {
            return Err(conflict(before.clone()));
        }
    }
    // The duplicate's activities and quotes follow its history to the lead that is kept.
    let moved = dedupe::absorb(tx, kept.id, absorbed.id).await?;
    // Other pairs of the duplicate are settled with it.
    dedupe::settle_pairs_of(tx, absorbed.id, actor.id.0, at).await?;
    let merged_id = events::append(
        tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "lead.merged",
            lead_id: Some(kept.id),
            payload: json!({
                "before": {"version": kept.version},
                "after": {"version": next_kept.version, "absorbed": absorbed.id,
                          "absorbed_title": absorbed.title(), "activities_moved": moved},
            }),
        },
    )
    .await?;
    let mut payload = move_payload(&absorbed, &closed);
    payload["after"]["merged_into"] = json!(kept.id);
    let closed_id = events::append(
        tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "lead.moved",
            lead_id: Some(absorbed.id),
            payload,
        },
    )
    .await?;
    let left = absorbed.stage_id;
    Ok(vec![
        (merged_id, LiveKind::Merged, next_kept, None),
        (closed_id, LiveKind::Moved, closed, Some(left)),
    ])
}
