//! Everything that differs between SQLite and PostgreSQL, in one place: which database is
//! behind the store, a transaction that knows it, and the statements each dialect spells its
//! own way. The rest of the store writes portable SQL and asks here when it cannot.

use sqlx::{Any, AnyConnection};
use std::ops::{Deref, DerefMut};

/// Which database is behind the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database transaction that knows its dialect, so the store functions it is handed need no
/// separate `backend` argument. Used like the connection it wraps (`&mut tx`, `&mut *tx`);
/// ends with [`Tx::commit`] or, dropped, rolls back.
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    backend: Backend,
}

impl Tx {
    pub(super) fn new(inner: sqlx::Transaction<'static, Any>, backend: Backend) -> Tx {
        Tx { inner, backend }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn is_postgres(&self) -> bool {
        self.backend == Backend::Postgres
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

impl Backend {
    /// The statement that makes a PostgreSQL transaction wait for the write turn (`key`: the
    /// advisory lock's number); SQLite's `BEGIN IMMEDIATE` already is one.
    pub(super) fn write_turn(self, key: i64) -> Option<String> {
        (self == Backend::Postgres).then(|| format!("SELECT pg_advisory_xact_lock({key})"))
    }

    /// The statement that makes a transaction one read-only snapshot (SQLite's deferred
    /// transaction on the reader pool already is one).
    pub(super) fn read_snapshot(self) -> Option<&'static str> {
        (self == Backend::Postgres)
            .then_some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    }

    /// An aggregate joining an integer column's values with commas.
    pub(super) fn joined_integers(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("group_concat({column}, ',')"),
            Backend::Postgres => format!("string_agg(CAST({column} AS TEXT), ',')"),
        }
    }

    /// The statements that lift and restore the guard keeping the event log append-only (for
    /// an erasure, the one change the log allows).
    pub(super) fn event_guard(self) -> (&'static str, &'static str) {
        match self {
            Backend::Sqlite => (
                "DROP TRIGGER events_no_update",
                "CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                 BEGIN
                     SELECT RAISE(ABORT, 'events are append-only');
                 END",
            ),
            Backend::Postgres => (
                "ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete",
                "ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete",
            ),
        }
    }

    /// The statement that keeps other writers off `tables` until the transaction ends, where
    /// one is needed (SQLite's writer already excludes every other).
    pub(super) fn lock_tables(self, tables: &str) -> Option<String> {
        (self == Backend::Postgres).then(|| format!("LOCK TABLE {tables} IN EXCLUSIVE MODE"))
    }

    /// How `n` new ids of `table` are drawn: SQLite, after the largest (the caller holds the
    /// write lock); PostgreSQL, from the table's sequence (`$1` = n).
    pub(super) fn next_ids(self, table: &str) -> String {
        match self {
            Backend::Sqlite => format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table}"),
            Backend::Postgres => format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
            ),
        }
    }

    /// The statement that moves `table`'s id sequence past ids written explicitly (SQLite
    /// needs none: its next id follows the largest).
    pub(super) fn sync_sequence(self, table: &str) -> Option<String> {
        (self == Backend::Postgres).then(|| {
            format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                               GREATEST((SELECT MAX(id) FROM {table}), 1))"
            )
        })
    }
}
