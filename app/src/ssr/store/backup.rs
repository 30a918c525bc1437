//! Online backup and restore of the SQLite database (PostgreSQL has `pg_dump`/`pg_restore`;
//! see docs/operations in the README).
//!
//! A backup is `VACUUM INTO` on a reader connection: a consistent copy of the last committed
//! state, written while the server goes on serving and writing (WAL readers never block the
//! writer). The copy is then opened read-only and must pass `PRAGMA integrity_check`.
//!
//! A restore checks the backup the same way, copies it next to the database and renames it
//! over the database file (atomic on one file system), removing the old WAL and shared-memory
//! files. The server must be stopped first.

use super::{Backend, Store};
use sqlx::any::AnyConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What a backup or restore wrote, as checked afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub path: PathBuf,
    pub bytes: u64,
    pub leads: i64,
    pub events: i64,
}

/// Why a backup or restore was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Database(#[from] sqlx::Error),
}

fn refuse(message: impl Into<String>) -> BackupError {
    BackupError::Refused(message.into())
}

/// Writes a consistent copy of the running database to `to` and checks it.
pub async fn backup(store: &Store, to: &Path) -> Result<Checked, BackupError> {
    if store.backend() != Backend::Sqlite {
        return Err(refuse(
            "This is a PostgreSQL database: back it up with pg_dump (see the README)",
        ));
    }
    if to.exists() {
        return Err(refuse(format!(
            "{} already exists: name a new file",
            to.display()
        )));
    }
    let target = to
        .to_str()
        .ok_or_else(|| refuse("The backup path must be valid UTF-8"))?;
    let mut conn = store.read().await?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&mut *conn)
        .await?;
    drop(conn);
    check(to).await
}

/// Opens `path` read-only and checks it is a sound Closeloop database.
pub async fn check(path: &Path) -> Result<Checked, BackupError> {
    let bytes = std::fs::metadata(path)
        .map_err(|e| refuse(format!("Cannot read {}: {e}", path.display())))?
        .len();
    let url = format!(
        "sqlite://{}?mode=ro",
        path.to_str()
            .ok_or_else(|| refuse("The path must be valid UTF-8"))?
    );
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnectOptions::from_str(&url)?.connect().await?;
    let verdict: Result<(String,), sqlx::Error> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await;
    let counts: Result<(i64, i64), sqlx::Error> =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM leads), (SELECT COUNT(*) FROM events)")
            .fetch_one(&mut conn)
            .await;
    conn.close().await.ok();
    match verdict {
        Ok((v,)) if v == "ok" => {}
        Ok((v,)) => return Err(refuse(format!("{} is damaged: {v}", path.display()))),
        Err(e) => {
            return Err(refuse(format!(
                "{} is not a SQLite database: {e}",
                path.display()
            )))
        }
    }
    let (leads, events) = counts.map_err(|_| {
        refuse(format!(
            "{} is not a Closeloop database (no leads or events)",
            path.display()
        ))
    })?;
    Ok(Checked {
        path: path.to_path_buf(),
        bytes,
        leads,
        events,
    })
}

/// The database file a `sqlite:` URL names.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Replaces the database at `database_url` with the backup `from` (the server must be
/// stopped). Returns the restored database as checked.
pub async fn restore(from: &Path, database_url: &str) -> Result<Checked, BackupError> {
    let target = sqlite_path(database_url).ok_or_else(|| {
        refuse("Restore works on a SQLite file (for PostgreSQL use pg_restore, see the README)")
    })?;
    check(from).await?;
    let mut staged = target.clone().into_os_string();
    staged.push(".restoring");
    let staged = PathBuf::from(staged);
    std::fs::copy(from, &staged)?;
    std::fs::File::open(&staged)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    std::fs::rename(&staged, &target)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself is durable once its directory is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            d.sync_all().ok();
        }
    }
    check(&target).await
}
