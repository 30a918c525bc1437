//! The "New lead" form's server side: what it offers, what saving would do as the person types
//! (the people on file it matches, who the lead would go to), and adding the inquiry to a lead
//! already on file instead. Saving a new lead is [`super::intake::create`], the one path REST
//! and the form share.
//!
//! Every answer names only leads the asker may see: a person on file whose leads are out of
//! their reach is not mentioned (saving then makes the asker's own lead and flags the pair for
//! someone who sees both, as every intake path does).

use super::intake::{self, check, check_idempotency_key, lead_to_flag, Via};
use super::now;
use crate::domain::access::{self, Actor, Role};
use crate::domain::activity::ActivityKind;
use crate::domain::contact::{self, Identity, MatchKind};
use crate::domain::routing::Inquiry;
use crate::domain::{LeadId, StageKind, Timestamp};
use crate::error::AppError;
use crate::model::intake::{
    IntakeOutcome, IntakeReceipt, KnownLead, NewLeadChoices, NewLeadPreview, NewLeadRequest,
    NewLeadSaved,
};
use crate::model::LiveKind;
use crate::ssr::store::intake::Requester;
use crate::ssr::store::{contacts, events, leads, org, quotes, routing as rules};
use crate::ssr::AppState;

/// Most people on file listed while typing.
const MAX_SHOWN: usize = 3;

/// What the form offers `actor`: sources, running campaigns, catalogue products, and for a
/// manager the people they may give the lead to.
pub async fn choices(state: &AppState, actor: &Actor) -> Result<NewLeadChoices, AppError> {
    access::create_lead(actor)?;
    let mut conn = state.store.read().await?;
    let at = now();
    let sources = crate::ssr::store::accounts::sources(&mut conn).await?;
    let campaigns = org::campaigns(&mut conn)
        .await?
        .into_iter()
        .filter(|c| c.ends_at.is_none_or(|end| end >= at))
        .collect();
    let products = quotes::products(&mut conn, false)
        .await?
        .into_iter()
        .map(|p| p.name)
        .collect();
    let owners = match actor.role {
        Role::Manager => org::people(&mut conn)
            .await?
            .into_iter()
            .filter(|p| {
                access::give_new_lead(
                    actor,
                    &access::Assignee {
                        id: p.id,
                        role: p.role,
                        team_id: p.team_id,
                        active: p.active,
                    },
                )
                .is_ok()
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(NewLeadChoices {
        sources,
        campaigns,
        products,
        owners,
        currency: "USD".into(),
    })
}

/// What saving `draft` would do now, for the form to show while the person types. Changes
/// nothing; fields still being typed are taken as far as they make sense (an e-mail address
/// that does not parse yet matches nothing).
pub async fn preview(
    state: &AppState,
    actor: &Actor,
    draft: NewLeadRequest,
) -> Result<NewLeadPreview, AppError> {
    access::create_lead(actor)?;
    let at = now();
    let mut conn = state.store.read().await?;
    let pipeline = state.store.pipeline(&mut conn).await?;
    fn blank(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let identity = Identity::of(
        &draft.contact_name,
        blank(&draft.email),
        blank(&draft.phone),
        blank(&draft.company),
    );
    let searchable = identity.email_key.is_some()
        || identity.phone_key.is_some()
        || identity.name_key().contains(' ')
        || (identity.company_key.is_some() && !identity.name_key().is_empty());
    let mut matches = Vec::new();
    let mut adds_to = None;
    if searchable {
        let known = contacts::candidates(&mut conn, &identity).await?;
        let mut found: Vec<_> = known
            .iter()
            .filter_map(|k| contact::compare(&identity, &k.identity).map(|m| (k, m)))
            .collect();
        found.sort_by_key(|m| std::cmp::Reverse((m.1.kind, m.1.score)));
        let via = Via {
            key_id: None,
            actor: Some(actor),
            source_id: draft.source_id,
            campaign_id: None,
            batch: None,
            made: None,
            owner: None,
        };
        for (known, m) in found {
            let theirs = contacts::leads_of(&mut conn, known.contact_id).await?;
            let exact = m.kind == MatchKind::Exact;
            // What saving does: the first person on file surely this one whose leads are all
            // the asker's to change gets the inquiry (as `intake::file` decides).
            if exact && adds_to.is_none() && intake::may_add_to(&mut conn, &via, &theirs).await? {
                adds_to = theirs.iter().find(|(_, open)| *open).map(|(id, _)| *id);
            }
            let Some(id) = lead_to_flag(&theirs) else {
                continue;
            };
            if matches.len() == MAX_SHOWN || matches.iter().any(|k: &KnownLead| k.lead_id == id) {
                continue;
            }
            let Some(lead) = leads::lead(&mut conn, id).await? else {
                continue;
            };
            if access::view_lead(actor, &lead).is_err() {
                continue;
            }
            let stage = pipeline.get(lead.stage_id);
            let open = stage.is_some_and(|s| s.kind == StageKind::Open);
            matches.push(KnownLead {
                lead_id: lead.id,
                contact_name: lead.contact_name.clone(),
                company: lead.company.clone(),
                owner: lead.owner.as_ref().map(|o| match o.id == actor.id.0 {
                    true => "you".to_string(),
                    false => o.name.clone(),
                }),
                stage: stage.map(|s| s.name.clone()).unwrap_or_default(),
                open,
                last_touch: lead.last_touched_at,
                exact,
                reasons: m.reasons.iter().map(|r| r.label()).collect(),
                can_add: open && access::add_inquiry(actor, &lead).is_ok(),
            });
        }
    }
    let goes_to = if adds_to.is_some() {
        None
    } else {
        Some(goes_to(&mut conn, actor, &draft, at).await?)
    };
    Ok(NewLeadPreview {
        matches,
        adds_to,
        goes_to,
        now: at,
    })
}

/// Who a new lead from `draft` would go to, in words: the asker (a rep), the owner a manager
/// chose, or where the assignment rules would send it now.
async fn goes_to(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    draft: &NewLeadRequest,
    at: Timestamp,
) -> Result<String, AppError> {
    if actor.role == Role::Rep {
        return Ok("Yours: a lead you enter is yours to work".into());
    }
    if let Some(id) = draft.owner_id {
        return Ok(match intake::chosen_owner(conn, actor, id).await {
            Ok(k) if k.id == actor.id => "Yours".into(),
            Ok(k) => format!("{}, as you chose", k.name),
            Err(_) => "Choose someone of your teams".into(),
        });
    }
    let inquiry = Inquiry {
        source_id: draft.source_id,
        product_interest: draft.product_interest.clone(),
        country: draft.country.clone(),
        region: draft.region.clone(),
        postcode: draft.postcode.clone(),
        value_cents: draft.value_cents,
    };
    let rule_set = rules::rules(conn).await?;
    if rule_set.is_empty() {
        return Ok("Nobody yet: there are no assignment rules, so it waits unassigned".into());
    }
    let people = rules::people(conn).await?;
    let decision = crate::domain::routing::route(&rule_set, &inquiry, &people, at);
    Ok(match decision.assigned {
        Some(a) if actor.role == Role::Manager && !actor.managed_teams.contains(&a.team_id) => {
            format!(
                "{}, by the rule “{}” (a team you do not manage: the lead leaves your sight)",
                a.user_name, a.rule_name
            )
        }
        Some(a) => format!("{}, by the rule “{}”", a.user_name, a.rule_name),
        None => "Nobody yet: no assignment rule takes it, so it waits unassigned".into(),
    })
}

/// Saves a lead typed into the form: [`intake::create`], the REST API's own path, and
/// whether the person may open what they saved.
pub async fn save(
    state: &AppState,
    actor: &Actor,
    req: NewLeadRequest,
    idempotency_key: &str,
) -> Result<NewLeadSaved, AppError> {
    let receipt = intake::create(state, actor, req, Some(idempotency_key)).await?;
    let visible = match receipt.lead_id {
        Some(id) => {
            let mut conn = state.store.read().await?;
            leads::lead(&mut conn, id)
                .await?
                .is_some_and(|l| access::view_lead(actor, &l).is_ok())
        }
        None => false,
    };
    Ok(NewLeadSaved { receipt, visible })
}

/// Adds a typed-in inquiry to a lead on file instead of entering a new lead: the same checks
/// as a new lead, then an `inquiry` on `lead_id` (which the asker may see, and which is
/// open), the owner told. Repeating the same `Idempotency-Key` answers with the first result.
pub async fn add_inquiry(
    state: &AppState,
    actor: &Actor,
    lead_id: LeadId,
    req: NewLeadRequest,
    idempotency_key: Option<&str>,
) -> Result<IntakeReceipt, AppError> {
    access::create_lead(actor)?;
    if let Some(k) = idempotency_key {
        check_idempotency_key(k)?;
    }
    let checked = check(&req.inquiry())?;
    let at = now();
    let mut tx = state.store.begin().await?;
    let requester = Requester::User(actor.id.0);
    if let Some(k) = idempotency_key {
        if let Some(receipt) = intake::replay(&mut tx, requester, k).await? {
            return Ok(receipt);
        }
    }
    // A lead the asker may not see reads as one that does not exist.
    let lead = leads::lead(&mut tx, lead_id)
        .await?
        .filter(|l| access::view_lead(actor, l).is_ok())
        .ok_or_else(|| AppError::NotFound {
            message: format!("No lead {lead_id}"),
        })?;
    access::add_inquiry(actor, &lead)?;
    let pipeline = state.store.pipeline(&mut tx).await?;
    if pipeline
        .get(lead.stage_id)
        .is_none_or(|s| s.kind != StageKind::Open)
    {
        return Err(AppError::field(
            "lead_id",
            "That lead is closed: save this as a new lead instead",
        ));
    }
    let via = Via {
        key_id: None,
        actor: Some(actor),
        source_id: req.source_id,
        campaign_id: req.campaign_id,
        batch: None,
        made: None,
        owner: None,
    };
    let note = inquiry_note(&checked, &lead);
    let activity_id = org::insert_activity(
        &mut tx,
        lead.id,
        Some(actor.id.0),
        ActivityKind::Inquiry.key(),
        None,
        Some(&note),
        at,
    )
    .await?;
    leads::bump(&mut tx, lead.id, at).await?;
    let event_id = events::append(
        &mut tx,
        &intake::inquired_event(&via, lead.id, activity_id, at),
    )
    .await?;
    super::score::rescore(state, &mut tx, &[lead.id.0], at).await?;
    let mut live = Vec::new();
    if let Some(owner) = lead.owner.as_ref().filter(|o| o.id != actor.id.0) {
        let message = format!(
            "{} took an inquiry from {} for {}",
            actor.name,
            checked.name,
            lead.title()
        );
        super::sweep::notify(&mut tx, owner.id, &lead, "inquiry", &message, at, &mut live).await?;
    }
    let receipt = IntakeReceipt {
        lead_id: Some(lead.id),
        outcome: IntakeOutcome::Attached,
        possible_duplicates: Vec::new(),
        replayed: false,
        assigned_to: None,
    };
    if let Some(k) = idempotency_key {
        if let Some(earlier) = intake::remember(state, &mut tx, requester, k, &receipt, at).await? {
            return Ok(earlier);
        }
    }
    events::notify(&mut tx, event_id).await?;
    tx.commit().await?;
    intake::publish(state, event_id, LiveKind::Inquired, lead.id, at).await;
    for notice in live {
        state.hub.publish(notice);
    }
    Ok(receipt)
}

/// The inquiry's note on a lead on file: what the person said, and contact details typed in
/// that the lead does not have yet (the lead itself is not changed).
fn inquiry_note(c: &intake::Checked, lead: &crate::domain::Lead) -> String {
    let mut note = c.again_note();
    let mut new = Vec::new();
    if let Some(e) = c.email.as_ref().filter(|e| lead.email.as_ref() != Some(*e)) {
        new.push(format!("e-mail {e}"));
    }
    if let Some(p) = c.phone.as_ref().filter(|p| lead.phone.as_ref() != Some(*p)) {
        new.push(format!("phone {p}"));
    }
    if c.name != lead.contact_name {
        new.push(format!("name given as {}", c.name));
    }
    if !new.is_empty() {
        note.push_str(&format!(" ({})", new.join(", ")));
    }
    note
}
