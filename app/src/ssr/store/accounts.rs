//! Accounts: users and teams as access sees them, sessions, sign-in bookkeeping, wall tokens
//! and intake keys.

use super::decode_key;
use crate::domain::account::{
    AccessKeySummary, ApiTokenSummary, SourceSummary, TeamSummary, TokenScope, UserSummary,
};
use crate::domain::wall::WallConfig;
use crate::domain::{Actor, Channel, Role, TeamId, Timestamp, UserId};
use sqlx::{AnyConnection, Row};

/// What signing in needs to know about an account. Not `Serialize`: it holds the hash.
pub struct SignInRow {
    pub id: UserId,
    pub password_hash: Option<String>,
    /// Sign-in is paused until then (for devices not known to the account).
    pub paused_until: Option<Timestamp>,
    pub active: bool,
}

pub async fn sign_in_row(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<SignInRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, password_hash, locked_until, deactivated_at FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(SignInRow {
            id: UserId(r.try_get("id")?),
            password_hash: r.try_get("password_hash")?,
            paused_until: r.try_get::<Option<i64>, _>("locked_until")?.map(Timestamp),
            active: r.try_get::<Option<i64>, _>("deactivated_at")?.is_none(),
        })
    })
    .transpose()
}

/// Counts a failed sign-in and pauses sign-in as `domain::account::sign_in_pause_ms` says for
/// the new count. Returns the count and the end of the pause, if this failure set one.
pub async fn record_failure(
    conn: &mut AnyConnection,
    user: UserId,
    at: Timestamp,
) -> Result<(i64, Option<Timestamp>), sqlx::Error> {
    let row = sqlx::query(
        "UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE id = $1
         RETURNING failed_sign_ins",
    )
    .bind(user.0)
    .fetch_one(&mut *conn)
    .await?;
    let failures: i64 = row.try_get("failed_sign_ins")?;
    let Some(ms) = crate::domain::account::sign_in_pause_ms(failures) else {
        return Ok((failures, None));
    };
    let until = at.plus_ms(ms);
    sqlx::query(
        "UPDATE users SET locked_until = $1, locked_at = COALESCE(locked_at, $2) WHERE id = $3",
    )
    .bind(until.0)
    .bind(at.0)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok((failures, Some(until)))
}

/// A successful sign-in: the failure streak and any pause end.
pub async fn record_success(conn: &mut AnyConnection, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET failed_sign_ins = 0, locked_at = NULL, locked_until = NULL WHERE id = $1",
    )
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(())
}

// ---- known devices ----

/// Whether a device cookie (by digest) is one `user` signed in from before.
pub async fn device_is(
    conn: &mut AnyConnection,
    user: UserId,
    id_hash: &str,
) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT user_id FROM known_devices WHERE id_hash = $1 AND user_id = $2")
            .bind(id_hash)
            .bind(user.0)
            .fetch_optional(conn)
            .await?;
    Ok(row.is_some())
}

/// Marks a known device used; false when it is not one of `user`'s.
pub async fn device_known(
    conn: &mut AnyConnection,
    user: UserId,
    id_hash: &str,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE known_devices SET last_used_at = $1 WHERE id_hash = $2 AND user_id = $3",
    )
    .bind(at.0)
    .bind(id_hash)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Remembers a device `user` signed in from.
pub async fn insert_device(
    conn: &mut AnyConnection,
    user: UserId,
    id_hash: &str,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO known_devices (id_hash, user_id, created_at, last_used_at)
         VALUES ($1, $2, $3, $3)",
    )
    .bind(id_hash)
    .bind(user.0)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets every device of a user (password reset, deactivation).
pub async fn delete_user_devices(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM known_devices WHERE user_id = $1")
        .bind(user.0)
        .execute(conn)
        .await?
        .rows_affected())
}

/// The columns and joins an [`Actor`] is read from: one row per team the person manages (or
/// one row with `managed` NULL).
const ACTOR_COLUMNS: &str =
    "u.id, u.name, u.email, u.role, u.team_id, t.reps_see_team_board, m.id AS managed";
const ACTOR_JOINS: &str =
    "LEFT JOIN teams t ON t.id = u.team_id LEFT JOIN teams m ON m.manager_id = u.id";

/// The person of rows selected with [`ACTOR_COLUMNS`] and [`ACTOR_JOINS`].
fn actor_from_rows(rows: &[sqlx::any::AnyRow]) -> Result<Option<Actor>, sqlx::Error> {
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let role: String = r.try_get("role")?;
    let mut managed_teams = Vec::new();
    for row in rows {
        if let Some(t) = row.try_get::<Option<i64>, _>("managed")? {
            managed_teams.push(TeamId(t));
        }
    }
    Ok(Some(Actor {
        id: UserId(r.try_get("id")?),
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        role: decode_key("role", &role, Role::parse)?,
        team_id: r.try_get::<Option<i64>, _>("team_id")?.map(TeamId),
        managed_teams,
        sees_team_board: r
            .try_get::<Option<i64>, _>("reps_see_team_board")?
            .unwrap_or(0)
            == 1,
    }))
}

/// The active user as the policies see them, or `None` if deactivated or unknown.
pub async fn actor(conn: &mut AnyConnection, user: UserId) -> Result<Option<Actor>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {ACTOR_COLUMNS} FROM users u {ACTOR_JOINS}
         WHERE u.id = $1 AND u.deactivated_at IS NULL ORDER BY m.id"
    ))
    .bind(user.0)
    .fetch_all(conn)
    .await?;
    actor_from_rows(&rows)
}

// ---- sessions ----

/// The signed-in person behind a live session (unexpired, not idle, account active) and when the
/// session was last seen, in one round trip: this runs on every request.
pub async fn session_actor(
    conn: &mut AnyConnection,
    id_hash: &str,
    now: Timestamp,
    idle_ms: i64,
) -> Result<Option<(Actor, Timestamp)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT s.last_seen_at, {ACTOR_COLUMNS}
         FROM sessions s
         JOIN users u ON u.id = s.user_id AND u.deactivated_at IS NULL
         {ACTOR_JOINS}
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3
         ORDER BY m.id"
    ))
    .bind(id_hash)
    .bind(now.0)
    .bind(now.0 - idle_ms)
    .fetch_all(conn)
    .await?;
    let Some(actor) = actor_from_rows(&rows)? else {
        return Ok(None);
    };
    Ok(Some((actor, Timestamp(rows[0].try_get("last_seen_at")?))))
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user: UserId,
    pub at: Timestamp,
    pub expires_at: Timestamp,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert_session(
    conn: &mut AnyConnection,
    s: &NewSession<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(s.id_hash)
    .bind(s.user.0)
    .bind(s.at.0)
    .bind(s.expires_at.0)
    .bind(s.ip)
    .bind(s.user_agent)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn touch_session(
    conn: &mut AnyConnection,
    id_hash: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(now.0)
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_session(conn: &mut AnyConnection, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user (deactivation, password reset). Their API tokens are a
/// separate credential: see [`revoke_user_api_tokens`].
pub async fn delete_user_sessions(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.0)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Drops sessions past either expiry.
pub async fn purge_sessions(
    conn: &mut AnyConnection,
    now: Timestamp,
    idle_ms: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now.0)
            .bind(now.0 - idle_ms)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

// ---- users and teams ----

const SELECT_USER: &str = "\
SELECT u.id, u.name, u.email, u.role, u.team_id, t.name AS team_name,
       u.deactivated_at, u.locked_until
FROM users u LEFT JOIN teams t ON t.id = u.team_id";

fn user_summary(r: &sqlx::any::AnyRow) -> Result<UserSummary, sqlx::Error> {
    let role: String = r.try_get("role")?;
    Ok(UserSummary {
        id: UserId(r.try_get("id")?),
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        role: decode_key("role", &role, Role::parse)?,
        team_id: r.try_get::<Option<i64>, _>("team_id")?.map(TeamId),
        team_name: r.try_get("team_name")?,
        active: r.try_get::<Option<i64>, _>("deactivated_at")?.is_none(),
        // A pause already over is no pause: said here, so every screen agrees.
        paused_until: r
            .try_get::<Option<i64>, _>("locked_until")?
            .filter(|until| *until > super::now().0)
            .map(Timestamp),
    })
}

pub async fn users(conn: &mut AnyConnection) -> Result<Vec<UserSummary>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "{SELECT_USER} ORDER BY u.deactivated_at IS NOT NULL, u.name"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(user_summary).collect()
}

pub async fn user(
    conn: &mut AnyConnection,
    id: UserId,
) -> Result<Option<UserSummary>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT_USER} WHERE u.id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(user_summary).transpose()
}

pub async fn user_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<UserSummary>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT_USER} WHERE u.email = $1"))
        .bind(email)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(user_summary).transpose()
}

pub async fn team_exists(conn: &mut AnyConnection, id: TeamId) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM teams WHERE id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

pub async fn set_password(
    conn: &mut AnyConnection,
    user: UserId,
    phc: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, failed_sign_ins = 0, locked_at = NULL, locked_until = NULL
         WHERE id = $2",
    )
    .bind(phc)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_role_and_team(
    conn: &mut AnyConnection,
    user: UserId,
    role: Role,
    team: Option<TeamId>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = $1, team_id = $2 WHERE id = $3")
        .bind(role.key())
        .bind(team.map(|t| t.0))
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_active(
    conn: &mut AnyConnection,
    user: UserId,
    active: bool,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2")
        .bind((!active).then_some(at.0))
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn unlock(conn: &mut AnyConnection, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET locked_at = NULL, locked_until = NULL, failed_sign_ins = 0 WHERE id = $1",
    )
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Managers stop managing teams when they stop being managers.
pub async fn release_managed_teams(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE teams SET manager_id = NULL WHERE manager_id = $1")
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn teams(conn: &mut AnyConnection) -> Result<Vec<TeamSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.manager_id, m.name AS manager_name, t.reps_see_team_board,
                (SELECT COUNT(*) FROM users u WHERE u.team_id = t.id AND u.deactivated_at IS NULL)
                    AS members
         FROM teams t LEFT JOIN users m ON m.id = t.manager_id ORDER BY t.name",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TeamSummary {
                id: TeamId(r.try_get("id")?),
                name: r.try_get("name")?,
                manager: r.try_get::<Option<i64>, _>("manager_id")?.map(UserId),
                manager_name: r.try_get("manager_name")?,
                reps_see_team_board: r.try_get::<i64, _>("reps_see_team_board")? == 1,
                members: r.try_get("members")?,
            })
        })
        .collect()
}

pub async fn team_name_taken(
    conn: &mut AnyConnection,
    name: &str,
    except: Option<TeamId>,
) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM teams WHERE lower(name) = lower($1) AND id <> $2")
            .bind(name)
            .bind(except.map_or(0, |t| t.0))
            .fetch_optional(conn)
            .await?;
    Ok(row.is_some())
}

pub async fn update_team(
    conn: &mut AnyConnection,
    team: TeamId,
    name: &str,
    manager: Option<UserId>,
    reps_see_team_board: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE teams SET name = $1, manager_id = $2, reps_see_team_board = $3 WHERE id = $4",
    )
    .bind(name)
    .bind(manager.map(|m| m.0))
    .bind(i64::from(reps_see_team_board))
    .bind(team.0)
    .execute(conn)
    .await?;
    Ok(())
}

// ---- wall tokens and intake keys ----

/// Which table of access keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Wall,
    Intake,
}

impl KeyKind {
    fn table(self) -> &'static str {
        match self {
            KeyKind::Wall => "wall_tokens",
            KeyKind::Intake => "intake_keys",
        }
    }
    fn hash_column(self) -> &'static str {
        match self {
            KeyKind::Wall => "token_hash",
            KeyKind::Intake => "key_hash",
        }
    }
}

pub struct NewKey<'a> {
    pub kind: KeyKind,
    pub hash: &'a str,
    pub prefix: &'a str,
    pub label: &'a str,
    pub source_id: Option<i64>,
    /// For intake keys: the public form id.
    pub form_id: Option<&'a str>,
    pub created_by: UserId,
    pub at: Timestamp,
}

pub async fn insert_key(conn: &mut AnyConnection, k: &NewKey<'_>) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = match k.kind {
        KeyKind::Wall => {
            // What a new wall shows is the domain's default (the column defaults are older).
            let shows = crate::domain::wall::WallConfig::default();
            sqlx::query_as(
                "INSERT INTO wall_tokens (token_hash, prefix, label, created_by, created_at,
                    panels, days, seconds)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(k.hash)
            .bind(k.prefix)
            .bind(k.label)
            .bind(k.created_by.0)
            .bind(k.at.0)
            .bind(shows.panels_text())
            .bind(i64::from(shows.days))
            .bind(i64::from(shows.seconds))
            .fetch_one(conn)
            .await?
        }
        KeyKind::Intake => sqlx::query_as(
            "INSERT INTO intake_keys (key_hash, prefix, label, source_id, created_by, created_at,
                                      form_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(k.hash)
        .bind(k.prefix)
        .bind(k.label)
        .bind(k.source_id)
        .bind(k.created_by.0)
        .bind(k.at.0)
        .bind(k.form_id)
        .fetch_one(conn)
        .await?,
    };
    Ok(id)
}

pub async fn keys(
    conn: &mut AnyConnection,
    kind: KeyKind,
) -> Result<Vec<AccessKeySummary>, sqlx::Error> {
    let (source_col, source_join) = match kind {
        KeyKind::Wall => (
            "NULL AS source_name, NULL AS form_id, '' AS allowed_origins, \
             CAST(NULL AS BIGINT) AS per_minute, k.panels, k.days, k.seconds",
            "",
        ),
        KeyKind::Intake => (
            "s.name AS source_name, k.form_id, k.allowed_origins, k.per_minute, \
             NULL AS panels, CAST(NULL AS BIGINT) AS days, CAST(NULL AS BIGINT) AS seconds",
            "LEFT JOIN sources s ON s.id = k.source_id",
        ),
    };
    let rows = sqlx::query(&format!(
        "SELECT k.id, k.label, k.prefix, {source_col}, u.name AS created_by, k.created_at,
                k.last_used_at, k.revoked_at
         FROM {} k JOIN users u ON u.id = k.created_by {source_join}
         ORDER BY k.revoked_at IS NOT NULL, k.created_at DESC",
        kind.table()
    ))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AccessKeySummary {
                id: r.try_get("id")?,
                label: r.try_get("label")?,
                prefix: r.try_get("prefix")?,
                source_name: r.try_get("source_name")?,
                created_by: r.try_get("created_by")?,
                created_at: Timestamp(r.try_get("created_at")?),
                last_used_at: r.try_get::<Option<i64>, _>("last_used_at")?.map(Timestamp),
                revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
                form_id: r.try_get("form_id")?,
                allowed_origins: r
                    .try_get::<String, _>("allowed_origins")?
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
                per_minute: r.try_get("per_minute")?,
                wall: wall_config(
                    r.try_get("panels")?,
                    r.try_get("days")?,
                    r.try_get("seconds")?,
                ),
            })
        })
        .collect()
}

fn wall_config(
    panels: Option<String>,
    days: Option<i64>,
    seconds: Option<i64>,
) -> Option<WallConfig> {
    Some(WallConfig {
        panels: WallConfig::panels_from_text(&panels?),
        days: u32::try_from(days?).ok()?,
        seconds: u32::try_from(seconds?).ok()?,
    })
}

/// What wall token `id` shows (revoked or not).
pub async fn wall_config_of(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<WallConfig>, sqlx::Error> {
    let row: Option<(String, i64, i64)> =
        sqlx::query_as("SELECT panels, days, seconds FROM wall_tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.and_then(|(p, d, s)| wall_config(Some(p), Some(d), Some(s))))
}

/// Sets what an unrevoked wall token shows; false when there is no such token.
pub async fn set_wall_config(
    conn: &mut AnyConnection,
    id: i64,
    config: &WallConfig,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE wall_tokens SET panels = $1, days = $2, seconds = $3
         WHERE id = $4 AND revoked_at IS NULL",
    )
    .bind(config.panels_text())
    .bind(i64::from(config.days))
    .bind(i64::from(config.seconds))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes a key; false when there is no such (unrevoked) key.
pub async fn revoke_key(
    conn: &mut AnyConnection,
    kind: KeyKind,
    id: i64,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE {} SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        kind.table()
    ))
    .bind(at.0)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A valid (unrevoked) key by the digest of its secret: (id, source id for intake keys).
pub async fn key_by_hash(
    conn: &mut AnyConnection,
    kind: KeyKind,
    hash: &str,
) -> Result<Option<(i64, Option<i64>)>, sqlx::Error> {
    let source = match kind {
        KeyKind::Wall => "NULL",
        KeyKind::Intake => "source_id",
    };
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT id, {source} FROM {} WHERE {} = $1 AND revoked_at IS NULL",
        kind.table(),
        kind.hash_column()
    ))
    .bind(hash)
    .fetch_optional(conn)
    .await?;
    Ok(row)
}

/// What an intake key allows a submission: the key, its source, the web sites its form may be
/// posted from, and its rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntakeGate {
    pub key_id: i64,
    pub source_id: i64,
    pub allowed_origins: Vec<String>,
    pub per_minute: i64,
}

/// A valid (unrevoked) intake key's gate, by id or by public form id.
pub async fn intake_gate(
    conn: &mut AnyConnection,
    id: Option<i64>,
    form_id: Option<&str>,
) -> Result<Option<IntakeGate>, sqlx::Error> {
    let row: Option<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT id, source_id, allowed_origins, per_minute FROM intake_keys
         WHERE (id = $1 OR form_id = $2) AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(form_id)
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map(|(key_id, source_id, origins, per_minute)| IntakeGate {
            key_id,
            source_id,
            allowed_origins: origins.split_whitespace().map(str::to_string).collect(),
            per_minute,
        }),
    )
}

/// Sets an intake key's web sites and rate; false when there is no such unrevoked key.
pub async fn update_intake_gate(
    conn: &mut AnyConnection,
    id: i64,
    origins: &[String],
    per_minute: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE intake_keys SET allowed_origins = $1, per_minute = $2
         WHERE id = $3 AND revoked_at IS NULL",
    )
    .bind(origins.join(" "))
    .bind(per_minute)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn touch_key(
    conn: &mut AnyConnection,
    kind: KeyKind,
    id: i64,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE {} SET last_used_at = $1 WHERE id = $2",
        kind.table()
    ))
    .bind(at.0)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn sources(conn: &mut AnyConnection) -> Result<Vec<SourceSummary>, sqlx::Error> {
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, channel FROM sources ORDER BY name")
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(id, name, channel)| {
            Ok(SourceSummary {
                id,
                name,
                channel: decode_key("channel", &channel, Channel::parse)?,
            })
        })
        .collect()
}

// ---- personal API tokens ----

pub async fn insert_api_token(
    conn: &mut AnyConnection,
    user: UserId,
    hash: &str,
    prefix: &str,
    label: &str,
    scope: TokenScope,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO api_tokens (user_id, token_hash, prefix, label, scope, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user.0)
    .bind(hash)
    .bind(prefix)
    .bind(label)
    .bind(scope.key())
    .bind(at.0)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// One person's tokens, live ones first, newest first.
pub async fn api_tokens(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<Vec<ApiTokenSummary>, sqlx::Error> {
    type Row = (i64, String, String, String, i64, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, label, prefix, scope, created_at, last_used_at, revoked_at
         FROM api_tokens WHERE user_id = $1
         ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC",
    )
    .bind(user.0)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, label, prefix, scope, created, used, revoked)| {
            Ok(ApiTokenSummary {
                id,
                label,
                prefix,
                scope: decode_key("scope", &scope, TokenScope::parse)?,
                created_at: Timestamp(created),
                last_used_at: used.map(Timestamp),
                revoked: revoked.is_some(),
            })
        })
        .collect()
}

/// Revokes one of `user`'s tokens; false when they have no such unrevoked token.
pub async fn revoke_api_token(
    conn: &mut AnyConnection,
    user: UserId,
    id: i64,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1
         WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(at.0)
    .bind(id)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every live API token of a user (password reset, deactivation): the number revoked.
/// A token outlives sign-outs by design (integrations run without a browser), but not a reset:
/// a reset is what follows a leaked credential, and "signs out everywhere" includes them.
pub async fn revoke_user_api_tokens(
    conn: &mut AnyConnection,
    user: UserId,
    at: Timestamp,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(at.0)
    .bind(user.0)
    .execute(conn)
    .await?
    .rows_affected())
}

/// A live token by the digest of its secret: (token id, its owner if still active, scope,
/// last used).
pub async fn api_token_by_hash(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Option<(i64, Actor, TokenScope, Option<Timestamp>)>, sqlx::Error> {
    let row: Option<(i64, i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, user_id, scope, last_used_at FROM api_tokens
         WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, user, scope, used)) = row else {
        return Ok(None);
    };
    let scope = decode_key("scope", &scope, TokenScope::parse)?;
    Ok(actor(conn, UserId(user))
        .await?
        .map(|a| (id, a, scope, used.map(Timestamp))))
}

pub async fn touch_api_token(
    conn: &mut AnyConnection,
    id: i64,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(at.0)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Active reps, by id: (id, name, team, team name).
pub async fn active_reps(
    conn: &mut AnyConnection,
) -> Result<Vec<(i64, String, Option<i64>, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.name, u.team_id, t.name FROM users u LEFT JOIN teams t ON t.id = u.team_id
         WHERE u.role = 'rep' AND u.deactivated_at IS NULL ORDER BY u.id",
    )
    .fetch_all(conn)
    .await
}
