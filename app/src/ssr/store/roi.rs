//! ROI counted in SQL: the period's inquiries and its close-outs as GROUP BYs over the leads
//! (read from the covering indexes `leads_roi_created` and `leads_roi_closed`, migration
//! 0011), and its spend. `reached_position` (how far a lead has been) is kept by every write
//! of the stage, in the same statement (`leads::write`, `leads::insert_lead`).

use crate::domain::Timestamp;
use sqlx::AnyConnection;

/// Inquiries of one source and campaign that got as far as one stage position:
/// (source, campaign, reached position, leads, contacted).
pub type CohortRow = (i64, Option<i64>, Option<i64>, i64, i64);

/// Leads created in `[from, to)`, by source, campaign and how far they got.
pub async fn cohort(
    conn: &mut AnyConnection,
    (from, to): (Timestamp, Timestamp),
) -> Result<Vec<CohortRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT source_id, campaign_id, reached_position, COUNT(*),
                SUM(CASE WHEN first_touched_at IS NOT NULL THEN 1 ELSE 0 END)
         FROM leads WHERE created_at >= $1 AND created_at < $2
         GROUP BY source_id, campaign_id, reached_position",
    )
    .bind(from.0)
    .bind(to.0)
    .fetch_all(conn)
    .await
}

/// Leads closed in the period of one source, campaign, outcome, reason and currency:
/// (source, campaign, stage kind, close reason, currency, leads, value).
pub type ClosedRow = (
    i64,
    Option<i64>,
    String,
    Option<String>,
    String,
    i64,
    Option<i64>,
);

/// Leads closed in `[from, to)`, grouped by source, campaign, outcome, reason and currency.
pub async fn closed(
    conn: &mut AnyConnection,
    (from, to): (Timestamp, Timestamp),
) -> Result<Vec<ClosedRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.source_id, l.campaign_id, s.kind, l.close_reason, l.currency, COUNT(*),
                CAST(SUM(l.value_cents) AS BIGINT)
         FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE l.closed_at >= $1 AND l.closed_at < $2 AND s.kind <> 'open'
         GROUP BY l.source_id, l.campaign_id, s.kind, l.close_reason, l.currency",
    )
    .bind(from.0)
    .bind(to.0)
    .fetch_all(conn)
    .await
}

/// The rollup's inquiries of the UTC days `[from_day, to_day)`, in the rows of [`cohort`].
pub async fn cohort_days(
    conn: &mut AnyConnection,
    (from_day, to_day): (i64, i64),
) -> Result<Vec<CohortRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT source_id, CASE WHEN campaign_id = 0 THEN NULL ELSE campaign_id END,
                CASE WHEN reached = -1 THEN NULL ELSE reached END,
                CAST(SUM(inquiries) AS BIGINT), CAST(SUM(contacted) AS BIGINT)
         FROM roi_created WHERE day >= $1 AND day < $2
         GROUP BY source_id, campaign_id, reached
         HAVING SUM(inquiries) > 0",
    )
    .bind(from_day)
    .bind(to_day)
    .fetch_all(conn)
    .await
}

/// The rollup's close-outs of the UTC days `[from_day, to_day)`, in the rows of [`closed`].
pub async fn closed_days(
    conn: &mut AnyConnection,
    (from_day, to_day): (i64, i64),
) -> Result<Vec<ClosedRow>, sqlx::Error> {
    type Row = (i64, i64, String, String, String, i64, i64, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT source_id, campaign_id, kind, reason, currency, CAST(SUM(leads) AS BIGINT),
                CAST(SUM(valued) AS BIGINT), CAST(SUM(value_cents) AS BIGINT)
         FROM roi_closed WHERE day >= $1 AND day < $2
         GROUP BY source_id, campaign_id, kind, reason, currency
         HAVING SUM(leads) > 0",
    )
    .bind(from_day)
    .bind(to_day)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(source, campaign, kind, reason, currency, leads, valued, value)| {
                (
                    source,
                    (campaign != 0).then_some(campaign),
                    kind,
                    (!reason.is_empty()).then_some(reason),
                    currency,
                    leads,
                    (valued > 0).then_some(value),
                )
            },
        )
        .collect())
}

/// Spent in `[from, to)` per campaign and currency: (campaign, currency, amount).
pub async fn spend(
    conn: &mut AnyConnection,
    (from, to): (Timestamp, Timestamp),
) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT campaign_id, currency, CAST(SUM(amount_cents) AS BIGINT) FROM campaign_spend
         WHERE spent_at >= $1 AND spent_at < $2
         GROUP BY campaign_id, currency",
    )
    .bind(from.0)
    .bind(to.0)
    .fetch_all(conn)
    .await
}

/// A campaign as the report names it.
#[derive(Clone, Debug)]
pub struct CampaignRow {
    pub id: i64,
    pub source_id: i64,
    pub name: String,
    pub budget_cents: Option<i64>,
    pub currency: String,
}

pub async fn campaigns(conn: &mut AnyConnection) -> Result<Vec<CampaignRow>, sqlx::Error> {
    let rows: Vec<(i64, i64, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT id, source_id, name, budget_cents, currency FROM campaigns ORDER BY name",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, source_id, name, budget_cents, currency)| CampaignRow {
                id,
                source_id,
                name,
                budget_cents,
                currency,
            },
        )
        .collect())
}

/// Every source: (id, name, channel key).
pub async fn sources(conn: &mut AnyConnection) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, channel FROM sources ORDER BY name")
        .fetch_all(conn)
        .await
}

/// How long leads stayed in a stage before a move out of it in `[from, to)`: (stage left,
/// milliseconds in it). The stay starts at the lead's previous move (or its creation), whenever
/// that was; `stage_stays` keeps one row per move, written by a trigger on the event log
/// (migration 0014), so this reads the period from its covering index.
pub async fn stays(
    conn: &mut AnyConnection,
    (from, to): (Timestamp, Timestamp),
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT stage_id, ms FROM stage_stays WHERE left_at >= $1 AND left_at < $2")
        .bind(from.0)
        .bind(to.0)
        .fetch_all(conn)
        .await
}

/// The sales cycle of the leads won in `[from, to)`: milliseconds from inquiry to win.
pub async fn won_cycles(
    conn: &mut AnyConnection,
    (from, to): (Timestamp, Timestamp),
) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT CAST(l.closed_at - l.created_at AS BIGINT)
         FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE l.closed_at >= $1 AND l.closed_at < $2 AND s.kind = 'won'",
    )
    .bind(from.0)
    .bind(to.0)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(d,)| d).collect())
}

/// Marketing's inquiry target for `year`.
pub async fn target(conn: &mut AnyConnection, year: i64) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT target FROM inquiry_targets WHERE year = $1")
        .bind(year)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(t,)| t))
}

/// Sets (or replaces) the inquiry target of `year`.
pub async fn set_target(
    conn: &mut AnyConnection,
    year: i64,
    target: i64,
    by: i64,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO inquiry_targets (year, target, set_by, set_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (year) DO UPDATE SET target = $2, set_by = $3, set_at = $4",
    )
    .bind(year)
    .bind(target)
    .bind(by)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Leads created in `[from, to)`, and leads won (closed in a won stage) in it: whole UTC days
/// from the rollups, the partial days at the ends from the leads' covering indexes.
pub async fn inquiries_and_wins(
    conn: &mut AnyConnection,
    (from, to): (Timestamp, Timestamp),
) -> Result<(i64, i64), sqlx::Error> {
    let (days, edges) = crate::domain::roi::day_split(from, to);
    let (mut inquiries, mut wins) = (0, 0);
    if let Some((first, end)) = days {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(inquiries), 0) AS BIGINT) FROM roi_created
             WHERE day >= $1 AND day < $2",
        )
        .bind(first)
        .bind(end)
        .fetch_one(&mut *conn)
        .await?;
        let (w,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(leads), 0) AS BIGINT) FROM roi_closed
             WHERE kind = 'won' AND day >= $1 AND day < $2",
        )
        .bind(first)
        .bind(end)
        .fetch_one(&mut *conn)
        .await?;
        inquiries += n;
        wins += w;
    }
    for (a, b) in edges {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM leads WHERE created_at >= $1 AND created_at < $2")
                .bind(a.0)
                .bind(b.0)
                .fetch_one(&mut *conn)
                .await?;
        let (w,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM leads l JOIN stages s ON s.id = l.stage_id
             WHERE l.closed_at >= $1 AND l.closed_at < $2 AND s.kind = 'won'",
        )
        .bind(a.0)
        .bind(b.0)
        .fetch_one(&mut *conn)
        .await?;
        inquiries += n;
        wins += w;
    }
    Ok((inquiries, wins))
}
