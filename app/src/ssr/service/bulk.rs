//! Filing many inquiries in one transaction fast (an import): the people an inquiry may be
//! are read for the whole file at once, and the rows of inquiries from new people (most rows
//! of a trade-show or purchased list) are written with multi-row statements instead of one
//! statement per column per row.
//!
//! The decisions are `intake::file`'s: the same checks, matching (`domain::contact::compare`),
//! rules (`routing::Batch`), lead, events and score. A row whose person is known exactly (on
//! file, or an earlier row of the file) is not new: the caller flushes what is pending and files
//! that row through `intake::file`, which then sees everything before it.
//!
//! A check ([`Bulk::prepare`] with `dry`) decides every row the same way on a read-only
//! snapshot: nothing is written, ids are counted locally, and a row of someone on file is
//! judged as `intake::file` would judge it ([`Bulk::foresee`]). So a check never waits for
//! another import or change holding the write turn.

use super::intake::{
    created_event, entry_pipelines, inquired_event, lead_to_flag, may_add_to, Checked, Via,
    MAX_CANDIDATES,
};
use crate::domain::activity::ActivityKind;
use crate::domain::contact::{self, Identity, MatchKind};
use crate::domain::{LeadId, Policies, Timestamp};
use crate::error::AppError;
use crate::model::LiveKind;
use crate::ssr::store::contacts::{self, CompanyRow, ContactRow, KeySet, Known};
use crate::ssr::store::events::{self, NewEvent};
use crate::ssr::store::leads::{self, LeadInsert};
use crate::ssr::store::{org, reserve_ids, Backend, Tx};
use crate::ssr::AppState;
use std::collections::HashMap;
use std::sync::Arc;

/// Rows pending before they are written.
pub const FLUSH_EVERY: usize = 2_000;
/// Ids drawn from a PostgreSQL sequence at a time.
const ID_BLOCK: usize = 500;
/// Where a check's ids start: above any real one, so its new people sort as the newest.
const DRY_IDS: i64 = 1 << 50;

/// The people an import's rows may be, by each of their keys.
#[derive(Default)]
struct Index {
    known: Vec<Known>,
    by_key: HashMap<(u8, String), Vec<usize>>,
    by_contact: HashMap<i64, usize>,
}

impl Index {
    fn keys(who: &Identity) -> Vec<(u8, String)> {
        let mut keys = Vec::new();
        if let Some(e) = &who.email_key {
            keys.push((0, e.clone()));
        }
        if let Some(p) = &who.phone_key {
            keys.push((1, p.clone()));
        }
        let name = who.name_key();
        if !name.is_empty() {
            keys.push((2, name));
        }
        if let Some(c) = &who.company_key {
            keys.push((3, c.clone()));
        }
        keys
    }

    fn add(&mut self, k: Known) {
        let i = self.known.len();
        self.by_contact.insert(k.contact_id, i);
        for key in Self::keys(&k.identity) {
            self.by_key.entry(key).or_default().push(i);
        }
        self.known.push(k);
    }

    /// Everyone sharing a key with `who`, newest first (as `contacts::candidates`).
    fn candidates(&self, who: &Identity) -> Vec<&Known> {
        let mut found: Vec<usize> = Self::keys(who)
            .iter()
            .filter_map(|k| self.by_key.get(k))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        let mut out: Vec<&Known> = found.into_iter().map(|i| &self.known[i]).collect();
        out.sort_by_key(|k| std::cmp::Reverse(k.contact_id));
        out
    }

    /// A known person's record gains what a newer inquiry adds (as `contacts::fill_in`), and
    /// is found by it from then on.
    fn fill_in(&mut self, contact_id: i64, who: &Identity) {
        let Some(&i) = self.by_contact.get(&contact_id) else {
            return;
        };
        let before = Self::keys(&self.known[i].identity);
        let k = &mut self.known[i].identity;
        k.email_key = k.email_key.take().or_else(|| who.email_key.clone());
        k.phone_key = k.phone_key.take().or_else(|| who.phone_key.clone());
        for key in Self::keys(&self.known[i].identity) {
            if !before.contains(&key) {
                self.by_key.entry(key).or_default().push(i);
            }
        }
    }
}

/// Ids for rows written later: on SQLite counted up from the largest in the table (re-read
/// after every flush, since other writes of the same transaction take the next ones); on
/// PostgreSQL drawn from the sequence in blocks. A check's are counted here, never asked of
/// the database.
#[derive(Default)]
struct Ids {
    next: HashMap<&'static str, Vec<i64>>,
    dry: Option<HashMap<&'static str, i64>>,
}

impl Ids {
    async fn next(&mut self, tx: &mut Tx, table: &'static str) -> Result<i64, sqlx::Error> {
        let backend = tx.backend();
        if let Some(counted) = &mut self.dry {
            let id = counted.entry(table).or_insert(DRY_IDS);
            *id += 1;
            return Ok(*id);
        }
        let pool = self.next.entry(table).or_default();
        if pool.is_empty() {
            let mut fresh = match backend {
                Backend::Sqlite => reserve_ids(tx, table, 1).await?,
                Backend::Postgres => reserve_ids(tx, table, ID_BLOCK).await?,
            };
            fresh.reverse();
            *pool = fresh;
        }
        let id = pool.pop().ok_or(sqlx::Error::RowNotFound)?;
        if backend == Backend::Sqlite {
            // The next one up, without asking the table (this one is not written yet).
            pool.push(id + 1);
        }
        Ok(id)
    }

    fn forget(&mut self, backend: Backend) {
        if backend == Backend::Sqlite {
            self.next.clear();
        }
    }
}

/// What [`Bulk::file`] did with an inquiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bulked {
    /// A new person: their new lead.
    New(LeadId),
    /// A person an earlier row brought in: added to that row's lead.
    Again(LeadId),
    /// Someone already on file: for `intake::file`.
    Known,
}

/// The new-person rows of an import, decided and waiting to be written.
pub(crate) struct Bulk {
    at: Timestamp,
    /// Where new leads start (per team) and how far that is.
    pipelines: Arc<crate::domain::Pipelines>,
    policies: Arc<Policies>,
    source_name: String,
    index: Index,
    leads_of: HashMap<i64, Vec<(LeadId, bool)>>,
    companies: HashMap<String, i64>,
    ids: Ids,
    new_companies: Vec<CompanyRow>,
    new_contacts: Vec<ContactRow>,
    new_leads: Vec<LeadInsert>,
    /// Inquiry activities: (id, lead, actor, note).
    messages: Vec<(i64, LeadId, Option<i64>, String)>,
    /// Pending rows by id: contacts and leads not written yet.
    pending_contacts: HashMap<i64, usize>,
    pending_leads: HashMap<i64, usize>,
    candidates: Vec<(LeadId, LeadId, u8, String)>,
    /// Events under their reserved ids.
    events: Vec<(i64, NewEvent<'static>)>,
    /// Pending announcements: (event id, kind, lead).
    announce: Vec<(i64, LiveKind, LeadId)>,
    /// What was written: (event id, kind, lead), for publishing after commit.
    pub(crate) filed: Vec<(i64, LiveKind, LeadId)>,
    /// A check: decide, write nothing.
    dry: bool,
}

impl Bulk {
    /// Reads what the rows need: the people they may be, those people's leads, the companies
    /// they name, the rules (unless a rep keeps the leads), the first stage and the policies.
    /// A `dry` one (a check, on [`crate::ssr::store::Store::begin_read`]) only reads.
    pub(crate) async fn prepare(
        state: &AppState,
        tx: &mut Tx,
        via: &Via<'_>,
        rows: &[&Checked],
        at: Timestamp,
        dry: bool,
    ) -> Result<Bulk, AppError> {
        let mut keys = KeySet::default();
        for c in rows {
            let who = &c.identity;
            keys.emails.extend(who.email_key.clone());
            keys.phones.extend(who.phone_key.clone());
            let name = who.name_key();
            if !name.is_empty() {
                keys.names.push(name);
            }
            keys.companies.extend(who.company_key.clone());
        }
        for list in [
            &mut keys.emails,
            &mut keys.phones,
            &mut keys.names,
            &mut keys.companies,
        ] {
            list.sort_unstable();
            list.dedup();
        }
        let known = contacts::candidates_for_keys(tx, &keys).await?;
        let ids: Vec<i64> = known.iter().map(|k| k.contact_id).collect();
        let leads_of = contacts::leads_of_many(tx, &ids).await?;
        let companies = contacts::companies_by_keys(tx, &keys.companies).await?;
        let mut index = Index::default();
        for k in known {
            index.add(k);
        }
        if let (None, Some(batch)) = (via.keeper(), via.batch) {
            batch.load(tx).await?;
        }
        let pipelines = entry_pipelines(state, tx).await?;
        let policies = state.store.policies(tx).await?;
        let source_name = org::source_name(tx, via.source_id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        Ok(Bulk {
            at,
            pipelines,
            policies,
            source_name,
            index,
            leads_of,
            companies,
            ids: Ids {
                dry: dry.then(HashMap::new),
                ..Ids::default()
            },
            new_companies: Vec::new(),
            new_contacts: Vec::new(),
            new_leads: Vec::new(),
            messages: Vec::new(),
            pending_contacts: HashMap::new(),
            pending_leads: HashMap::new(),
            candidates: Vec::new(),
            events: Vec::new(),
            announce: Vec::new(),
            filed: Vec::new(),
            dry,
        })
    }

    /// Rows decided and not yet written.
    pub(crate) fn pending(&self) -> usize {
        self.new_leads.len()
    }

    /// Files an inquiry (pending until [`Bulk::flush`]): a new person's lead, or one more
    /// inquiry on the pending lead of a person an earlier row of the file brought in; anyone
    /// else known is for `intake::file`, after a flush (a check judges them here instead).
    pub(crate) async fn file(
        &mut self,
        state: &AppState,
        tx: &mut Tx,
        via: &Via<'_>,
        c: &Checked,
    ) -> Result<Bulked, AppError> {
        let at = self.at;
        // (contact, how they match), best first.
        let mut matches: Vec<(i64, contact::Match)> = self
            .index
            .candidates(&c.identity)
            .into_iter()
            .filter_map(|k| contact::compare(&c.identity, &k.identity).map(|m| (k.contact_id, m)))
            .collect();
        matches.sort_by_key(|m| std::cmp::Reverse((m.1.kind, m.1.score)));
        if let Some((contact_id, _)) = matches.first().filter(|(_, m)| m.kind == MatchKind::Exact) {
            let contact_id = *contact_id;
            self.index.fill_in(contact_id, &c.identity);
            let pending = self.pending_contacts.get(&contact_id).copied().zip(
                self.leads_of
                    .get(&contact_id)
                    .and_then(|l| l.first())
                    .and_then(|(lead, _)| self.pending_leads.get(&lead.0).map(|i| (*lead, *i))),
            );
            let Some((ci, (lead, li))) = pending else {
                return match self.dry {
                    true => self.foresee(tx, via, c, &matches).await,
                    false => Ok(Bulked::Known),
                };
            };
            // The same person twice in one file: one lead with both inquiries (as
            // `intake::file` would, except that nobody is notified: the lead itself is new).
            let contact = &mut self.new_contacts[ci];
            if contact.identity.email_key.is_none() && c.identity.email_key.is_some() {
                contact.email = c.email.clone();
                contact.identity.email_key = c.identity.email_key.clone();
            }
            if contact.identity.phone_key.is_none() && c.identity.phone_key.is_some() {
                contact.phone = c.phone.clone();
                contact.identity.phone_key = c.identity.phone_key.clone();
            }
            self.new_leads[li].lead.version += 1;
            let activity = self.next_id(tx, "activities").await?;
            self.messages
                .push((activity, lead, via.actor_id(), c.again_note()));
            let event = self.event_id(tx).await?;
            self.events
                .push((event, inquired_event(via, lead, activity, at)));
            self.announce.push((event, LiveKind::Inquired, lead));
            return Ok(Bulked::Again(lead));
        }
        let company_id = match &c.identity.company_key {
            Some(key) => match self.companies.get(key) {
                Some(id) => Some(*id),
                None => {
                    let id = self.ids.next(tx, "companies").await?;
                    let name = c.company.as_deref().unwrap_or_default().trim().to_string();
                    self.new_companies.push((id, name, key.clone(), at.0));
                    self.companies.insert(key.clone(), id);
                    Some(id)
                }
            },
            None => None,
        };
        let contact_id = self.ids.next(tx, "contacts").await?;
        let decision = match (via.keeper(), via.batch) {
            (None, Some(batch)) => batch.decide(&c.inquiry(via.source_id), at),
            _ => crate::domain::routing::Decision {
                assigned: None,
                trace: Vec::new(),
            },
        };
        let lead = c.new_lead(
            via,
            &decision,
            &self.pipelines,
            &self.policies,
            contact_id,
            company_id,
            at,
        );
        let lead_stage = lead.stage_id;
        let id = LeadId(self.ids.next(tx, "leads").await?);
        // Likely duplicates: the open (else newest) lead of each likely person.
        let mut possible = Vec::new();
        for (known, m) in matches.iter().filter(|(_, m)| m.kind == MatchKind::Likely) {
            if possible.len() == MAX_CANDIDATES {
                break;
            }
            let theirs = self.leads_of.get(known).map_or(&[][..], Vec::as_slice);
            if let Some(other) = lead_to_flag(theirs).filter(|o| !possible.contains(o)) {
                let reasons = serde_json::to_string(&m.reasons).unwrap_or_else(|_| "[]".into());
                self.candidates.push((id, other, m.score, reasons));
                possible.push(other);
            }
        }
        let territory = c.country.is_some() || c.region.is_some() || c.postcode.is_some();
        let score =
            super::score::of_new_lead(state, tx, &lead, &self.source_name, territory).await?;
        if let Some(message) = &c.message {
            let activity = self.next_id(tx, "activities").await?;
            self.messages
                .push((activity, id, via.actor_id(), message.clone()));
        }
        let mut event = self.event_id(tx).await?;
        self.events
            .push((event, created_event(via, id, &lead, None, &possible, at)));
        if let Some(a) = &decision.assigned {
            event = self.event_id(tx).await?;
            self.events
                .push((event, super::routing::assigned_event(id, a, &decision, at)));
        }
        // Announced live as created, with the id of its last event (as `intake::file`).
        self.announce.push((event, LiveKind::Created, id));
        self.pending_contacts
            .insert(contact_id, self.new_contacts.len());
        self.pending_leads.insert(id.0, self.new_leads.len());
        self.new_contacts.push(ContactRow {
            id: contact_id,
            company_id,
            name: c.name.trim().to_string(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            identity: c.identity.clone(),
            created_at: at.0,
        });
        self.index.add(Known {
            contact_id,
            company_id,
            identity: c.identity.clone(),
        });
        self.leads_of.insert(contact_id, vec![(id, true)]);
        self.new_leads.push(LeadInsert {
            id: id.0,
            fields_json: leads::fields_json(&lead.fields),
            lead,
            country: c.country.clone(),
            region: c.region.clone(),
            postcode: c.postcode.clone(),
            score: Some(score.total),
            score_reasons: Some(
                serde_json::to_string(&score.reasons).unwrap_or_else(|_| "[]".into()),
            ),
            reached_position: self.pipelines.get(lead_stage).map(|s| s.position),
        });
        Ok(Bulked::New(id))
    }

    /// What `intake::file` would do with the inquiry of someone on file, without writing: add
    /// it to the open lead of the first exact match whose leads the importer may all change,
    /// else give them a new lead (a returning person), else file them as a new person of the
    /// importer's own. What it decides is remembered, so that later rows are judged as the
    /// import will judge them.
    async fn foresee(
        &mut self,
        tx: &mut Tx,
        via: &Via<'_>,
        c: &Checked,
        matches: &[(i64, contact::Match)],
    ) -> Result<Bulked, AppError> {
        for (contact_id, _) in matches.iter().filter(|(_, m)| m.kind == MatchKind::Exact) {
            let theirs = self.leads_of.get(contact_id).cloned().unwrap_or_default();
            if !may_add_to(tx, via, &theirs).await? {
                continue;
            }
            if let Some((open, _)) = theirs.iter().find(|(_, open)| *open) {
                return Ok(Bulked::Again(*open));
            }
            let lead = LeadId(self.next_id(tx, "leads").await?);
            self.leads_of
                .entry(*contact_id)
                .or_default()
                .insert(0, (lead, true));
            via.made(lead);
            return Ok(Bulked::New(lead));
        }
        let contact_id = self.next_id(tx, "contacts").await?;
        let lead = LeadId(self.next_id(tx, "leads").await?);
        self.index.add(Known {
            contact_id,
            company_id: None,
            identity: c.identity.clone(),
        });
        self.leads_of.insert(contact_id, vec![(lead, true)]);
        via.made(lead);
        Ok(Bulked::New(lead))
    }

    /// The id the next row of `table` will be written under.
    async fn next_id(&mut self, tx: &mut Tx, table: &'static str) -> Result<i64, AppError> {
        Ok(self.ids.next(tx, table).await?)
    }

    /// The id the next event will be written under.
    async fn event_id(&mut self, tx: &mut Tx) -> Result<i64, AppError> {
        self.next_id(tx, "events").await
    }

    /// Writes everything pending, in the order the rows reference each other (a check lets
    /// it go).
    pub(crate) async fn flush(&mut self, tx: &mut Tx) -> Result<(), AppError> {
        if self.dry {
            self.clear();
            return Ok(());
        }
        contacts::insert_companies(tx, &self.new_companies).await?;
        contacts::insert_contacts(tx, &self.new_contacts).await?;
        leads::insert_leads(tx, &self.new_leads).await?;
        let kind = ActivityKind::Inquiry.key();
        let messages: Vec<_> = self
            .messages
            .iter()
            .map(|(id, lead, actor, note)| {
                (*id, *lead, *actor, kind, None, Some(note.as_str()), self.at)
            })
            .collect();
        org::insert_activities(tx, &messages).await?;
        contacts::insert_candidates_many(tx, &self.candidates, self.at).await?;
        events::append_with_ids(tx, &self.events).await?;
        self.filed.append(&mut self.announce);
        self.clear();
        self.ids.forget(tx.backend());
        Ok(())
    }

    /// Forgets what was pending.
    fn clear(&mut self) {
        self.announce.clear();
        self.new_companies.clear();
        self.new_contacts.clear();
        self.new_leads.clear();
        self.messages.clear();
        self.pending_contacts.clear();
        self.pending_leads.clear();
        self.candidates.clear();
        self.events.clear();
    }
}
