//! What the follow-up sweep reads and writes: the leads to judge, and when each is judged next.

use super::super::decode_key;
use crate::domain::{
    Channel, Currency, Lead, LeadId, Money, NextStep, NextStepKind, StageId, TeamId, Timestamp,
    UserRef,
};
use sqlx::{AnyConnection, Row};

/// Every open lead, or only those of `teams` (and, with `unassigned`, those of no team), as the
/// follow-up policy judges them: for the policy preview, which judges each lead in Rust. Only
/// the fields `policy::evaluate` reads are filled; names and texts are left empty, and `email`
/// stands for "has an e-mail or a phone" (an empty string when so). Never write these leads
/// back or show them; read a lead whole (`by_ids`) for that.
pub async fn open_for_judging(
    conn: &mut AnyConnection,
    teams: Option<&[i64]>,
    unassigned: bool,
) -> Result<Vec<Lead>, sqlx::Error> {
    let mut filter = "closed_at IS NULL".to_string();
    if let Some(teams) = teams {
        // Team ids are numbers from our own tables: inlined, not user text.
        let list = teams
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let in_teams = if list.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("team_id IN ({list})")
        };
        if unassigned {
            filter.push_str(&format!(" AND ({in_teams} OR team_id IS NULL)"));
        } else {
            filter.push_str(&format!(" AND {in_teams}"));
        }
    }
    Ok(judging(conn, &filter, None)
        .await?
        .into_iter()
        .map(|d| d.lead)
        .collect())
}

/// A lead the sweep must judge, as `open_for_judging` reads it (closed ones too), with the
/// `judge_at` it was read with.
#[derive(Clone, Debug)]
pub struct Due {
    pub lead: Lead,
    pub seen: i64,
}

/// The leads whose `judge_at` has come by `at`: written since the last sweep, under a policy
/// saved since, or with a clock or escalation rung running out.
pub async fn due_for_judging(
    conn: &mut AnyConnection,
    at: Timestamp,
) -> Result<Vec<Due>, sqlx::Error> {
    judging(conn, "judge_at <= $1", Some(at.0)).await
}

async fn judging(
    conn: &mut AnyConnection,
    filter: &str,
    bind: Option<i64>,
) -> Result<Vec<Due>, sqlx::Error> {
    let sql = format!(
        "SELECT id, version, source_id, owner_id, team_id, stage_id, next_step_kind,
                next_step_due_at, created_at, updated_at, first_touched_at,
                last_touched_at, stage_entered_at, value_cents,
                CAST(CASE WHEN email IS NOT NULL OR phone IS NOT NULL THEN 1 ELSE 0 END AS BIGINT),
                closed_at, judge_at, expected_close
         FROM leads WHERE {filter}"
    );
    let mut q = sqlx::query(&sql);
    if let Some(b) = bind {
        q = q.bind(b);
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let step_kind: Option<String> = r.try_get(6)?;
            let step_due: Option<i64> = r.try_get(7)?;
            let owner_id: Option<i64> = r.try_get(3)?;
            let team_id: Option<i64> = r.try_get(4)?;
            let cents: Option<i64> = r.try_get(13)?;
            let reachable: i64 = r.try_get(14)?;
            let next_step = match (step_kind, step_due) {
                (Some(kind), Some(due)) => Some(NextStep {
                    kind: decode_key("next_step_kind", &kind, NextStepKind::parse)?,
                    due_at: Timestamp(due),
                    note: None,
                }),
                _ => None,
            };
            let lead = Lead {
                fields: Default::default(),
                id: LeadId(r.try_get(0)?),
                version: r.try_get(1)?,
                contact_name: String::new(),
                email: (reachable != 0).then(String::new),
                phone: None,
                company: None,
                channel: Channel::Other,
                source_id: r.try_get(2)?,
                source_name: String::new(),
                campaign_id: None,
                campaign_name: None,
                product_interest: None,
                value: cents.map(|c| Money::new(c, Currency::USD)),
                score: None,
                owner: owner_id.map(|id| UserRef {
                    id,
                    name: String::new(),
                }),
                team_id: team_id.map(TeamId),
                stage_id: StageId(r.try_get(5)?),
                next_step,
                created_at: Timestamp(r.try_get(8)?),
                updated_at: Timestamp(r.try_get(9)?),
                first_touched_at: r.try_get::<Option<i64>, _>(10)?.map(Timestamp),
                last_touched_at: r.try_get::<Option<i64>, _>(11)?.map(Timestamp),
                stage_entered_at: Timestamp(r.try_get(12)?),
                closed_at: r.try_get::<Option<i64>, _>(15)?.map(Timestamp),
                close_reason: None,
                close_note: None,
                score_reasons: Vec::new(),
                suggest_close: None,
                expected_close: r.try_get(17)?,
                committed: false,
            };
            let seen: Option<i64> = r.try_get(16)?;
            Ok(Due {
                lead,
                seen: seen.unwrap_or(0),
            })
        })
        .collect()
}

/// Records when the sweep must judge each lead next (`None`: not until it is written), for
/// the leads still at the version and `judge_at` the sweep read them with: one written or
/// put under a new policy meanwhile stays due.
pub async fn write_judged(
    conn: &mut AnyConnection,
    judged: &[(LeadId, i64, i64, Option<Timestamp>)],
) -> Result<(), sqlx::Error> {
    use super::super::Cell::Int;
    for chunk in judged.chunks(super::super::ROWS_PER_STATEMENT) {
        let (values, _) = super::super::value_rows(
            chunk.iter().map(|(id, version, seen, due)| {
                vec![
                    Int(Some(id.0)),
                    Int(Some(*version)),
                    Int(Some(*seen)),
                    Int(due.map(|t| t.0)),
                ]
            }),
            1,
            true,
        );
        let sql = format!(
            "WITH v (id, version, seen, due) AS (VALUES {values})
             UPDATE leads SET judge_at = v.due
             FROM v WHERE leads.id = v.id AND leads.version = v.version
                      AND leads.judge_at = v.seen AND leads.id IN ({})",
            super::super::id_list(chunk.iter().map(|(id, ..)| id.0))
        );
        sqlx::query(&sql)
            .persistent(false)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
