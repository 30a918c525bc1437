//! Review rows: reviews, their agreed actions, and the event log as a review reads it.

use crate::domain::review::LogEntry;
use crate::domain::{LeadId, Timestamp};
use sqlx::AnyConnection;

/// A review as stored, with its manager's name.
#[derive(Clone, Debug)]
pub struct ReviewRow {
    pub id: i64,
    pub rep_id: i64,
    pub manager_id: i64,
    pub manager_name: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub notes: String,
    pub version: i64,
}

type ReviewTuple = (i64, i64, i64, String, i64, Option<i64>, String, i64);

impl From<ReviewTuple> for ReviewRow {
    fn from(
        (id, rep_id, manager_id, manager_name, started_at, finished_at, notes, version): ReviewTuple,
    ) -> Self {
        ReviewRow {
            id,
            rep_id,
            manager_id,
            manager_name,
            started_at,
            finished_at,
            notes,
            version,
        }
    }
}

const SELECT_REVIEW: &str = "SELECT r.id, r.rep_id, r.manager_id, u.name AS manager_name, \
    r.started_at, r.finished_at, r.notes, r.version \
    FROM reviews r JOIN users u ON u.id = r.manager_id";

/// The rep's review in progress.
pub async fn open_of(conn: &mut AnyConnection, rep: i64) -> Result<Option<ReviewRow>, sqlx::Error> {
    let row: Option<ReviewTuple> = sqlx::query_as(&format!(
        "{SELECT_REVIEW} WHERE r.rep_id = $1 AND r.finished_at IS NULL"
    ))
    .bind(rep)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(ReviewRow::from))
}

/// One review by id.
pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<ReviewRow>, sqlx::Error> {
    let row: Option<ReviewTuple> = sqlx::query_as(&format!("{SELECT_REVIEW} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(ReviewRow::from))
}

/// The rep's finished reviews, newest first.
pub async fn finished_of(
    conn: &mut AnyConnection,
    rep: i64,
    limit: i64,
) -> Result<Vec<ReviewRow>, sqlx::Error> {
    let rows: Vec<ReviewTuple> = sqlx::query_as(&format!(
        "{SELECT_REVIEW} WHERE r.rep_id = $1 AND r.finished_at IS NOT NULL
         ORDER BY r.started_at DESC, r.id DESC LIMIT $2"
    ))
    .bind(rep)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(ReviewRow::from).collect())
}

/// Starts a review; `None` if one is already open for the rep (the unique index says so).
pub async fn insert(
    conn: &mut AnyConnection,
    rep: i64,
    manager: i64,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO reviews (rep_id, manager_id, started_at, updated_at)
         VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(rep)
    .bind(manager)
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Saves the notes if the review is still open at `version`; whether it was.
pub async fn write_notes(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    notes: &str,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE reviews SET notes = $1, version = version + 1, updated_at = $2
         WHERE id = $3 AND version = $4 AND finished_at IS NULL",
    )
    .bind(notes)
    .bind(at.0)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Finishes an open review; whether it was open.
pub async fn finish(conn: &mut AnyConnection, id: i64, at: Timestamp) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE reviews SET finished_at = $1, version = version + 1, updated_at = $1
         WHERE id = $2 AND finished_at IS NULL",
    )
    .bind(at.0)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the review changed (a new version) so readers see an action come or go.
pub async fn touch(conn: &mut AnyConnection, id: i64, at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE reviews SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(at.0)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An agreed action with what the review shows about its lead.
#[derive(Clone, Debug)]
pub struct ActionRow {
    pub id: i64,
    pub review_id: i64,
    pub lead_id: Option<i64>,
    pub lead_title: Option<String>,
    pub text: String,
    pub due_at: Option<i64>,
    pub created_at: i64,
    pub done_at: Option<i64>,
    pub last_touched_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// The actions of `review`, in the order they were agreed.
pub async fn actions(conn: &mut AnyConnection, review: i64) -> Result<Vec<ActionRow>, sqlx::Error> {
    type Row = (
        i64,
        i64,
        Option<i64>,
        Option<String>,
        String,
        Option<i64>,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT a.id, a.review_id, a.lead_id, COALESCE(l.company, l.contact_name) AS lead_title,
                a.text, a.due_at, a.created_at, a.done_at, l.last_touched_at, l.closed_at
         FROM review_actions a LEFT JOIN leads l ON l.id = a.lead_id
         WHERE a.review_id = $1 ORDER BY a.id",
    )
    .bind(review)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                review_id,
                lead_id,
                lead_title,
                text,
                due_at,
                created_at,
                done_at,
                touched,
                closed,
            )| {
                ActionRow {
                    id,
                    review_id,
                    lead_id,
                    lead_title,
                    text,
                    due_at,
                    created_at,
                    done_at,
                    last_touched_at: touched,
                    closed_at: closed,
                }
            },
        )
        .collect())
}

/// (review id, actions, of them ticked or on a lead touched since) for the rep's reviews.
pub async fn action_counts(
    conn: &mut AnyConnection,
    rep: i64,
) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, COUNT(a.id),
                CAST(COALESCE(SUM(CASE WHEN a.done_at IS NOT NULL
                    OR l.last_touched_at > a.created_at OR l.closed_at > a.created_at
                    THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM reviews r LEFT JOIN review_actions a ON a.review_id = r.id
         LEFT JOIN leads l ON l.id = a.lead_id
         WHERE r.rep_id = $1 GROUP BY r.id",
    )
    .bind(rep)
    .fetch_all(conn)
    .await
}

pub async fn insert_action(
    conn: &mut AnyConnection,
    review: i64,
    lead: Option<LeadId>,
    text: &str,
    due_at: Option<Timestamp>,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO review_actions (review_id, lead_id, text, due_at, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(review)
    .bind(lead.map(|l| l.0))
    .bind(text)
    .bind(due_at.map(|d| d.0))
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// The review an action belongs to.
pub async fn review_of_action(
    conn: &mut AnyConnection,
    action: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT review_id FROM review_actions WHERE id = $1")
        .bind(action)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(r,)| r))
}

pub async fn tick_action(
    conn: &mut AnyConnection,
    action: i64,
    done_at: Option<Timestamp>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE review_actions SET done_at = $1 WHERE id = $2")
        .bind(done_at.map(|d| d.0))
        .bind(action)
        .execute(conn)
        .await?;
    Ok(())
}

/// Most events a review reads: beyond it the counts say "at least".
pub const MAX_LOG: usize = 50_000;

/// The events a review reads about `rep`'s leads since `since`, newest first (at most
/// [`MAX_LOG`]).
pub async fn log_since(
    conn: &mut AnyConnection,
    rep: i64,
    since: Timestamp,
) -> Result<Vec<LogEntry>, sqlx::Error> {
    let rows: Vec<(i64, String, i64, String, String)> = sqlx::query_as(
        "SELECT e.at, e.kind, e.lead_id, COALESCE(l.company, l.contact_name), e.payload
         FROM leads l JOIN events e ON e.lead_id = l.id
         WHERE l.owner_id = $1 AND e.at >= $2
           AND e.kind IN ('lead.created', 'lead.moved', 'finding.opened', 'lead.next_step',
                          'lead.edited')
         ORDER BY e.id DESC LIMIT 50000",
    )
    .bind(rep)
    .bind(since.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, kind, lead, title, payload)| LogEntry {
            at: Timestamp(at),
            kind,
            lead: LeadId(lead),
            title,
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        })
        .collect())
}

/// The reps of `teams`, by name: (id, name, team name, last review started).
pub async fn reps_of(
    conn: &mut AnyConnection,
    teams: &[i64],
) -> Result<Vec<(i64, String, String, Option<i64>)>, sqlx::Error> {
    if teams.is_empty() {
        return Ok(Vec::new());
    }
    // Team ids come from our own tables: inlined, not user text.
    let list = teams
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query_as(&format!(
        "SELECT u.id, u.name, t.name,
                (SELECT MAX(r.started_at) FROM reviews r WHERE r.rep_id = u.id)
         FROM users u JOIN teams t ON t.id = u.team_id
         WHERE u.role = 'rep' AND u.deactivated_at IS NULL AND u.team_id IN ({list})
         ORDER BY t.name, u.name"
    ))
    .fetch_all(conn)
    .await
}
