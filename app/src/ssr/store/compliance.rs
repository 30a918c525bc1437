//! Compliance counted in SQL: each measure of `domain::compliance::Scorecard` as a GROUP BY
//! over the leads, per (owner, team), so `/compliance` reads a few hundred numbers rather than
//! every lead. The clock-bound rules (next step due, stale) are restated as SQL conditions;
//! the rest is worked out in Rust (`domain::compliance::lead_facts`) and kept on the lead
//! (`sla_due_at`, `first_touch_minutes`, `data_complete`, `reason_given`; migration 0006, with
//! a covering index per population counted). A lead whose `facts_at` is NULL needs its facts
//! worked out again: every lead write sets it, and so does a policy save;
//! `service::compliance::refresh_facts` brings them up to date. The integration tests hold
//! these counts equal to `domain::compliance::scorecard` over the same leads.

use super::decode_key;
use super::leads::{Condition, Param};
use super::Backend;
use crate::domain::compliance::Measure;
use crate::domain::compliance::{FactsOf, LeadFacts};
use crate::domain::{CloseReason, LeadScope, Policies, Policy, StageId, Timestamp};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Milliseconds in a day and a week.
const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;

/// A lead whose facts need working out: what they depend on.
#[derive(Clone, Debug)]
pub struct FactsTodo {
    pub id: i64,
    pub team_id: Option<i64>,
    pub source_id: i64,
    pub created_at: Timestamp,
    pub first_touched_at: Option<Timestamp>,
    pub reachable: bool,
    pub company: Option<String>,
    pub product_interest: Option<String>,
    pub value_cents: Option<i64>,
    pub close_reason: Option<CloseReason>,
    pub close_note: Option<String>,
    pub stage_id: i64,
    pub fields: crate::domain::fields::FieldValues,
}

impl FactsTodo {
    pub fn facts_of(&self) -> FactsOf<'_> {
        FactsOf {
            source_id: self.source_id,
            created_at: self.created_at,
            first_touched_at: self.first_touched_at,
            reachable: self.reachable,
            company: self.company.as_deref(),
            product_interest: self.product_interest.as_deref(),
            value_cents: self.value_cents,
            close_reason: self.close_reason,
            close_note: self.close_note.as_deref(),
            stage_id: crate::domain::StageId(self.stage_id),
            fields: &self.fields,
        }
    }
}

/// Whether any lead's facts are out of date.
pub async fn any_facts_todo(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM leads WHERE facts_at IS NULL LIMIT 1")
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// Up to `limit` leads whose facts are out of date, lowest id first. On PostgreSQL
/// the rows stay locked until the transaction ends, so a write cannot slip in between reading
/// a lead and storing its facts; SQLite's single writer gives the same.
pub async fn facts_todo(tx: &mut super::Tx, limit: i64) -> Result<Vec<FactsTodo>, sqlx::Error> {
    let lock = tx.is_postgres();
    let rows = sqlx::query(&format!(
        "SELECT id, team_id, source_id, created_at, first_touched_at,
                CAST(CASE WHEN email IS NOT NULL OR phone IS NOT NULL THEN 1 ELSE 0 END AS BIGINT),
                company, product_interest, value_cents, close_reason, close_note, stage_id,
                fields
         FROM leads WHERE facts_at IS NULL ORDER BY id LIMIT $1{}",
        if lock { " FOR UPDATE" } else { "" }
    ))
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            let reason: Option<String> = r.try_get(9)?;
            Ok(FactsTodo {
                id: r.try_get(0)?,
                team_id: r.try_get(1)?,
                source_id: r.try_get(2)?,
                created_at: Timestamp(r.try_get(3)?),
                first_touched_at: r.try_get::<Option<i64>, _>(4)?.map(Timestamp),
                reachable: r.try_get::<i64, _>(5)? != 0,
                company: r.try_get(6)?,
                product_interest: r.try_get(7)?,
                value_cents: r.try_get(8)?,
                close_reason: reason
                    .map(|k| decode_key("close_reason", &k, CloseReason::parse))
                    .transpose()?,
                close_note: r.try_get(10)?,
                stage_id: r.try_get(11)?,
                fields: r
                    .try_get::<Option<String>, _>(12)?
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Stores each lead's facts, `ROWS_PER_STATEMENT` leads a statement, stamped `at`.
pub async fn write_facts(
    conn: &mut AnyConnection,
    rows: &[(i64, LeadFacts)],
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    use super::Cell::Int;
    for chunk in rows.chunks(super::ROWS_PER_STATEMENT) {
        let (values, _) = super::value_rows(
            chunk.iter().map(|(id, f)| {
                vec![
                    Int(Some(*id)),
                    Int(f.first_touch_due.map(|t| t.0)),
                    Int(f.first_touch_minutes),
                    Int(Some(i64::from(f.data_complete))),
                    Int(Some(i64::from(f.reason_given))),
                ]
            }),
            2,
            true,
        );
        let sql = format!(
            "WITH v (id, due, minutes, complete, reason) AS (VALUES {values})
             UPDATE leads SET sla_due_at = v.due, first_touch_minutes = v.minutes,
                    data_complete = v.complete, reason_given = v.reason, facts_at = $1
             FROM v WHERE leads.id = v.id AND leads.id IN ({})",
            super::id_list(chunk.iter().map(|(id, _)| *id))
        );
        sqlx::query(&sql)
            .persistent(false)
            .bind(at.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks the leads of `teams` (every lead when `None`) as judged under rules that changed:
/// their compliance facts are worked out again, and the open ones are due at the next sweep,
/// their `judge_at` set to `mark` (below zero, different for every save: see migration 0007).
pub async fn invalidate_facts(
    conn: &mut AnyConnection,
    teams: Option<&[i64]>,
    mark: i64,
) -> Result<(), sqlx::Error> {
    debug_assert!(mark < 0);
    let set = "UPDATE leads SET facts_at = NULL,
                      judge_at = CASE WHEN closed_at IS NULL THEN $1 ELSE judge_at END";
    let sql = match teams {
        None => set.to_string(),
        Some([]) => return Ok(()),
        Some(teams) => format!(
            "{set} WHERE team_id IN ({})",
            // Team ids are numbers from our own tables: inlined, not user text.
            teams
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    sqlx::query(&sql).bind(mark).execute(conn).await?;
    Ok(())
}

/// A group of leads: (owner, team).
pub type Group = (Option<i64>, Option<i64>);

/// Which leads to count: the viewer's scope, narrowed to one team or one rep.
#[derive(Clone, Copy, Debug)]
pub struct Population<'a> {
    pub scope: &'a LeadScope,
    pub team: Option<i64>,
    pub rep: Option<i64>,
    /// Only leads in this pipeline's stages.
    pub pipeline: Option<i64>,
}

impl Population<'_> {
    /// The condition on `leads l`, its parameters numbered from `first`.
    fn condition(&self, first: usize) -> Condition {
        let mut c = Condition::new(first);
        c.scope(self.scope);
        if let Some(t) = self.team {
            let p = c.bind(Param::Int(t));
            c.push(format!("l.team_id = {p}"));
        }
        if let Some(r) = self.rep {
            let p = c.bind(Param::Int(r));
            c.push(format!("l.owner_id = {p}"));
        }
        if let Some(pl) = self.pipeline {
            let p = c.bind(Param::Int(pl));
            c.push(format!(
                "l.stage_id IN (SELECT id FROM stages WHERE pipeline_id = {p})"
            ));
        }
        c
    }
}

/// The measures a group of leads passed, as (passed, counted) pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub first_touch_in_sla: (u32, u32),
    pub next_step_planned: (u32, u32),
    pub not_stale: (u32, u32),
    pub close_reason_given: (u32, u32),
    pub data_complete: (u32, u32),
}

impl Tally {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Tally) {
        for (a, b) in [
            (&mut self.first_touch_in_sla, other.first_touch_in_sla),
            (&mut self.next_step_planned, other.next_step_planned),
            (&mut self.not_stale, other.not_stale),
            (&mut self.close_reason_given, other.close_reason_given),
            (&mut self.data_complete, other.data_complete),
        ] {
            a.0 += b.0;
            a.1 += b.1;
        }
    }
}

/// The rules the SQL needs from the policies: idle days per team and stage, lost stages.
pub struct Rules {
    /// An SQL expression for the lead's allowed idle days (NULL: no limit), numbers inlined.
    idle_days: String,
    /// The lost stages, as an SQL list of ids.
    lost: String,
}

impl Rules {
    pub fn of(policies: &Policies) -> Rules {
        fn idle(p: &Policy) -> String {
            let default = p
                .max_idle_days
                .map_or_else(|| "NULL".to_string(), |d| d.to_string());
            let per_stage = p.idle_days_per_stage();
            if per_stage.is_empty() {
                return default;
            }
            let arms: Vec<String> = per_stage
                .iter()
                .map(|(StageId(s), d)| format!("WHEN {s} THEN {d}"))
                .collect();
            format!("(CASE l.stage_id {} ELSE {default} END)", arms.join(" "))
        }
        let idle_days = if policies.teams.is_empty() {
            idle(&policies.org)
        } else {
            let arms: Vec<String> = policies
                .teams
                .iter()
                .map(|(t, p)| format!("WHEN {} THEN {}", t.0, idle(p)))
                .collect();
            format!(
                "(CASE l.team_id {} ELSE {} END)",
                arms.join(" "),
                idle(&policies.org)
            )
        };
        // Every policy carries the pipeline's lost stages; the organisation's stand for all.
        let lost: Vec<String> = policies
            .org
            .lost_stages
            .iter()
            .map(|s| s.0.to_string())
            .collect();
        Rules {
            idle_days,
            lost: if lost.is_empty() {
                "NULL".into()
            } else {
                lost.join(", ")
            },
        }
    }

    /// (the population a measure is taken over, which of those leads it counts, which of
    /// those passed), as SQL conditions over `leads l` with `$1` = now, `$2` = period start,
    /// `$3` = period end. Each population has its covering index (migration 0006); the other
    /// two conditions name only columns of that index.
    fn sql(&self, m: Measure) -> (&'static str, String, String) {
        const ARRIVED: &str = "l.created_at >= $2 AND l.created_at < $3";
        const OPEN: &str = "l.closed_at IS NULL";
        const CLOSED: &str = "l.closed_at >= $2 AND l.closed_at < $3";
        match m {
            // With a deadline, and touched or out of time.
            Measure::FirstTouch => (
                ARRIVED,
                "l.sla_due_at IS NOT NULL
                 AND (l.first_touched_at IS NOT NULL OR l.sla_due_at <= $1)"
                    .into(),
                "l.first_touched_at IS NOT NULL AND l.first_touched_at <= l.sla_due_at".into(),
            ),
            Measure::NextStep => (
                OPEN,
                "TRUE".into(),
                "l.next_step_due_at IS NOT NULL AND l.next_step_due_at >= $1".into(),
            ),
            // Stale: untouched for the stage's idle days since the later of the last touch (or
            // arrival) and the move into the stage, with no next step due later.
            Measure::NotStale => {
                let last =
                    "(CASE WHEN COALESCE(l.last_touched_at, l.created_at) > l.stage_entered_at
                    THEN COALESCE(l.last_touched_at, l.created_at) ELSE l.stage_entered_at END)";
                (
                    OPEN,
                    "TRUE".into(),
                    format!(
                        "NOT COALESCE({idle} IS NOT NULL
                             AND $1 >= {last} + CAST({idle} AS BIGINT) * {DAY_MS}
                             AND NOT COALESCE(l.next_step_due_at > $1, FALSE), FALSE)",
                        idle = self.idle_days
                    ),
                )
            }
            Measure::CloseReason => (
                CLOSED,
                format!("l.stage_id IN ({})", self.lost),
                "l.reason_given = 1".into(),
            ),
            Measure::DataComplete => (OPEN, "TRUE".into(), "l.data_complete = 1".into()),
        }
    }
}

/// Per (owner, team) of `who`: what passed each measure over `from..to`, as it stands at `now`.
/// Three statements: arrivals, open leads and losses, each on its own index.
pub async fn tallies(
    conn: &mut AnyConnection,
    rules: &Rules,
    who: Population<'_>,
    (from, to, now): (Timestamp, Timestamp, Timestamp),
) -> Result<HashMap<Group, Tally>, sqlx::Error> {
    let mut out: HashMap<Group, Tally> = HashMap::new();
    type Row = (Option<i64>, Option<i64>, i64, i64, i64, i64, i64, i64);
    // One statement per population, all its measures at once.
    let groups: [&[Measure]; 3] = [
        &[Measure::FirstTouch],
        &[Measure::NextStep, Measure::NotStale, Measure::DataComplete],
        &[Measure::CloseReason],
    ];
    for measures in groups {
        let base = rules.sql(measures[0]).0;
        let mut cols = Vec::new();
        for i in 0..3 {
            match measures.get(i) {
                Some(m) => {
                    let (_, counted, passed) = rules.sql(*m);
                    cols.push(format!("COUNT(CASE WHEN {counted} THEN 1 END)"));
                    cols.push(format!(
                        "COUNT(CASE WHEN ({counted}) AND ({passed}) THEN 1 END)"
                    ));
                }
                None => cols.push("CAST(0 AS BIGINT), CAST(0 AS BIGINT)".into()),
            }
        }
        let cond = who.condition(4);
        let sql = format!(
            "SELECT l.owner_id, l.team_id, {} FROM leads l WHERE {base} AND {}
             GROUP BY l.owner_id, l.team_id",
            cols.join(", "),
            cond.sql()
        );
        let q = sqlx::query_as::<_, Row>(&sql)
            .bind(now.0)
            .bind(from.0)
            .bind(to.0);
        let rows = cond.apply(q).fetch_all(&mut *conn).await?;
        for (owner, team, c0, p0, c1, p1, c2, p2) in rows {
            let t = out.entry((owner, team)).or_default();
            let pairs = [(c0, p0), (c1, p1), (c2, p2)];
            for (m, (c, p)) in measures.iter().zip(pairs) {
                let pair = (p as u32, c as u32);
                match m {
                    Measure::FirstTouch => t.first_touch_in_sla = pair,
                    Measure::NextStep => t.next_step_planned = pair,
                    Measure::NotStale => t.not_stale = pair,
                    Measure::CloseReason => t.close_reason_given = pair,
                    Measure::DataComplete => t.data_complete = pair,
                }
            }
        }
    }
    Ok(out)
}

/// The business minutes from arrival to first touch of the leads of `who` that arrived in
/// `from..to` and were touched, per (owner, team), unsorted: one row per group with the
/// numbers joined in SQL, so 20k values cost one short read rather than 20k rows.
pub async fn first_touch_minutes(
    conn: &mut AnyConnection,
    backend: Backend,
    who: Population<'_>,
    (from, to): (Timestamp, Timestamp),
) -> Result<HashMap<Group, Vec<i64>>, sqlx::Error> {
    let joined = backend.joined_integers("l.first_touch_minutes");
    let cond = who.condition(3);
    let sql = format!(
        "SELECT l.owner_id, l.team_id, {joined} FROM leads l
         WHERE l.created_at >= $1 AND l.created_at < $2
           AND l.first_touch_minutes IS NOT NULL AND {}
         GROUP BY l.owner_id, l.team_id",
        cond.sql()
    );
    let q = sqlx::query_as::<_, (Option<i64>, Option<i64>, String)>(&sql)
        .bind(from.0)
        .bind(to.0);
    let mut out = HashMap::new();
    for (owner, team, list) in cond.apply(q).fetch_all(conn).await? {
        let values = list
            .split(',')
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|e| sqlx::Error::ColumnDecode {
                        index: "first_touch_minutes".into(),
                        source: e.into(),
                    })
            })
            .collect::<Result<Vec<i64>, _>>()?;
        out.insert((owner, team), values);
    }
    Ok(out)
}

/// Week by week for the `weeks` weeks before `now` (oldest first, as
/// `domain::compliance::weekly_trend` lays them out): (first touch in SLA, losses with a
/// reason) as (passed, counted).
pub async fn weekly(
    conn: &mut AnyConnection,
    rules: &Rules,
    who: Population<'_>,
    weeks: u32,
    now: Timestamp,
) -> Result<Vec<((u32, u32), (u32, u32))>, sqlx::Error> {
    let n = weeks as usize;
    let mut out = vec![((0, 0), (0, 0)); n];
    let from = Timestamp(now.0 - i64::from(weeks) * WEEK_MS);
    for (measure, at) in [
        (Measure::FirstTouch, "l.created_at"),
        (Measure::CloseReason, "l.closed_at"),
    ] {
        let (base, counted, passed) = rules.sql(measure);
        let cond = who.condition(4);
        // A week runs from now − (k+1) weeks, included, to now − k weeks, not included.
        let sql = format!(
            "SELECT ($1 - {at} - 1) / {WEEK_MS} AS k,
                    COUNT(*), COUNT(CASE WHEN {passed} THEN 1 END)
             FROM leads l
             WHERE {base} AND {counted} AND {}
             GROUP BY 1",
            cond.sql()
        );
        let q = sqlx::query_as::<_, (i64, i64, i64)>(&sql)
            .bind(now.0)
            .bind(from.0)
            .bind(now.0);
        for (k, c, p) in cond.apply(q).fetch_all(&mut *conn).await? {
            let Some(w) = usize::try_from(k).ok().filter(|k| *k < n) else {
                continue;
            };
            let slot = &mut out[n - 1 - w];
            let pair = (p as u32, c as u32);
            match measure {
                Measure::FirstTouch => slot.0 = pair,
                _ => slot.1 = pair,
            }
        }
    }
    Ok(out)
}

/// The newest `limit` leads of `who` that `measure` counted over `from..to` and that passed
/// it (or failed, with `passed` false), newest arrival first.
pub async fn leads_behind(
    conn: &mut AnyConnection,
    rules: &Rules,
    who: Population<'_>,
    measure: Measure,
    passed: bool,
    (from, to, now): (Timestamp, Timestamp, Timestamp),
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let (base, counted, pass) = rules.sql(measure);
    let cond = who.condition(5);
    let verdict = if passed {
        format!("({pass})")
    } else {
        format!("NOT COALESCE(({pass}), FALSE)")
    };
    let sql = format!(
        "SELECT l.id FROM leads l WHERE {base} AND {counted} AND {verdict} AND {}
         ORDER BY l.created_at DESC, l.id DESC LIMIT $4",
        cond.sql()
    );
    let q = sqlx::query_as::<_, (i64,)>(&sql)
        .bind(now.0)
        .bind(from.0)
        .bind(to.0)
        .bind(limit);
    Ok(cond
        .apply(q)
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|(id,)| id)
        .collect())
}
