//! Assignment rules and the people they choose from (`domain::routing`).

use crate::domain::routing::{Conditions, Person, Rule, Strategy};
use crate::domain::{LeadId, TeamId, Timestamp, UserId};
use sqlx::AnyConnection;

type RuleRow = (i64, String, i64, String, i64, String, Option<i64>);

/// Every rule in order.
pub async fn rules(conn: &mut AnyConnection) -> Result<Vec<Rule>, sqlx::Error> {
    let rows: Vec<RuleRow> = sqlx::query_as(
        "SELECT id, name, active, conditions, team_id, strategy, last_user_id
         FROM assignment_rules ORDER BY position, id",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, name, active, conditions, team, strategy, last)| {
            let conditions: Conditions =
                serde_json::from_str(&conditions).map_err(|e| sqlx::Error::ColumnDecode {
                    index: "conditions".into(),
                    source: Box::new(e),
                })?;
            Ok(Rule {
                id,
                name,
                active: active != 0,
                conditions,
                team_id: TeamId(team),
                strategy: super::decode_key("strategy", &strategy, Strategy::parse)?,
                last_user_id: last.map(UserId),
            })
        })
        .collect()
}

/// A rule's stored fields.
pub struct RuleFields<'a> {
    pub name: &'a str,
    pub active: bool,
    pub conditions: &'a Conditions,
    pub team_id: TeamId,
    pub strategy: Strategy,
}

/// Adds a rule after the last one.
pub async fn insert_rule(
    conn: &mut AnyConnection,
    r: &RuleFields<'_>,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    let conditions = serde_json::to_string(r.conditions).unwrap_or_else(|_| "{}".into());
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO assignment_rules (position, name, active, conditions, team_id, strategy,
                                       created_at, updated_at)
         VALUES ((SELECT COALESCE(MAX(position), 0) + 1 FROM assignment_rules), $1, $2, $3, $4,
                 $5, $6, $6)
         RETURNING id",
    )
    .bind(r.name)
    .bind(i64::from(r.active))
    .bind(conditions)
    .bind(r.team_id.0)
    .bind(r.strategy.key())
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Changes a rule; false when there is no such rule.
pub async fn update_rule(
    conn: &mut AnyConnection,
    id: i64,
    r: &RuleFields<'_>,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let conditions = serde_json::to_string(r.conditions).unwrap_or_else(|_| "{}".into());
    let done = sqlx::query(
        "UPDATE assignment_rules SET name = $1, active = $2, conditions = $3, team_id = $4,
                strategy = $5, updated_at = $6,
                last_user_id = CASE WHEN team_id = $4 THEN last_user_id ELSE NULL END
         WHERE id = $7",
    )
    .bind(r.name)
    .bind(i64::from(r.active))
    .bind(conditions)
    .bind(r.team_id.0)
    .bind(r.strategy.key())
    .bind(at.0)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_rule(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM assignment_rules WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Swaps a rule with its neighbour above (`up`) or below; false when it has none.
pub async fn move_rule(conn: &mut AnyConnection, id: i64, up: bool) -> Result<bool, sqlx::Error> {
    let order: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, position FROM assignment_rules ORDER BY position, id")
            .fetch_all(&mut *conn)
            .await?;
    let Some(i) = order.iter().position(|(r, _)| *r == id) else {
        return Ok(false);
    };
    let j = if up { i.checked_sub(1) } else { Some(i + 1) };
    let Some(j) = j.filter(|j| *j < order.len()) else {
        return Ok(false);
    };
    // Renumber 1..n in the new order, so equal positions never leave the order undefined.
    let mut ids: Vec<i64> = order.iter().map(|(r, _)| *r).collect();
    ids.swap(i, j);
    for (pos, rule) in ids.iter().enumerate() {
        sqlx::query("UPDATE assignment_rules SET position = $1 WHERE id = $2")
            .bind(pos as i64 + 1)
            .bind(*rule)
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

pub async fn set_last_user(
    conn: &mut AnyConnection,
    rule: i64,
    user: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE assignment_rules SET last_user_id = $1 WHERE id = $2")
        .bind(user.0)
        .bind(rule)
        .execute(conn)
        .await?;
    Ok(())
}

/// The reps rules can give leads to, with their open leads, capacity and absence.
pub async fn people(conn: &mut AnyConnection) -> Result<Vec<Person>, sqlx::Error> {
    type Row = (
        i64,
        String,
        Option<i64>,
        i64,
        Option<i64>,
        Option<i64>,
        i64,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT u.id, u.name, u.team_id,
                CAST(CASE WHEN u.deactivated_at IS NULL THEN 1 ELSE 0 END AS BIGINT),
                u.away_until, u.capacity,
                CAST((SELECT COUNT(*) FROM leads l
                      WHERE l.owner_id = u.id AND l.closed_at IS NULL) AS BIGINT),
                (SELECT MAX(l.assigned_at) FROM leads l WHERE l.owner_id = u.id)
         FROM users u WHERE u.role = 'rep' ORDER BY u.id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, team, active, away, capacity, open, last)| Person {
                id: UserId(id),
                name,
                team_id: team.map(TeamId),
                active: active == 1,
                away_until: away.map(Timestamp),
                open_leads: open,
                capacity,
                last_assigned_at: last.map(Timestamp),
            },
        )
        .collect())
}

/// Sets a rep's capacity and absence; false when there is no such rep.
pub async fn set_availability(
    conn: &mut AnyConnection,
    user: UserId,
    capacity: Option<i64>,
    away_until: Option<Timestamp>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET capacity = $1, away_until = $2 WHERE id = $3 AND role = 'rep'",
    )
    .bind(capacity)
    .bind(away_until.map(|t| t.0))
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Where an inquiry came from, kept on the lead for territory rules.
pub async fn set_place(
    conn: &mut AnyConnection,
    lead: LeadId,
    country: Option<&str>,
    region: Option<&str>,
    postcode: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE leads SET country = $1, region = $2, postcode = $3 WHERE id = $4")
        .bind(country)
        .bind(region)
        .bind(postcode)
        .bind(lead.0)
        .execute(conn)
        .await?;
    Ok(())
}
