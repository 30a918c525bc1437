//! Organisation data: stages, teams, users, sources, campaigns, spend and activities.

use crate::domain::{Channel, LeadId, Money, Timestamp};
use sqlx::AnyConnection;

/// Adds a team, working in the first pipeline.
pub async fn insert_team(
    conn: &mut AnyConnection,
    name: &str,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) =
        sqlx::query_as("INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(now.0)
            .fetch_one(&mut *conn)
            .await?;
    super::pipelines::join_default(conn, crate::domain::TeamId(id)).await?;
    Ok(id)
}

pub async fn set_team_manager(
    conn: &mut AnyConnection,
    team_id: i64,
    manager_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE teams SET manager_id = $1 WHERE id = $2")
        .bind(manager_id)
        .bind(team_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_user(
    conn: &mut AnyConnection,
    email: &str,
    name: &str,
    role: &str,
    team_id: Option<i64>,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (email, name, role, team_id, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(role)
    .bind(team_id)
    .bind(now.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn insert_source(
    conn: &mut AnyConnection,
    name: &str,
    channel: Channel,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO sources (name, channel, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(channel.key())
    .bind(now.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn insert_campaign(
    conn: &mut AnyConnection,
    source_id: i64,
    name: &str,
    starts_at: Timestamp,
    ends_at: Option<Timestamp>,
    budget: Option<Money>,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO campaigns (source_id, name, starts_at, ends_at, created_at, budget_cents,
            currency)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(source_id)
    .bind(name)
    .bind(starts_at.0)
    .bind(ends_at.map(|t| t.0))
    .bind(starts_at.0)
    .bind(budget.map(|b| b.cents))
    .bind(budget.map_or_else(|| "USD".to_string(), |b| b.currency.code().to_string()))
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Changes a campaign (its budget, if any, in `currency`); false when there is no such
/// campaign.
pub async fn update_campaign(
    conn: &mut AnyConnection,
    id: i64,
    c: &crate::domain::campaign::CampaignInput,
    currency: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE campaigns SET source_id = $1, name = $2, starts_at = $3, ends_at = $4,
            budget_cents = $5, currency = $6
         WHERE id = $7",
    )
    .bind(c.source_id)
    .bind(&c.name)
    .bind(c.starts_at.0)
    .bind(c.ends_at.map(|t| t.0))
    .bind(c.budget.map(|b| b.cents))
    .bind(currency)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A campaign with what it has cost and brought so far.
#[derive(Clone, Debug)]
pub struct CampaignTotals {
    pub id: i64,
    pub source_id: i64,
    pub name: String,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub budget_cents: Option<i64>,
    pub currency: String,
    /// Spent in the campaign's currency, over all time.
    pub spent_cents: i64,
    pub spend_entries: i64,
    pub leads: i64,
}

/// Every campaign, newest first, with its spend and lead counts.
pub async fn campaign_totals(conn: &mut AnyConnection) -> Result<Vec<CampaignTotals>, sqlx::Error> {
    type Row = (
        i64,
        i64,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        String,
        i64,
        i64,
        i64,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.id, c.source_id, c.name, c.starts_at, c.ends_at, c.budget_cents, c.currency,
            CAST(COALESCE((SELECT SUM(s.amount_cents) FROM campaign_spend s
                WHERE s.campaign_id = c.id AND s.currency = c.currency), 0) AS BIGINT),
            (SELECT COUNT(*) FROM campaign_spend s WHERE s.campaign_id = c.id),
            (SELECT COUNT(*) FROM leads l WHERE l.campaign_id = c.id)
         FROM campaigns c ORDER BY c.starts_at DESC, c.id DESC",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CampaignTotals {
            id: r.0,
            source_id: r.1,
            name: r.2,
            starts_at: Timestamp(r.3),
            ends_at: r.4.map(Timestamp),
            budget_cents: r.5,
            currency: r.6,
            spent_cents: r.7,
            spend_entries: r.8,
            leads: r.9,
        })
        .collect())
}

/// A campaign's spend entries, newest first: (id, date, amount, currency, note).
pub async fn spend_of(
    conn: &mut AnyConnection,
    campaign_id: i64,
) -> Result<Vec<(i64, Timestamp, i64, String, Option<String>)>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT id, spent_at, amount_cents, currency, note FROM campaign_spend
         WHERE campaign_id = $1 ORDER BY spent_at DESC, id DESC",
    )
    .bind(campaign_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, at, cents, cur, note)| (id, Timestamp(at), cents, cur, note))
        .collect())
}

/// Every spend entry with its campaign and source, oldest first: (campaign, source, spent at,
/// amount, currency, note).
pub async fn all_spend(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, String, Timestamp, i64, String, Option<String>)>, sqlx::Error> {
    let rows: Vec<(String, String, i64, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT c.name, s.name, cs.spent_at, cs.amount_cents, cs.currency, cs.note
         FROM campaign_spend cs
         JOIN campaigns c ON c.id = cs.campaign_id
         JOIN sources s ON s.id = c.source_id
         ORDER BY cs.spent_at, c.name, cs.id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(c, s, at, cents, cur, note)| (c, s, Timestamp(at), cents, cur, note))
        .collect())
}

/// Removes a spend entry; false when there was none.
pub async fn delete_spend(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM campaign_spend WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_spend(
    conn: &mut AnyConnection,
    campaign_id: i64,
    spent_at: Timestamp,
    amount: Money,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO campaign_spend (campaign_id, spent_at, amount_cents, currency, note)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(campaign_id)
    .bind(spent_at.0)
    .bind(amount.cents)
    .bind(amount.currency.code().to_string())
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

/// Logs a touch on a lead.
#[allow(clippy::too_many_arguments)]
pub async fn insert_activity(
    conn: &mut AnyConnection,
    lead_id: LeadId,
    actor_id: Option<i64>,
    kind: &str,
    outcome: Option<&str>,
    note: Option<&str>,
    occurred_at: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO activities (lead_id, actor_id, kind, outcome, note, occurred_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(lead_id.0)
    .bind(actor_id)
    .bind(kind)
    .bind(outcome)
    .bind(note)
    .bind(occurred_at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// An activity to insert with an id of its own: (id, lead, actor, kind, outcome, note, when).
pub type ActivityRow<'a> = (
    i64,
    LeadId,
    Option<i64>,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Timestamp,
);

/// Inserts activities with multi-row statements.
pub async fn insert_activities(
    conn: &mut AnyConnection,
    rows: &[ActivityRow<'_>],
) -> Result<(), sqlx::Error> {
    use super::Cell::{Int, OptText, Text};
    for chunk in rows.chunks(super::ROWS_PER_STATEMENT) {
        let (values, texts) = super::value_rows_for(
            conn,
            chunk
                .iter()
                .map(|(id, lead, actor, kind, outcome, note, at)| {
                    vec![
                        Int(Some(*id)),
                        Int(Some(lead.0)),
                        Int(*actor),
                        Text(kind),
                        OptText(*outcome),
                        OptText(*note),
                        Int(Some(at.0)),
                        Int(Some(at.0)),
                    ]
                }),
            false,
        );
        let sql = format!(
            "INSERT INTO activities (id, lead_id, actor_id, kind, outcome, note, occurred_at,
                                     created_at) VALUES {values}"
        );
        super::execute_with(&mut *conn, &sql, texts).await?;
    }
    Ok(())
}

/// Row counts of the main tables, for start-up logs and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub teams: i64,
    pub users: i64,
    pub stages: i64,
    pub sources: i64,
    pub campaigns: i64,
    pub spend_entries: i64,
    pub leads: i64,
    pub activities: i64,
    pub events: i64,
}

pub async fn counts(conn: &mut AnyConnection) -> Result<Counts, sqlx::Error> {
    let (teams, users, stages, sources, campaigns, spend_entries, leads, activities, events): (
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM teams), (SELECT COUNT(*) FROM users),
                (SELECT COUNT(*) FROM stages), (SELECT COUNT(*) FROM sources),
                (SELECT COUNT(*) FROM campaigns), (SELECT COUNT(*) FROM campaign_spend),
                (SELECT COUNT(*) FROM leads), (SELECT COUNT(*) FROM activities),
                (SELECT COUNT(*) FROM events)",
    )
    .fetch_one(conn)
    .await?;
    Ok(Counts {
        teams,
        users,
        stages,
        sources,
        campaigns,
        spend_entries,
        leads,
        activities,
        events,
    })
}

/// Every campaign, newest first.
pub async fn campaigns(
    conn: &mut AnyConnection,
) -> Result<Vec<crate::domain::account::Campaign>, sqlx::Error> {
    let rows: Vec<(i64, i64, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, source_id, name, starts_at, ends_at FROM campaigns
         ORDER BY starts_at DESC, id DESC",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, source_id, name, starts, ends)| crate::domain::account::Campaign {
                id,
                source_id,
                name,
                starts_at: Timestamp(starts),
                ends_at: ends.map(Timestamp),
            },
        )
        .collect())
}

/// Every user as colleagues see them, by name.
pub async fn people(
    conn: &mut AnyConnection,
) -> Result<Vec<crate::domain::account::Person>, sqlx::Error> {
    type Row = (i64, String, String, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, role, team_id, deactivated_at FROM users ORDER BY name, id",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, name, role, team, deactivated)| {
            Ok(crate::domain::account::Person {
                id: crate::domain::UserId(id),
                name,
                role: super::decode_key("role", &role, crate::domain::Role::parse)?,
                team_id: team.map(crate::domain::TeamId),
                active: deactivated.is_none(),
            })
        })
        .collect()
}

/// Whether a source exists.
pub async fn source_exists(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM sources WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// A source's name.
pub async fn source_name(conn: &mut AnyConnection, id: i64) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM sources WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(n,)| n))
}

/// The source a campaign belongs to (none: no such campaign).
pub async fn campaign_source(
    conn: &mut AnyConnection,
    campaign: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT source_id FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(s,)| s))
}

/// Whether another campaign than `except` is called `name` (case folded).
pub async fn campaign_name_taken(
    conn: &mut AnyConnection,
    name: &str,
    except: i64,
) -> Result<bool, sqlx::Error> {
    let (taken,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM campaigns WHERE LOWER(name) = LOWER($1) AND id <> $2")
            .bind(name)
            .bind(except)
            .fetch_one(conn)
            .await?;
    Ok(taken > 0)
}

/// A campaign's currency code (none: no such campaign).
pub async fn campaign_currency(
    conn: &mut AnyConnection,
    campaign: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT currency FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(c,)| c))
}

/// Every campaign: (id, name, currency code).
pub async fn campaign_names(
    conn: &mut AnyConnection,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, currency FROM campaigns")
        .fetch_all(conn)
        .await
}

/// A stage's id by its key.
pub async fn stage_id(conn: &mut AnyConnection, key: &str) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM stages WHERE key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(id,)| id))
}
