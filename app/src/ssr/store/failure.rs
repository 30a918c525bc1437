//! Database failures as the client sees them: the server's situation (disk full, read-only,
//! busy, unreachable) is a 503 the user can act on; anything else an opaque 500, logged with
//! the place it happened.

use crate::error::AppError;

/// A database failure as the client sees it, logged with the place it happened: `?` on a
/// `sqlx::Error` in a function that answers `AppError` logs the file and line of that `?`.
/// The server's situation (disk full, read-only, busy, unreachable: [`unavailable`]) is a 503
/// the user can act on; anything else is an opaque 500.
impl From<sqlx::Error> for AppError {
    #[track_caller]
    fn from(e: sqlx::Error) -> Self {
        let at = std::panic::Location::caller();
        match unavailable(&e) {
            Some(message) => {
                tracing::warn!(error = %e, at = %at, "the database cannot serve this now");
                AppError::Unavailable {
                    message: message.into(),
                }
            }
            None => {
                tracing::error!(error = %e, at = %at, "database failure");
                AppError::internal()
            }
        }
    }
}

/// What to tell the user when a database error is the server's situation (disk full, database
/// read-only, busy beyond waiting, connection lost) rather than a fault in the request or a
/// bug: answered 503 `unavailable`, so clients know to try again later and nothing was saved.
pub fn unavailable(e: &sqlx::Error) -> Option<&'static str> {
    const FULL: &str = "The server's disk is full, so nothing was saved. Try again once an \
                        administrator has made room.";
    const READ_ONLY: &str = "The database is read-only at the moment, so nothing was saved. \
                             Try again later.";
    const BUSY: &str = "The database is too busy to take this now; nothing was saved. Try \
                        again in a moment.";
    const DOWN: &str = "The database cannot be reached, so nothing was saved. Try again in a \
                        moment.";
    const STORAGE: &str = "The server cannot write to its storage at the moment, so nothing \
                           was saved. Try again later.";
    match e {
        sqlx::Error::PoolTimedOut => Some(BUSY),
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => Some(DOWN),
        sqlx::Error::Database(d) => {
            if let Some(sqlite) = d.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                // Extended result codes: the primary code is the low byte.
                let code = sqlx::error::DatabaseError::code(sqlite)?
                    .parse::<i32>()
                    .ok()?;
                match code & 0xff {
                    5 | 6 => Some(BUSY),      // SQLITE_BUSY, SQLITE_LOCKED
                    8 => Some(READ_ONLY),     // SQLITE_READONLY
                    13 => Some(FULL),         // SQLITE_FULL
                    10 | 14 => Some(STORAGE), // SQLITE_IOERR, SQLITE_CANTOPEN
                    _ => None,
                }
            } else {
                // PostgreSQL's SQLSTATE.
                match d.code()?.as_ref() {
                    "53100" => Some(FULL),
                    "25006" => Some(READ_ONLY),
                    c if c.starts_with("53") => Some(BUSY),
                    c if c.starts_with("57P") || c.starts_with("08") => Some(DOWN),
                    _ => None,
                }
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::unavailable;
    use sqlx::{Connection, Executor};

    /// The SQLite linked in has the fix for the WAL-reset corruption bug (3.51.3), which the
    /// crash suite hit on 3.46 (see app/sqlite-shim).
    #[tokio::test]
    async fn sqlite_has_the_wal_reset_fix() {
        let mut c = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        let (v,): (String,) = sqlx::query_as("SELECT sqlite_version()")
            .fetch_one(&mut c)
            .await
            .unwrap();
        let parts: Vec<u32> = v.split('.').map(|p| p.parse().unwrap()).collect();
        assert!(parts >= vec![3, 51, 3], "SQLite {v}");
    }

    /// Real SQLite errors for a read-only and a full database read as "unavailable", naming
    /// the reason; a fault of the statement itself stays a 500.
    #[tokio::test]
    async fn database_situations_read_as_unavailable_with_the_reason() {
        let mut c = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        c.execute("CREATE TABLE t (x BLOB)").await.unwrap();
        c.execute("PRAGMA query_only = 1").await.unwrap();
        let e = c.execute("INSERT INTO t VALUES (1)").await.unwrap_err();
        assert!(unavailable(&e).unwrap().contains("read-only"), "{e}");
        c.execute("PRAGMA query_only = 0").await.unwrap();
        let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count")
            .fetch_one(&mut c)
            .await
            .unwrap();
        c.execute(format!("PRAGMA max_page_count = {pages}").as_str())
            .await
            .unwrap();
        let e = c
            .execute("INSERT INTO t VALUES (zeroblob(100000))")
            .await
            .unwrap_err();
        assert!(unavailable(&e).unwrap().contains("disk is full"), "{e}");
        let e = c.execute("SELECT * FROM no_such_table").await.unwrap_err();
        assert_eq!(unavailable(&e), None, "{e}");
        assert!(unavailable(&sqlx::Error::PoolTimedOut)
            .unwrap()
            .contains("busy"));
    }

    /// `?` on a database error answers what the user can act on: a 503 with the reason for
    /// the server's situation, an opaque 500 for anything else.
    #[test]
    fn a_database_error_becomes_the_clients_error_through_question_mark() {
        fn read(e: sqlx::Error) -> Result<(), crate::error::AppError> {
            Err(e)?;
            Ok(())
        }
        let busy = read(sqlx::Error::PoolTimedOut).unwrap_err();
        assert_eq!(busy.status(), 503);
        assert!(busy.to_string().contains("busy"), "{busy}");
        let fault = read(sqlx::Error::RowNotFound).unwrap_err();
        assert_eq!(fault.status(), 500);
        assert!(!fault.to_string().contains("RowNotFound"), "{fault}");
    }
}
