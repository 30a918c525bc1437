//! Keeping lead scores (`domain::score`) current: a lead is rescored in the transaction of
//! every change to it, and the follow-up sweep rescores open leads whose score has aged
//! (recency moves with the clock) or was never computed.
//!
//! Each source's record (won and closed leads) is read once per `RECORD_TTL` and shared: it
//! moves slowly and reading it means scanning the closed leads.

use crate::domain::activity::ActivityKind;
use crate::domain::score::{self, dead_lead, Score, ScoreInputs};
use crate::domain::{Currency, Lead, Money, Timestamp};
use crate::ssr::store;
use crate::ssr::AppState;
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a source's record is reused.
const RECORD_TTL: Duration = Duration::from_secs(600);
/// A score older than this is recomputed by the sweep.
pub const SCORE_TTL_MS: i64 = 6 * 3_600_000;
/// Leads one sweep rescores at most.
pub const PER_SWEEP: i64 = 5_000;

/// (won, closed) leads per source.
type Records = Arc<HashMap<i64, (i64, i64)>>;

/// Each source's record, as last read and when.
#[derive(Clone, Default)]
pub struct SourceRecords {
    cached: Arc<Mutex<Option<(Instant, Records)>>>,
}

impl SourceRecords {
    async fn get(&self, conn: &mut AnyConnection) -> Result<Records, sqlx::Error> {
        if let Some((at, records)) = self
            .cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            if at.elapsed() < RECORD_TTL {
                return Ok(records);
            }
        }
        let rows = store::score::source_records(conn).await?;
        let records = Arc::new(rows.into_iter().map(|(s, w, c)| (s, (w, c))).collect());
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), Arc::clone(&records)));
        Ok(records)
    }
}

/// A lead's new score, reasons and dead-lead suggestion (closed leads have none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scored {
    pub score: Option<Score>,
    pub suggest_close: Option<String>,
}

/// Rescores `ids` as of `now` and writes the results; answers with each lead's result.
pub async fn rescore(
    state: &AppState,
    conn: &mut AnyConnection,
    ids: &[i64],
    now: Timestamp,
) -> Result<HashMap<i64, Scored>, sqlx::Error> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let records = state.source_records.get(conn).await?;
    let policies = state.store.policies(conn).await?;
    for chunk in ids.chunks(store::ROWS_PER_STATEMENT) {
        let facts = store::score::facts(conn, chunk).await?;
        let activities = store::score::activities(conn, chunk).await?;
        let mut by_lead: HashMap<i64, Vec<(String, Option<String>, i64)>> = HashMap::new();
        for (lead, kind, outcome, at) in activities {
            by_lead.entry(lead).or_default().push((kind, outcome, at));
        }
        let mut rows = Vec::new();
        for fact in facts {
            let (id, cents, currency, product, territory_known, source_name, source_id) =
                (fact.0, fact.1, fact.2, fact.3, fact.4, fact.5, fact.6);
            let (stage_id, team_id, created_at, closed_at) = (fact.7, fact.8, fact.9, fact.10);
            if closed_at.is_some() {
                out.insert(id, Scored::default());
                rows.push((id, None, None, None));
                continue;
            }
            let (mut replies, mut inquiries, mut unanswered) = (0, 1, 0);
            let mut last = created_at;
            for (kind, outcome, at) in by_lead.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
                let Some(kind) = ActivityKind::parse(kind) else {
                    continue;
                };
                let answered = matches!(outcome.as_deref(), Some("reached" | "meeting_booked"));
                if kind == ActivityKind::Inquiry {
                    if *at > created_at {
                        inquiries += 1;
                    }
                    unanswered = 0;
                    last = last.max(*at);
                } else if kind.is_touch() {
                    if answered {
                        replies += 1;
                        unanswered = 0;
                    } else {
                        unanswered += 1;
                    }
                    last = last.max(*at);
                }
            }
            let currency = Currency::parse(&currency).ok();
            let inputs = ScoreInputs {
                value_cents: cents,
                value_text: cents
                    .zip(currency)
                    .map(|(c, cur)| Money::new(c, cur).display()),
                product_interest: product.is_some_and(|p| !p.trim().is_empty()),
                territory_known: territory_known != 0,
                source_name,
                source_record: records.get(&source_id).copied().unwrap_or((0, 0)),
                replies,
                inquiries,
                unanswered,
                last_activity: Timestamp(last),
            };
            let scored = score::score(&inputs, now);
            let idle_days = (now.0 - last).max(0) / 86_400_000;
            let limit = policies
                .for_team(team_id.map(crate::domain::TeamId))
                .idle_days_for(crate::domain::StageId(stage_id));
            let suggest = dead_lead(unanswered, Some(idle_days), limit);
            rows.push((
                id,
                Some(scored.total),
                Some(serde_json::to_string(&scored.reasons).unwrap_or_else(|_| "[]".into())),
                suggest.clone(),
            ));
            out.insert(
                id,
                Scored {
                    score: Some(scored),
                    suggest_close: suggest,
                },
            );
        }
        store::score::write(conn, &rows, now).await?;
    }
    Ok(out)
}

/// The score of a lead about to be inserted (an import's new leads, scored in memory): no
/// activity yet but its first inquiry, active now.
pub async fn of_new_lead(
    state: &AppState,
    conn: &mut AnyConnection,
    lead: &crate::ssr::store::leads::NewLead,
    source_name: &str,
    territory_known: bool,
) -> Result<Score, sqlx::Error> {
    let records = state.source_records.get(conn).await?;
    let inputs = ScoreInputs {
        value_cents: lead.value.map(|v| v.cents),
        value_text: lead.value.map(|v| v.display()),
        product_interest: lead
            .product_interest
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty()),
        territory_known,
        source_name: source_name.to_string(),
        source_record: records.get(&lead.source_id).copied().unwrap_or((0, 0)),
        replies: 0,
        inquiries: 1,
        unanswered: 0,
        last_activity: lead.created_at,
    };
    Ok(score::score(&inputs, lead.created_at))
}

/// Rescores one lead inside the transaction that changes it, and puts the result on `lead`.
pub async fn apply(
    state: &AppState,
    conn: &mut AnyConnection,
    lead: &mut Lead,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let scored = rescore(state, conn, &[lead.id.0], now)
        .await?
        .remove(&lead.id.0)
        .unwrap_or_default();
    lead.score = scored.score.as_ref().map(|s| s.total);
    lead.score_reasons = scored.score.map(|s| s.reasons).unwrap_or_default();
    lead.suggest_close = scored.suggest_close;
    Ok(())
}

/// Rescores open leads whose score is missing or older than `SCORE_TTL_MS` (at most
/// `PER_SWEEP`, oldest first); answers how many.
pub async fn refresh(state: &AppState, now: Timestamp) -> Result<usize, sqlx::Error> {
    let mut tx = state.store.begin().await?;
    let ids = store::score::due(&mut tx, Timestamp(now.0 - SCORE_TTL_MS), PER_SWEEP).await?;
    rescore(state, &mut tx, &ids, now).await?;
    tx.commit().await?;
    Ok(ids.len())
}
