//! Lead rows: the row mapping, reading one lead or many, and writing a change. Filtering and
//! paging (`filter`), the sweep's reads (`judging`) and inserts (`insert`) are beside it.

mod filter;
mod insert;
mod judging;

pub use filter::*;
pub use insert::*;
pub use judging::*;

use super::decode_key;
use crate::domain::{
    Channel, CloseReason, Currency, Lead, LeadId, Money, NextStep, NextStepKind, StageId, TeamId,
    Timestamp, UserRef,
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
    source_id: i64,
    source_name: String,
    campaign_id: Option<i64>,
    campaign_name: Option<String>,
    product_interest: Option<String>,
    score: Option<i64>,
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
    score_reasons: Option<String>,
    suggest_close: Option<String>,
    fields: Option<String>,
    expected_close: Option<String>,
    committed: i64,
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
            source_id: r.try_get("source_id")?,
            source_name: r.try_get("source_name")?,
            campaign_id: r.try_get("campaign_id")?,
            campaign_name: r.try_get("campaign_name")?,
            product_interest: r.try_get("product_interest")?,
            score: r.try_get("score")?,
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
            score_reasons: r.try_get("score_reasons")?,
            suggest_close: r.try_get("suggest_close")?,
            fields: r.try_get("fields")?,
            expected_close: r.try_get("expected_close")?,
            committed: r.try_get("committed")?,
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
            source_id: r.source_id,
            source_name: r.source_name,
            campaign_id: r.campaign_id,
            campaign_name: r.campaign_name,
            product_interest: r.product_interest,
            value: r.value_cents.map(|c| Money::new(c, currency)),
            score: r.score,
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
            score_reasons: r
                .score_reasons
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default(),
            suggest_close: r.suggest_close,
            fields: r
                .fields
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default(),
            expected_close: r.expected_close,
            committed: r.committed != 0,
        })
    }
}

const SELECT_LEAD: &str = "\
SELECT l.id, l.version, l.contact_name, l.email, l.phone, l.company,
       s.channel, l.source_id, s.name AS source_name, l.campaign_id, c.name AS campaign_name,
       l.product_interest, l.score,
       l.value_cents, l.currency, l.owner_id, u.name AS owner_name, l.team_id, l.stage_id,
       l.next_step_kind, l.next_step_due_at, l.next_step_note,
       l.created_at, l.updated_at, l.first_touched_at, l.last_touched_at,
       l.stage_entered_at, l.closed_at, l.close_reason, l.close_note,
       l.score_reasons, l.suggest_close, l.fields, l.expected_close, l.committed
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

/// The open leads `owner` owns, whole, oldest first (My day judges each).
pub async fn open_owned_by(conn: &mut AnyConnection, owner: i64) -> Result<Vec<Lead>, sqlx::Error> {
    let rows: Vec<LeadRow> = sqlx::query_as(&format!(
        "{SELECT_LEAD} WHERE l.owner_id = $1 AND l.closed_at IS NULL ORDER BY l.id"
    ))
    .bind(owner)
    .fetch_all(conn)
    .await?;
    rows_to_leads(rows)
}

/// Open leads of these teams whose next step was due before `now`, owned by someone other than
/// `not_owner` (a manager's view of the team's overdue work), most overdue first, at most 200.
pub async fn overdue_in_teams(
    conn: &mut AnyConnection,
    teams: &[i64],
    not_owner: i64,
    now: Timestamp,
) -> Result<Vec<Lead>, sqlx::Error> {
    if teams.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<LeadRow> = sqlx::query_as(&format!(
        "{SELECT_LEAD} WHERE l.team_id IN ({}) AND l.closed_at IS NULL
             AND l.next_step_due_at < $1 AND (l.owner_id IS NULL OR l.owner_id <> $2)
         ORDER BY l.next_step_due_at, l.id LIMIT 200",
        super::id_list(teams.iter().copied())
    ))
    .bind(now.0)
    .bind(not_owner)
    .fetch_all(conn)
    .await?;
    rows_to_leads(rows)
}

/// The leads with these ids (those that exist), in no particular order.
pub async fn by_ids(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Lead>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<LeadRow> = sqlx::query_as(&format!(
        "{SELECT_LEAD} WHERE l.id IN ({})",
        super::id_list(ids.iter().copied())
    ))
    .fetch_all(conn)
    .await?;
    rows_to_leads(rows)
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
                version = version + 1, facts_at = NULL, judge_at = 0
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

/// Number of leads in the database.
pub async fn count(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM leads")
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// Writes every field a rep can change (details, value, stage, close-out, next step, touch
/// times) if the row is still at `expected_version`. Returns false when someone else changed
/// the lead first; nothing is written then.
pub async fn write(
    conn: &mut AnyConnection,
    lead: &Lead,
    expected_version: i64,
) -> Result<bool, sqlx::Error> {
    let step = lead.next_step.as_ref();
    let done = sqlx::query(
        "UPDATE leads SET contact_name = $1, email = $2, phone = $3, company = $4,
                product_interest = $5, value_cents = $6, currency = $7,
                stage_id = $8, stage_entered_at = $9, closed_at = $10, close_reason = $11,
                close_note = $12, next_step_kind = $13, next_step_due_at = $14,
                next_step_note = $15, first_touched_at = $16, last_touched_at = $17,
                updated_at = $18, version = $19, facts_at = NULL, judge_at = 0, fields = $22,
                expected_close = $23, committed = $24,
                reached_position = (SELECT CASE WHEN s.kind = 'lost'
                        OR s.position <= COALESCE(leads.reached_position, -1)
                    THEN leads.reached_position ELSE s.position END
                    FROM stages s WHERE s.id = $8)
         WHERE id = $20 AND version = $21",
    )
    .bind(&lead.contact_name)
    .bind(lead.email.as_deref())
    .bind(lead.phone.as_deref())
    .bind(lead.company.as_deref())
    .bind(lead.product_interest.as_deref())
    .bind(lead.value.map(|v| v.cents))
    .bind(
        lead.value
            .map_or_else(|| "USD".to_string(), |v| v.currency.code().to_string()),
    )
    .bind(lead.stage_id.0)
    .bind(lead.stage_entered_at.0)
    .bind(lead.closed_at.map(|t| t.0))
    .bind(lead.close_reason.map(|r| r.key()))
    .bind(lead.close_note.as_deref())
    .bind(step.map(|s| s.kind.key()))
    .bind(step.map(|s| s.due_at.0))
    .bind(step.and_then(|s| s.note.as_deref()))
    .bind(lead.first_touched_at.map(|t| t.0))
    .bind(lead.last_touched_at.map(|t| t.0))
    .bind(lead.updated_at.0)
    .bind(lead.version)
    .bind(lead.id.0)
    .bind(expected_version)
    .bind(fields_json(&lead.fields))
    .bind(lead.expected_close.as_deref())
    .bind(i64::from(lead.committed))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a lead's expected close date and commitment as they are (the demo's data; people's
/// changes go through `write` with the lead's version).
pub async fn set_forecast(
    conn: &mut AnyConnection,
    id: LeadId,
    expected_close: Option<&str>,
    committed: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE leads SET expected_close = $1, committed = $2 WHERE id = $3")
        .bind(expected_close)
        .bind(i64::from(committed))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// A lead's custom values as stored: a JSON object, or NULL when there are none.
pub fn fields_json(values: &crate::domain::fields::FieldValues) -> Option<String> {
    (!values.is_empty()).then(|| serde_json::to_string(values).unwrap_or_else(|_| "{}".into()))
}

/// A logged activity with its author's name.
#[derive(Clone, Debug)]
pub struct ActivityRow {
    pub at: i64,
    pub actor: Option<String>,
    pub kind: String,
    pub outcome: Option<String>,
    pub note: Option<String>,
    /// The shared mailbox's message it was filed from.
    pub mail_id: Option<i64>,
}

/// The newest `limit` activities of a lead, newest first.
pub async fn activities(
    conn: &mut AnyConnection,
    lead: LeadId,
    limit: i64,
) -> Result<Vec<ActivityRow>, sqlx::Error> {
    type Row = (
        i64,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT a.occurred_at, u.name, a.kind, a.outcome, a.note, m.id
             FROM activities a LEFT JOIN users u ON u.id = a.actor_id
             LEFT JOIN mail_messages m ON m.activity_id = a.id
             WHERE a.lead_id = $1 ORDER BY a.occurred_at DESC, a.id DESC LIMIT $2",
    )
    .bind(lead.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, actor, kind, outcome, note, mail_id)| ActivityRow {
            at,
            actor,
            kind,
            outcome,
            note,
            mail_id,
        })
        .collect())
}

/// A user's display name by id.
pub async fn user_name(conn: &mut AnyConnection, id: i64) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.0))
}

/// A new version of a lead that something was added to (an inquiry), to be judged again by
/// the sweep at once.
pub async fn bump(
    conn: &mut AnyConnection,
    lead: LeadId,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE leads SET version = version + 1, updated_at = $2, judge_at = 0 WHERE id = $1",
    )
    .bind(lead.0)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// A lead's contact and company.
pub async fn person_of(
    conn: &mut AnyConnection,
    lead: LeadId,
) -> Result<Option<(Option<i64>, Option<i64>)>, sqlx::Error> {
    sqlx::query_as("SELECT contact_id, company_id FROM leads WHERE id = $1")
        .bind(lead.0)
        .fetch_optional(conn)
        .await
}

/// Open leads with an owner, a contact and a company named, by id (`limit` of them after
/// skipping `offset`): (lead, contact, company).
pub async fn open_with_company(
    conn: &mut AnyConnection,
    limit: i64,
    offset: i64,
) -> Result<Vec<(i64, i64, Option<i64>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, contact_id, company_id FROM leads
         WHERE closed_at IS NULL AND company IS NOT NULL AND owner_id IS NOT NULL
           AND contact_id IS NOT NULL
         ORDER BY id LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await
}
