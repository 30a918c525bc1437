//! The sweep's tables: open findings with their escalation step, in-app notifications, and
//! named leases. See migrations/*/0005_sweep.sql.

use crate::domain::{LeadId, Timestamp};
pub use crate::model::inbox::Notification;
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

/// Takes or renews lease `name` for `holder` until `now + ttl_ms`, if it is free, expired or
/// already `holder`'s. Returns whether `holder` holds it now. One statement each, so two
/// instances racing for an expired lease cannot both win: the UPDATE's WHERE is re-checked
/// under the row lock (PostgreSQL) or the single writer (SQLite).
pub async fn take_lease(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
    now: Timestamp,
    ttl_ms: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, '', 0)
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .execute(&mut *conn)
    .await?;
    let taken = sqlx::query(
        "UPDATE leases SET holder = $1, expires_at = $2
         WHERE name = $3 AND (holder = $1 OR expires_at < $4)",
    )
    .bind(holder)
    .bind(now.0 + ttl_ms)
    .bind(name)
    .bind(now.0)
    .execute(conn)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// Gives lease `name` up if `holder` has it (on shutdown), so another instance takes over at once.
pub async fn release_lease(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(conn)
        .await?;
    Ok(())
}

/// An open finding as the sweep tracks it.
#[derive(Clone, Debug)]
pub struct OpenFinding {
    pub id: i64,
    pub lead_id: i64,
    pub kind: String,
    pub began_at: i64,
    pub step: i64,
}

/// The open findings of the leads due for judging at `at` (see `leads::due_for_judging`).
pub async fn open_findings_due(
    conn: &mut AnyConnection,
    at: Timestamp,
) -> Result<Vec<OpenFinding>, sqlx::Error> {
    let rows: Vec<(i64, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT f.id, f.lead_id, f.kind, f.began_at, f.step
         FROM findings f JOIN leads l ON l.id = f.lead_id
         WHERE f.resolved_at IS NULL AND l.judge_at <= $1",
    )
    .bind(at.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, lead_id, kind, began_at, step)| OpenFinding {
            id,
            lead_id,
            kind,
            began_at,
            step,
        })
        .collect())
}

/// A finding to record, with the escalation step it starts at (rungs already due are taken
/// as it is recorded).
pub struct NewFinding<'a> {
    pub lead_id: LeadId,
    pub kind: &'a str,
    pub policy_version: i64,
    pub team_id: Option<i64>,
    pub began_at: Timestamp,
    pub step: i64,
}

/// Records findings opened at `at`; returns their ids in the order given.
pub async fn open_findings(
    conn: &mut AnyConnection,
    new: &[NewFinding<'_>],
    at: Timestamp,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(new.len());
    for chunk in new.chunks(super::ROWS_PER_STATEMENT) {
        use super::Cell::{Int, Text};
        let (values, texts) = super::value_rows(
            chunk.iter().map(|f| {
                vec![
                    Int(Some(f.lead_id.0)),
                    Text(f.kind),
                    Int(Some(f.policy_version)),
                    Int(f.team_id),
                    Int(Some(f.began_at.0)),
                    Int(Some(at.0)),
                    Int(Some(f.step)),
                ]
            }),
            1,
            false,
        );
        let sql = format!(
            "INSERT INTO findings (lead_id, kind, policy_version, team_id, began_at, opened_at, step)
             VALUES {values} RETURNING id, lead_id, kind"
        );
        let mut q = sqlx::query_as::<_, (i64, i64, String)>(&sql).persistent(false);
        for t in texts {
            q = q.bind(t);
        }
        // One open finding of a kind per lead (unique index): that names each row.
        let returned: HashMap<(i64, String), i64> = q
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|(id, lead, kind)| ((lead, kind), id))
            .collect();
        for f in chunk {
            ids.push(
                *returned
                    .get(&(f.lead_id.0, f.kind.to_string()))
                    .ok_or_else(|| sqlx::Error::Protocol("a finding was not returned".into()))?,
            );
        }
    }
    Ok(ids)
}

/// Marks findings resolved at `at` (those still open).
pub async fn resolve_findings(
    conn: &mut AnyConnection,
    ids: &[i64],
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(500) {
        sqlx::query(&format!(
            "UPDATE findings SET resolved_at = $1 WHERE id IN ({}) AND resolved_at IS NULL",
            super::id_list(chunk.iter().copied())
        ))
        .bind(at.0)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Raises findings `(id, from, to)` from escalation step `from` to `to`; returns the ids
/// raised. One still at `from` is raised; one another sweep raised meanwhile is left to it,
/// so a step is taken at most once even if two sweeps overlapped.
pub async fn raise_steps(
    conn: &mut AnyConnection,
    raises: &[(i64, i64, i64)],
) -> Result<HashSet<i64>, sqlx::Error> {
    use super::Cell::Int;
    let mut raised = HashSet::new();
    for chunk in raises.chunks(super::ROWS_PER_STATEMENT) {
        let (values, _) = super::value_rows(
            chunk
                .iter()
                .map(|(id, was, step)| vec![Int(Some(*id)), Int(Some(*was)), Int(Some(*step))]),
            1,
            true,
        );
        let sql = format!(
            "WITH v (id, was, step) AS (VALUES {values})
             UPDATE findings SET step = v.step FROM v
             WHERE findings.id = v.id AND findings.step = v.was AND findings.id IN ({})
             RETURNING findings.id",
            super::id_list(chunk.iter().map(|(id, ..)| *id))
        );
        let q = sqlx::query_as::<_, (i64,)>(&sql).persistent(false);
        raised.extend(q.fetch_all(&mut *conn).await?.into_iter().map(|(id,)| id));
    }
    Ok(raised)
}

/// An in-app notification to store.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NewNotification {
    pub user_id: i64,
    pub lead_id: Option<i64>,
    pub kind: &'static str,
    pub message: String,
}

/// Stores notifications created at `at`; returns their ids in the order given (identical
/// notifications may swap ids, which nobody can tell).
pub async fn insert_notifications(
    conn: &mut AnyConnection,
    new: &[NewNotification],
    at: Timestamp,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(new.len());
    for chunk in new.chunks(super::ROWS_PER_STATEMENT) {
        use super::Cell::{Int, Text};
        let (values, texts) = super::value_rows(
            chunk.iter().map(|n| {
                vec![
                    Int(Some(n.user_id)),
                    Int(n.lead_id),
                    Text(n.kind),
                    Text(&n.message),
                    Int(Some(at.0)),
                ]
            }),
            1,
            false,
        );
        let sql = format!(
            "INSERT INTO notifications (user_id, lead_id, kind, message, created_at)
             VALUES {values} RETURNING id, user_id, lead_id, kind, message"
        );
        let mut q =
            sqlx::query_as::<_, (i64, i64, Option<i64>, String, String)>(&sql).persistent(false);
        for t in texts {
            q = q.bind(t);
        }
        let mut returned: HashMap<(i64, Option<i64>, String, String), Vec<i64>> = HashMap::new();
        for (id, user, lead, kind, message) in q.fetch_all(&mut *conn).await? {
            returned
                .entry((user, lead, kind, message))
                .or_default()
                .push(id);
        }
        for n in chunk {
            let key = (n.user_id, n.lead_id, n.kind.to_string(), n.message.clone());
            ids.push(
                returned.get_mut(&key).and_then(Vec::pop).ok_or_else(|| {
                    sqlx::Error::Protocol("a notification was not returned".into())
                })?,
            );
        }
    }
    Ok(ids)
}

pub async fn insert_notification(
    conn: &mut AnyConnection,
    user: i64,
    lead: Option<LeadId>,
    kind: &str,
    message: &str,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO notifications (user_id, lead_id, kind, message, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user)
    .bind(lead.map(|l| l.0))
    .bind(kind)
    .bind(message)
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// A user's newest notifications and how many are unread.
pub async fn notifications(
    conn: &mut AnyConnection,
    user: i64,
    limit: i64,
) -> Result<(Vec<Notification>, i64), sqlx::Error> {
    type Row = (i64, Option<i64>, String, String, i64, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, lead_id, kind, message, created_at, read_at FROM notifications
         WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(user)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let (unread,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user)
            .fetch_one(conn)
            .await?;
    let list = rows
        .into_iter()
        .map(|(id, lead_id, kind, message, at, read_at)| Notification {
            id,
            lead_id: lead_id.map(LeadId),
            kind,
            message,
            at: Timestamp(at),
            read: read_at.is_some(),
        })
        .collect();
    Ok((list, unread))
}

/// Marks all of a user's notifications read.
pub async fn mark_read(
    conn: &mut AnyConnection,
    user: i64,
    at: Timestamp,
) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(at.0)
            .bind(user)
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}

/// Notifications not yet e-mailed, with their recipient's address, oldest first.
pub async fn unsent_emails(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT n.id, u.email, n.message FROM notifications n JOIN users u ON u.id = n.user_id
         WHERE n.emailed_at IS NULL AND u.deactivated_at IS NULL ORDER BY n.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn mark_emailed(
    conn: &mut AnyConnection,
    id: i64,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notifications SET emailed_at = $1 WHERE id = $2")
        .bind(at.0)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Each team's manager and active reps (by id), for escalation.
pub async fn team_people(
    conn: &mut AnyConnection,
) -> Result<Vec<(i64, Option<i64>, Vec<i64>)>, sqlx::Error> {
    let teams: Vec<(i64, Option<i64>)> = sqlx::query_as("SELECT id, manager_id FROM teams")
        .fetch_all(&mut *conn)
        .await?;
    let reps: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT team_id, id FROM users
         WHERE role = 'rep' AND deactivated_at IS NULL AND team_id IS NOT NULL ORDER BY id",
    )
    .fetch_all(conn)
    .await?;
    Ok(teams
        .into_iter()
        .map(|(t, m)| {
            let members = reps
                .iter()
                .filter(|(team, _)| *team == t)
                .map(|(_, u)| *u)
                .collect();
            (t, m, members)
        })
        .collect())
}
