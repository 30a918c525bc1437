//! Lead rows: reading cards and column summaries, and writing a move.

use super::decode_key;
use crate::domain::{
    Channel, CloseReason, ColumnSummary, Currency, Lead, LeadId, LeadScope, Money, NextStep,
    NextStepKind, StageId, StageKind, TeamId, Timestamp, UserRef,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

/// A lead as selected by `SELECT_LEAD`: joined with its source, campaign and owner.
struct LeadRow {
    id: i64,
    version: i64,
    contact_name: String,
    email: Option<String>,
    phone: Option<String>,
    company: Option<String>,
    channel: String,
    source_name: String,
    campaign_name: Option<String>,
    value_cents: Option<i64>,
    currency: String,
    owner_id: Option<i64>,
    owner_name: Option<String>,
    team_id: Option<i64>,
    stage_id: i64,
    next_step_kind: Option<String>,
    next_step_due_at: Option<i64>,
    next_step_note: Option<String>,
    created_at: i64,
    updated_at: i64,
    first_touched_at: Option<i64>,
    last_touched_at: Option<i64>,
    stage_entered_at: i64,
    closed_at: Option<i64>,
    close_reason: Option<String>,
    close_note: Option<String>,
}

impl FromRow<'_, AnyRow> for LeadRow {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(LeadRow {
            id: r.try_get("id")?,
            version: r.try_get("version")?,
            contact_name: r.try_get("contact_name")?,
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
            company: r.try_get("company")?,
            channel: r.try_get("channel")?,
            source_name: r.try_get("source_name")?,
            campaign_name: r.try_get("campaign_name")?,
            value_cents: r.try_get("value_cents")?,
            currency: r.try_get("currency")?,
            owner_id: r.try_get("owner_id")?,
            owner_name: r.try_get("owner_name")?,
            team_id: r.try_get("team_id")?,
            stage_id: r.try_get("stage_id")?,
            next_step_kind: r.try_get("next_step_kind")?,
            next_step_due_at: r.try_get("next_step_due_at")?,
            next_step_note: r.try_get("next_step_note")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            first_touched_at: r.try_get("first_touched_at")?,
            last_touched_at: r.try_get("last_touched_at")?,
            stage_entered_at: r.try_get("stage_entered_at")?,
            closed_at: r.try_get("closed_at")?,
            close_reason: r.try_get("close_reason")?,
            close_note: r.try_get("close_note")?,
        })
    }
}

impl TryFrom<LeadRow> for Lead {
    type Error = sqlx::Error;

    fn try_from(r: LeadRow) -> Result<Self, sqlx::Error> {
        let currency = Currency::parse(&r.currency).map_err(|e| sqlx::Error::ColumnDecode {
            index: "currency".into(),
            source: e.into(),
        })?;
        let next_step = match (r.next_step_kind, r.next_step_due_at) {
            (Some(kind), Some(due)) => Some(NextStep {
                kind: decode_key("next_step_kind", &kind, NextStepKind::parse)?,
                due_at: Timestamp(due),
                note: r.next_step_note,
            }),
            _ => None,
        };
        Ok(Lead {
            id: LeadId(r.id),
            version: r.version,
            contact_name: r.contact_name,
            email: r.email,
            phone: r.phone,
            company: r.company,
            channel: decode_key("channel", &r.channel, Channel::parse)?,
            source_name: r.source_name,
            campaign_name: r.campaign_name,
            value: r.value_cents.map(|c| Money::new(c, currency)),
            owner: match (r.owner_id, r.owner_name) {
                (Some(id), Some(name)) => Some(UserRef { id, name }),
                _ => None,
            },
            team_id: r.team_id.map(TeamId),
            stage_id: StageId(r.stage_id),
            next_step,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
            first_touched_at: r.first_touched_at.map(Timestamp),
            last_touched_at: r.last_touched_at.map(Timestamp),
            stage_entered_at: Timestamp(r.stage_entered_at),
            closed_at: r.closed_at.map(Timestamp),
            close_reason: r
                .close_reason
                .map(|k| decode_key("close_reason", &k, CloseReason::parse))
                .transpose()?,
            close_note: r.close_note,
        })
    }
}

const SELECT_LEAD: &str = "\
SELECT l.id, l.version, l.contact_name, l.email, l.phone, l.company,
       s.channel, s.name AS source_name, c.name AS campaign_name,
       l.value_cents, l.currency, l.owner_id, u.name AS owner_name, l.team_id, l.stage_id,
       l.next_step_kind, l.next_step_due_at, l.next_step_note,
       l.created_at, l.updated_at, l.first_touched_at, l.last_touched_at,
       l.stage_entered_at, l.closed_at, l.close_reason, l.close_note
FROM leads l
JOIN sources s ON s.id = l.source_id
LEFT JOIN campaigns c ON c.id = l.campaign_id
LEFT JOIN users u ON u.id = l.owner_id";

fn rows_to_leads(rows: Vec<LeadRow>) -> Result<Vec<Lead>, sqlx::Error> {
    rows.into_iter().map(Lead::try_from).collect()
}

/// One lead by id.
pub async fn lead(conn: &mut AnyConnection, id: LeadId) -> Result<Option<Lead>, sqlx::Error> {
    let row: Option<LeadRow> = sqlx::query_as(&format!("{SELECT_LEAD} WHERE l.id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.map(Lead::try_from).transpose()
}

/// A scope as SQL: a condition on the `leads` table aliased `l` and its parameters, numbered
/// from `$first`. Ids are bound, never formatted into the SQL.
fn scope_filter(scope: &LeadScope, first: usize) -> (String, Vec<i64>) {
    match scope {
        LeadScope::All => ("TRUE".into(), Vec::new()),
        LeadScope::Owner(user) => (format!("l.owner_id = ${first}"), vec![user.0]),
        LeadScope::Teams { teams, also_owner } => {
            let mut params: Vec<i64> = teams.iter().map(|t| t.0).collect();
            let mut sql = if teams.is_empty() {
                "FALSE".to_string()
            } else {
                let marks: Vec<String> = (0..teams.len())
                    .map(|i| format!("${}", first + i))
                    .collect();
                format!("l.team_id IN ({})", marks.join(", "))
            };
            if let Some(owner) = also_owner {
                sql = format!("({sql} OR l.owner_id = ${})", first + params.len());
                params.push(owner.0);
            }
            (sql, params)
        }
    }
}

/// Count and value per currency of every stage that has leads in `scope`, computed in SQL.
pub async fn column_summaries(
    conn: &mut AnyConnection,
    scope: &LeadScope,
) -> Result<Vec<ColumnSummary>, sqlx::Error> {
    let (filter, params) = scope_filter(scope, 1);
    // CAST: PostgreSQL's SUM(bigint) is numeric, which the Any driver cannot decode.
    let sql = format!(
        "SELECT l.stage_id, l.currency, COUNT(*), CAST(COALESCE(SUM(l.value_cents), 0) AS BIGINT)
         FROM leads l WHERE {filter} GROUP BY l.stage_id, l.currency ORDER BY l.stage_id"
    );
    let mut query = sqlx::query_as(&sql);
    for p in params {
        query = query.bind(p);
    }
    let rows: Vec<(i64, String, i64, i64)> = query.fetch_all(conn).await?;
    let mut out: Vec<ColumnSummary> = Vec::new();
    for (stage, currency, count, total) in rows {
        let currency = Currency::parse(&currency).map_err(|e| sqlx::Error::ColumnDecode {
            index: "currency".into(),
            source: e.into(),
        })?;
        let col = match out.iter_mut().find(|c| c.stage_id.0 == stage) {
            Some(c) => c,
            None => {
                out.push(ColumnSummary::empty(StageId(stage)));
                out.last_mut().expect("just pushed")
            }
        };
        col.count += count;
        if total != 0 {
            col.totals.push(Money::new(total, currency));
        }
    }
    for c in &mut out {
        c.totals.sort_by_key(|m| std::cmp::Reverse(m.cents));
    }
    Ok(out)
}

/// The first `limit` cards of a stage in `scope`, in board order (see
/// `domain::board::open_card_order`).
pub async fn column_cards(
    conn: &mut AnyConnection,
    scope: &LeadScope,
    stage: StageId,
    kind: StageKind,
    limit: i64,
) -> Result<Vec<Lead>, sqlx::Error> {
    let order = if kind.is_closed() {
        "l.closed_at DESC, l.id DESC"
    } else {
        "(l.next_step_due_at IS NOT NULL), l.next_step_due_at, l.id"
    };
    let (filter, params) = scope_filter(scope, 3);
    let sql = format!("{SELECT_LEAD} WHERE l.stage_id = $1 AND {filter} ORDER BY {order} LIMIT $2");
    let mut query = sqlx::query_as(&sql).bind(stage.0).bind(limit);
    for p in params {
        query = query.bind(p);
    }
    let rows: Vec<LeadRow> = query.fetch_all(conn).await?;
    rows_to_leads(rows)
}

/// Writes the stage-related fields of `moved` if the row is still at `expected_version`.
/// Returns false when someone else changed the lead first (nothing is written then).
pub async fn write_move(
    conn: &mut AnyConnection,
    moved: &Lead,
    expected_version: i64,
) -> Result<bool, sqlx::Error> {
    let step = moved.next_step.as_ref();
    let done = sqlx::query(
        "UPDATE leads SET stage_id = $1, stage_entered_at = $2, updated_at = $3, version = $4,
                closed_at = $5, close_reason = $6, close_note = $7,
                next_step_kind = $8, next_step_due_at = $9, next_step_note = $10
         WHERE id = $11 AND version = $12",
    )
    .bind(moved.stage_id.0)
    .bind(moved.stage_entered_at.0)
    .bind(moved.updated_at.0)
    .bind(moved.version)
    .bind(moved.closed_at.map(|t| t.0))
    .bind(moved.close_reason.map(|r| r.key()))
    .bind(moved.close_note.as_deref())
    .bind(step.map(|s| s.kind.key()))
    .bind(step.map(|s| s.due_at.0))
    .bind(step.and_then(|s| s.note.as_deref()))
    .bind(moved.id.0)
    .bind(expected_version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the lead to `owner` (in `team`) if the row is still at `expected_version`.
pub async fn write_owner(
    conn: &mut AnyConnection,
    id: LeadId,
    owner: crate::domain::UserId,
    team: Option<TeamId>,
    expected_version: i64,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE leads SET owner_id = $1, team_id = $2, assigned_at = $3, updated_at = $3,
                version = version + 1
         WHERE id = $4 AND version = $5",
    )
    .bind(owner.0)
    .bind(team.map(|t| t.0))
    .bind(at.0)
    .bind(id.0)
    .bind(expected_version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A lead to insert (demo data, and later intake).
#[derive(Clone, Debug)]
pub struct NewLead {
    pub contact_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub source_id: i64,
    pub campaign_id: Option<i64>,
    pub product_interest: Option<String>,
    pub value: Option<Money>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub stage_id: StageId,
    pub next_step: Option<NextStep>,
    pub created_at: Timestamp,
    pub assigned_at: Option<Timestamp>,
    pub first_touched_at: Option<Timestamp>,
    pub last_touched_at: Option<Timestamp>,
    pub stage_entered_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub close_reason: Option<CloseReason>,
    pub close_note: Option<String>,
    pub version: i64,
    pub updated_at: Timestamp,
}

/// Inserts a lead and returns its id.
pub async fn insert_lead(conn: &mut AnyConnection, l: &NewLead) -> Result<LeadId, sqlx::Error> {
    let step = l.next_step.as_ref();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO leads (contact_name, email, phone, company, source_id, campaign_id,
            product_interest, value_cents, currency, owner_id, stage_id,
            next_step_kind, next_step_due_at, next_step_note,
            created_at, updated_at, assigned_at, first_touched_at, last_touched_at,
            stage_entered_at, closed_at, close_reason, close_note, version, team_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
            $19, $20, $21, $22, $23, $24, $25)
         RETURNING id",
    )
    .bind(&l.contact_name)
    .bind(l.email.as_deref())
    .bind(l.phone.as_deref())
    .bind(l.company.as_deref())
    .bind(l.source_id)
    .bind(l.campaign_id)
    .bind(l.product_interest.as_deref())
    .bind(l.value.map(|v| v.cents))
    .bind(
        l.value
            .map_or_else(|| "USD".to_string(), |v| v.currency.code().to_string()),
    )
    .bind(l.owner_id)
    .bind(l.stage_id.0)
    .bind(step.map(|s| s.kind.key()))
    .bind(step.map(|s| s.due_at.0))
    .bind(step.and_then(|s| s.note.as_deref()))
    .bind(l.created_at.0)
    .bind(l.updated_at.0)
    .bind(l.assigned_at.map(|t| t.0))
    .bind(l.first_touched_at.map(|t| t.0))
    .bind(l.last_touched_at.map(|t| t.0))
    .bind(l.stage_entered_at.0)
    .bind(l.closed_at.map(|t| t.0))
    .bind(l.close_reason.map(|r| r.key()))
    .bind(l.close_note.as_deref())
    .bind(l.version)
    .bind(l.team_id)
    .fetch_one(conn)
    .await?;
    Ok(LeadId(id))
}

/// Number of leads in the database.
pub async fn count(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM leads")
        .fetch_one(conn)
        .await?;
    Ok(n)
}
