//! Intake: an inquiry from a web form or an integration becomes a lead, or, when the person is
//! known and has an open lead, an inquiry on that lead. Runs the same dedupe as every other
//! intake path and answers repeated submissions (same `Idempotency-Key`) with the first one's
//! result.

use super::now;
use super::routing;
use crate::domain::access::{self, Actor, Principal, Role};
use crate::domain::activity::ActivityKind;
use crate::domain::contact::{self, Match, MatchKind};
use crate::domain::routing::{Decision, Inquiry};
use crate::domain::{LeadId, Timestamp};
use crate::error::AppError;
use crate::model::LiveEvent;
use crate::model::LiveKind;
use crate::ssr::auth;
use crate::ssr::store::accounts::KeyKind;
use crate::ssr::store::contacts::{self, NewContact};
use crate::ssr::store::intake::{self, Requester};
use crate::ssr::store::{dedupe, events, leads, org, Tx};
use crate::ssr::AppState;
use serde_json::json;

/// Longest `Idempotency-Key`, in characters.
pub const MAX_IDEMPOTENCY_KEY: usize = 200;
/// Most likely duplicates recorded per new lead.
pub(crate) const MAX_CANDIDATES: usize = 3;

pub(crate) use crate::model::intake::{check, Checked};
pub use crate::model::intake::{
    validate, IntakeLead, IntakeOutcome, IntakeReceipt, NewLeadRequest, MAX_MESSAGE,
};

/// Checks an `Idempotency-Key`: 1 to 200 visible ASCII characters.
pub fn check_idempotency_key(key: &str) -> Result<(), AppError> {
    let ok = !key.is_empty()
        && key.len() <= MAX_IDEMPOTENCY_KEY
        && key.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            "Idempotency-Key",
            "An Idempotency-Key is 1 to 200 visible ASCII characters, e.g. a UUID",
        ))
    }
}

/// Receives one inquiry through an intake key: checks every field, then in one transaction
/// finds the person (exact match: same e-mail or phone), adds the inquiry to their open lead
/// or creates a lead in the key's source (first open stage, unassigned, first call due when
/// the SLA runs out), flags likely duplicates, and records the `Idempotency-Key`.
pub async fn receive(
    state: &AppState,
    principal: &Principal,
    lead: IntakeLead,
    idempotency_key: Option<&str>,
) -> Result<IntakeReceipt, AppError> {
    let Principal::Intake { key_id, source_id } = principal else {
        access::create_intake_lead(principal, 0)?;
        return Err(AppError::internal());
    };
    access::create_intake_lead(principal, *source_id)?;
    if let Some(k) = idempotency_key {
        check_idempotency_key(k)?;
    }
    if lead
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        tracing::info!(key_id, "intake: honeypot filled; submission discarded");
        return Ok(IntakeReceipt {
            lead_id: None,
            outcome: IntakeOutcome::Discarded,
            possible_duplicates: Vec::new(),
            replayed: false,
            assigned_to: None,
        });
    }
    let checked = check(&lead)?;
    let at = now();
    let mut tx = state.store.begin().await?;
    let requester = Requester::Key(*key_id);
    if let Some(k) = idempotency_key {
        if let Some(receipt) = replay(&mut tx, requester, k).await? {
            return Ok(receipt);
        }
    }
    let via = Via {
        key_id: Some(*key_id),
        actor: None,
        source_id: *source_id,
        campaign_id: None,
        batch: None,
        made: None,
        owner: None,
    };
    let (receipt, event_id, kind, notices) = file(state, &mut tx, &via, &checked, at).await?;
    if let Some(k) = idempotency_key {
        if let Some(earlier) = remember(state, &mut tx, requester, k, &receipt, at).await? {
            return Ok(earlier);
        }
    }
    events::notify(&mut tx, event_id).await?;
    tx.commit().await?;
    auth::touch_key(state, KeyKind::Intake, *key_id, at).await;
    if let Some(id) = receipt.lead_id {
        publish(state, event_id, kind, id, at).await;
    }
    for notice in notices {
        state.hub.publish(notice);
    }
    Ok(receipt)
}

/// Checks that a source exists and that a campaign, if given, is one of that source's.
pub(crate) async fn check_attribution(
    conn: &mut sqlx::AnyConnection,
    source_id: i64,
    campaign_id: Option<i64>,
) -> Result<(), AppError> {
    if !org::source_exists(conn, source_id).await? {
        return Err(AppError::field(
            "source_id",
            format!("There is no source {}; see GET /api/v1/sources", source_id),
        ));
    }
    if let Some(campaign) = campaign_id {
        match org::campaign_source(conn, campaign).await? {
            None => {
                return Err(AppError::field(
                    "campaign_id",
                    format!("There is no campaign {campaign}; see GET /api/v1/campaigns"),
                ))
            }
            Some(source) if source != source_id => {
                return Err(AppError::field(
                    "campaign_id",
                    format!("Campaign {campaign} belongs to another source (source {source})"),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Enters a lead by hand: the same checks, dedupe and distribution as every inquiry. A
/// person already known with an open lead gets the inquiry added to that lead instead.
pub async fn create(
    state: &AppState,
    actor: &Actor,
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
    check_attribution(&mut tx, req.source_id, req.campaign_id).await?;
    let owner = match req.owner_id {
        Some(id) => Some(chosen_owner(&mut tx, actor, id).await?),
        None => None,
    };
    let requester = Requester::User(actor.id.0);
    if let Some(k) = idempotency_key {
        if let Some(mut receipt) = replay(&mut tx, requester, k).await? {
            // The replay names what the first answer named: leads the asker may see.
            let mut visible = Vec::new();
            for other in receipt.possible_duplicates {
                if may_see(&mut tx, &via_user(actor), other).await? {
                    visible.push(other);
                }
            }
            receipt.possible_duplicates = visible;
            return Ok(receipt);
        }
    }
    let via = Via {
        key_id: None,
        actor: Some(actor),
        source_id: req.source_id,
        campaign_id: req.campaign_id,
        batch: None,
        made: None,
        owner,
    };
    let (receipt, event_id, kind, notices) = file(state, &mut tx, &via, &checked, at).await?;
    if let Some(k) = idempotency_key {
        if let Some(mut earlier) = remember(state, &mut tx, requester, k, &receipt, at).await? {
            let mut conn = state.store.read().await?;
            let mut visible = Vec::new();
            for other in earlier.possible_duplicates {
                if may_see(&mut conn, &via_user(actor), other).await? {
                    visible.push(other);
                }
            }
            earlier.possible_duplicates = visible;
            return Ok(earlier);
        }
    }
    events::notify(&mut tx, event_id).await?;
    tx.commit().await?;
    if let Some(id) = receipt.lead_id {
        publish(state, event_id, kind, id, at).await;
    }
    for notice in notices {
        state.hub.publish(notice);
    }
    Ok(receipt)
}

/// The owner `actor` chose for a lead they enter, once they may give it to them.
pub(crate) async fn chosen_owner(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    id: i64,
) -> Result<Keeper, AppError> {
    let person = org::people(conn)
        .await?
        .into_iter()
        .find(|p| p.id.0 == id)
        .ok_or_else(|| AppError::field("owner_id", format!("There is no user {id}")))?;
    let to = access::Assignee {
        id: person.id,
        role: person.role,
        team_id: person.team_id,
        active: person.active,
    };
    access::give_new_lead(actor, &to).map_err(|d| AppError::field("owner_id", d.0))?;
    Ok(Keeper {
        id: person.id,
        team_id: person.team_id,
        name: person.name,
    })
}

/// Records that `key` filed `receipt`, in the filing transaction. When a simultaneous request
/// with the same key committed first (PostgreSQL), answers with its receipt instead: the
/// caller returns that and drops its own transaction.
pub(crate) async fn remember(
    state: &AppState,
    tx: &mut Tx,
    who: Requester,
    key: &str,
    receipt: &IntakeReceipt,
    at: Timestamp,
) -> Result<Option<IntakeReceipt>, AppError> {
    let Some(lead_id) = receipt.lead_id else {
        return Ok(None);
    };
    let recorded = intake::remember(tx, who, key, lead_id, receipt.outcome.key(), at).await;
    let Err(e) = recorded else {
        return Ok(None);
    };
    if !e
        .as_database_error()
        .is_some_and(|d| d.is_unique_violation())
    {
        return Err(AppError::from(e));
    }
    let mut conn = state.store.read().await?;
    replay(&mut conn, who, key)
        .await?
        .ok_or_else(AppError::internal)
        .map(Some)
}

/// The receipt of an earlier submission with this key, if there was one.
pub(crate) async fn replay(
    conn: &mut sqlx::AnyConnection,
    who: Requester,
    key: &str,
) -> Result<Option<IntakeReceipt>, AppError> {
    let Some((lead_id, outcome)) = intake::recall(conn, who, key).await? else {
        return Ok(None);
    };
    let possible = dedupe::flagged_with(conn, lead_id).await?;
    Ok(Some(IntakeReceipt {
        lead_id: Some(lead_id),
        outcome: IntakeOutcome::parse(&outcome).unwrap_or(IntakeOutcome::Created),
        possible_duplicates: possible,
        replayed: true,
        assigned_to: None,
    }))
}

/// A filed inquiry: the receipt, the event to publish with its kind, and notifications for the
/// live feed.
pub(crate) type Filed = (IntakeReceipt, i64, LiveKind, Vec<LiveEvent>);

/// Who or what files an inquiry, and where it is attributed.
pub(crate) struct Via<'a> {
    /// The intake key it came through.
    pub key_id: Option<i64>,
    /// The person entering it (REST API, import). A rep keeps the leads they enter; others'
    /// go through the assignment rules like any inquiry.
    pub actor: Option<&'a Actor>,
    pub source_id: i64,
    pub campaign_id: Option<i64>,
    /// Many inquiries in one transaction share the rules and loads read once.
    pub batch: Option<&'a routing::Batch>,
    /// Leads this same request has made so far (an import): a later row about the same person
    /// joins them even when the rules gave them to someone the importer may not edit for.
    pub made: Option<&'a std::sync::Mutex<std::collections::HashSet<LeadId>>>,
    /// The owner a manager chose for the lead they enter (checked before filing).
    pub owner: Option<Keeper>,
}

/// Who keeps a new lead without the assignment rules being asked.
#[derive(Clone, Debug)]
pub(crate) struct Keeper {
    pub id: crate::domain::UserId,
    pub team_id: Option<crate::domain::TeamId>,
    pub name: String,
}

impl Via<'_> {
    pub(crate) fn actor_id(&self) -> Option<i64> {
        self.actor.map(|a| a.id.0)
    }

    fn made_here(&self, id: LeadId) -> bool {
        self.made
            .is_some_and(|m| m.lock().is_ok_and(|set| set.contains(&id)))
    }

    /// Notes a lead this request made.
    pub(crate) fn made(&self, id: LeadId) {
        if let Some(Ok(mut set)) = self.made.map(|m| m.lock()) {
            set.insert(id);
        }
    }

    /// Who keeps the new lead: the owner a manager chose, or the rep entering it; none when
    /// it goes through the rules.
    pub(crate) fn keeper(&self) -> Option<Keeper> {
        self.owner.clone().or_else(|| {
            self.actor.filter(|a| a.role == Role::Rep).map(|a| Keeper {
                id: a.id,
                team_id: a.team_id,
                name: a.name.clone(),
            })
        })
    }
}

impl Checked {
    /// The note of an inquiry added to a lead: the message, or what it was about.
    pub(crate) fn again_note(&self) -> String {
        self.message.clone().unwrap_or_else(|| {
            let about = self.product_interest.as_deref().unwrap_or("no message");
            format!("Inquired again ({about})")
        })
    }

    /// What the assignment rules look at.
    pub(crate) fn inquiry(&self, source_id: i64) -> Inquiry {
        Inquiry {
            source_id,
            product_interest: self.product_interest.clone(),
            country: self.country.clone(),
            region: self.region.clone(),
            postcode: self.postcode.clone(),
            value_cents: self.value.map(|v| v.cents),
        }
    }

    /// The new lead of this inquiry: in the first open stage of its team's pipeline (the
    /// default pipeline's without a team), with the owner the entering rep
    /// or the rules gave it, and the first call due when the SLA of the team's policy runs out
    /// (the organisation's while no rule gives the lead a team).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new_lead(
        &self,
        via: &Via<'_>,
        decision: &Decision,
        pipelines: &crate::domain::Pipelines,
        policies: &crate::domain::Policies,
        contact_id: i64,
        company_id: Option<i64>,
        at: Timestamp,
    ) -> leads::NewLead {
        let (owner, team) = match via.keeper() {
            Some(rep) => (Some(rep.id), rep.team_id),
            None => (
                decision.assigned.as_ref().map(|a| a.user_id),
                decision.assigned.as_ref().map(|a| a.team_id),
            ),
        };
        leads::NewLead {
            contact_name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            company: self.company.clone(),
            source_id: via.source_id,
            campaign_id: via.campaign_id,
            product_interest: self.product_interest.clone(),
            value: self.value,
            owner_id: owner.map(|o| o.0),
            team_id: team.map(|t| t.0),
            // `first_stage` made sure there is one; a team's pipeline always has an open stage.
            stage_id: pipelines
                .entry_stage(team)
                .or_else(|| pipelines.entry_stage(None))
                .map_or(crate::domain::StageId(0), |s| s.id),
            next_step: Some(policies.for_team(team).first_step(via.source_id, at)),
            created_at: at,
            assigned_at: owner.map(|_| at),
            first_touched_at: None,
            last_touched_at: None,
            stage_entered_at: at,
            closed_at: None,
            close_reason: None,
            close_note: None,
            fields: self.fields.clone(),
            version: 1,
            updated_at: at,
            contact_id: Some(contact_id),
            company_id,
            reached_position: None,
        }
    }
}

/// The organisation's pipelines, checked to have somewhere for new leads to start (the first
/// open stage of the default pipeline).
pub(crate) async fn entry_pipelines(
    state: &AppState,
    tx: &mut Tx,
) -> Result<std::sync::Arc<crate::domain::Pipelines>, AppError> {
    let pipelines = state.store.pipeline(tx).await?;
    if pipelines.entry_stage(None).is_none() {
        tracing::error!("no open stage in the default pipeline: new leads have nowhere to start");
        return Err(AppError::internal());
    }
    Ok(pipelines)
}

/// Of a likely match's leads (newest first), the one a new lead is flagged against: their
/// open lead if they have one (that is what a merge would join), else the newest.
pub(crate) fn lead_to_flag(theirs: &[(LeadId, bool)]) -> Option<LeadId> {
    theirs
        .iter()
        .find(|(_, open)| *open)
        .or(theirs.first())
        .map(|(lead, _)| *lead)
}

/// Whether an inquiry may be added to a person on file with these leads: always for an intake
/// key (the organisation's own channel), and for a person entering or importing leads when
/// they may change every one of them (or made it in this same import).
pub(crate) async fn may_add_to(
    tx: &mut sqlx::AnyConnection,
    via: &Via<'_>,
    theirs: &[(LeadId, bool)],
) -> Result<bool, AppError> {
    let Some(actor) = via.actor else {
        return Ok(true);
    };
    for (id, _) in theirs {
        if via.made_here(*id) {
            continue;
        }
        let lead = leads::lead(tx, *id).await?;
        if lead.is_none_or(|l| access::edit_lead(actor, &l).is_err()) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A person entering a lead, for the visibility checks of an answer.
fn via_user(actor: &Actor) -> Via<'_> {
    Via {
        key_id: None,
        actor: Some(actor),
        source_id: 0,
        campaign_id: None,
        batch: None,
        made: None,
        owner: None,
    }
}

/// Whether the one filing may be told of this lead (a likely duplicate in the answer).
async fn may_see(
    tx: &mut sqlx::AnyConnection,
    via: &Via<'_>,
    id: LeadId,
) -> Result<bool, AppError> {
    let Some(actor) = via.actor else {
        return Ok(true);
    };
    let lead = leads::lead(tx, id).await?;
    Ok(lead.is_some_and(|l| access::view_lead(actor, &l).is_ok()))
}

/// The `lead.created` event of a filed inquiry.
pub(crate) fn created_event(
    via: &Via<'_>,
    id: LeadId,
    lead: &leads::NewLead,
    repeat_of: Option<LeadId>,
    possible: &[LeadId],
    at: Timestamp,
) -> events::NewEvent<'static> {
    events::NewEvent {
        at,
        actor_id: via.actor_id(),
        kind: "lead.created",
        lead_id: Some(id),
        payload: json!({"before": null, "after": {
            "stage_id": lead.stage_id, "source_id": via.source_id, "intake_key_id": via.key_id,
            "campaign_id": via.campaign_id, "owner_id": lead.owner_id,
            "contact_id": lead.contact_id, "company_id": lead.company_id,
            "repeat_of": repeat_of, "possible_duplicates": possible,
        }}),
    }
}

/// Files a checked inquiry: the writes of [`receive`] but the idempotency record.
pub(crate) async fn file(
    state: &AppState,
    tx: &mut Tx,
    via: &Via<'_>,
    c: &Checked,
    at: Timestamp,
) -> Result<Filed, AppError> {
    let source_id = via.source_id;
    let known = contacts::candidates(tx, &c.identity).await?;
    let mut matches: Vec<(&contacts::Known, Match)> = known
        .iter()
        .filter_map(|k| contact::compare(&c.identity, &k.identity).map(|m| (k, m)))
        .collect();
    matches.sort_by_key(|m| std::cmp::Reverse((m.1.kind, m.1.score)));
    // The person on file (same e-mail or phone) this inquiry is added to: the first one whose
    // leads the asker may all change. One out of their reach is neither written to nor named
    // in the answer: the asker's lead is their own, and the pair is flagged for the merge
    // screen, where only someone who sees both leads finds it.
    let mut exact = None;
    let mut out_of_reach: Option<(LeadId, u8, String)> = None;
    for (known, m) in matches.iter().filter(|(_, m)| m.kind == MatchKind::Exact) {
        let theirs = contacts::leads_of(tx, known.contact_id).await?;
        if may_add_to(tx, via, &theirs).await? {
            exact = Some(((*known).clone(), theirs));
            break;
        }
        if out_of_reach.is_none() {
            if let Some(other) = lead_to_flag(&theirs) {
                let reasons = serde_json::to_string(&m.reasons).unwrap_or_else(|_| "[]".into());
                out_of_reach = Some((other, m.score, reasons));
            }
        }
    }
    let company_id = match exact.as_ref().and_then(|(k, _)| k.company_id) {
        Some(id) => Some(id),
        None => match &c.company {
            Some(name) => contacts::company_for(tx, name, at).await?,
            None => None,
        },
    };
    let new_contact = NewContact {
        company_id,
        name: &c.name,
        email: c.email.as_deref(),
        phone: c.phone.as_deref(),
        identity: &c.identity,
        at,
    };
    let mut repeat_of = None;
    let contact_id = match &exact {
        Some((known, theirs)) => {
            contacts::fill_in(tx, known.contact_id, &new_contact).await?;
            if let Some((open, _)) = theirs.iter().find(|(_, open)| *open) {
                let event = attach(tx, *open, via, c, at).await?;
                if via.batch.is_none() {
                    super::score::rescore(state, tx, &[open.0], at).await?;
                }
                // The owner hears of it at once: a person writing again is a hot lead.
                let lead = leads::lead(tx, *open).await?;
                let mut live = Vec::new();
                if let Some((lead, owner)) = lead.and_then(|l| l.owner.clone().map(|o| (l, o))) {
                    let message = format!("{} wrote again about {}", c.name, lead.title());
                    super::sweep::notify(tx, owner.id, &lead, "inquiry", &message, at, &mut live)
                        .await?;
                }
                let receipt = IntakeReceipt {
                    lead_id: Some(*open),
                    outcome: IntakeOutcome::Attached,
                    possible_duplicates: Vec::new(),
                    replayed: false,
                    assigned_to: None,
                };
                return Ok((receipt, event, LiveKind::Inquired, live));
            }
            repeat_of = theirs.first().map(|(id, _)| *id);
            known.contact_id
        }
        None => contacts::insert_contact(tx, &new_contact).await?,
    };
    let pipelines = entry_pipelines(state, tx).await?;
    let policies = state.store.policies(tx).await?;
    let inquiry = c.inquiry(source_id);
    // A rep entering a lead keeps it; everything else goes through the rules.
    let decision = match via.keeper() {
        Some(_) => Decision {
            assigned: None,
            trace: Vec::new(),
        },
        None => match via.batch {
            Some(batch) => routing::decide_in(tx, batch, &inquiry, at).await,
            None => routing::decide(tx, &inquiry, at).await,
        }?,
    };
    let assigned = decision.assigned.clone();
    let new_lead = c.new_lead(
        via, &decision, &pipelines, &policies, contact_id, company_id, at,
    );
    let id = leads::insert_lead(tx, &new_lead).await?;
    if c.country.is_some() || c.region.is_some() || c.postcode.is_some() {
        crate::ssr::store::routing::set_place(
            tx,
            id,
            c.country.as_deref(),
            c.region.as_deref(),
            c.postcode.as_deref(),
        )
        .await?;
    }
    if let Some(message) = &c.message {
        org::insert_activity(
            tx,
            id,
            via.actor_id(),
            ActivityKind::Inquiry.key(),
            None,
            Some(message),
            at,
        )
        .await?;
    }
    // Likely duplicates: the newest lead of each likely person, best match first, after the
    // person on file out of the asker's reach.
    let mut flagged: Vec<(LeadId, u8, String)> = out_of_reach.into_iter().collect();
    if exact.is_none() {
        for (known, m) in matches.iter().filter(|(_, m)| m.kind == MatchKind::Likely) {
            if flagged.len() == MAX_CANDIDATES {
                break;
            }
            let theirs = contacts::leads_of(tx, known.contact_id).await?;
            if let Some(other) = lead_to_flag(&theirs).filter(|o| flagged.iter().all(|f| f.0 != *o))
            {
                let reasons = serde_json::to_string(&m.reasons).unwrap_or_else(|_| "[]".into());
                flagged.push((other, m.score, reasons));
            }
        }
        contacts::insert_candidates(tx, id, &flagged, at).await?;
    }
    let possible: Vec<LeadId> = flagged.iter().map(|(id, _, _)| *id).collect();
    // The answer names only the leads the asker may see (all of them for an intake key: the
    // integration behind it is the organisation's own).
    let mut visible = Vec::new();
    for other in &possible {
        if may_see(tx, via, *other).await? {
            visible.push(*other);
        }
    }
    // An import scores its leads together at the end.
    if via.batch.is_none() {
        super::score::rescore(state, tx, &[id.0], at).await?;
    }
    let created = created_event(via, id, &new_lead, repeat_of, &possible, at);
    let event_id = events::append(tx, &created).await?;
    let event_id = match &assigned {
        Some(a) => routing::record(tx, id, a, &decision, at).await?,
        None => event_id,
    };
    via.made(id);
    let receipt = IntakeReceipt {
        lead_id: Some(id),
        outcome: IntakeOutcome::Created,
        possible_duplicates: visible,
        replayed: false,
        assigned_to: match via.keeper() {
            Some(keeper) => Some(keeper.name),
            None => assigned.map(|a| a.user_name),
        },
    };
    Ok((receipt, event_id, LiveKind::Created, Vec::new()))
}

/// Adds an inquiry to a known person's open lead: an `inquiry` activity (not a touch: the
/// person wrote, nobody followed up yet), a new version so boards refresh, and the event.
async fn attach(
    tx: &mut Tx,
    lead: LeadId,
    via: &Via<'_>,
    c: &Checked,
    at: Timestamp,
) -> Result<i64, AppError> {
    let note = c.again_note();
    let activity_id = org::insert_activity(
        tx,
        lead,
        via.actor_id(),
        ActivityKind::Inquiry.key(),
        None,
        Some(&note),
        at,
    )
    .await?;
    leads::bump(tx, lead, at).await?;
    Ok(events::append(tx, &inquired_event(via, lead, activity_id, at)).await?)
}

/// The `lead.inquired` event of an inquiry added to a lead.
pub(crate) fn inquired_event(
    via: &Via<'_>,
    lead: LeadId,
    activity_id: i64,
    at: Timestamp,
) -> events::NewEvent<'static> {
    events::NewEvent {
        at,
        actor_id: via.actor_id(),
        kind: "lead.inquired",
        lead_id: Some(lead),
        payload: json!({"activity_id": activity_id, "kind": "inquiry",
                        "source_id": via.source_id, "intake_key_id": via.key_id}),
    }
}

/// Sends the new or changed lead to the boards watching.
pub(crate) async fn publish(
    state: &AppState,
    event_id: i64,
    kind: LiveKind,
    id: LeadId,
    at: Timestamp,
) {
    let Ok(mut conn) = state.store.read().await else {
        return;
    };
    if let Ok(Some(lead)) = leads::lead(&mut conn, id).await {
        state.hub.publish(LiveEvent {
            id: event_id,
            kind,
            at,
            from_stage: None,
            lead,
            recipient: None,
        });
    }
}
