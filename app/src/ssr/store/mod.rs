//! The store: one implementation over SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! The schema keeps to types both databases share (BIGINT/INTEGER, TEXT), so every query is
//! written once. SQLite gets one writer connection (SQLite allows one writer at a time; queueing
//! in the pool is cheaper than `SQLITE_BUSY` retries) and a reader pool over WAL; PostgreSQL one
//! pool for both.

pub mod accounts;
pub mod backup;
pub mod calendar;
pub mod compliance;
pub mod contacts;
pub mod dedupe;
mod dialect;
pub mod events;
mod failure;
pub mod fields;
pub mod forecast;
pub mod intake;
pub mod leads;
pub mod mailbox;
mod migrations;
pub mod org;
pub mod people;
pub mod pipelines;
pub mod policies;
pub mod quotas;
pub mod quotes;
pub mod review;
pub mod roi;
pub mod routing;
pub mod score;
pub mod sweep;
pub mod today;
pub mod wall;
pub mod webhooks;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A write transaction.
pub use dialect::{Backend, Tx};

/// Moves committed WAL frames into the database file twice a second from a reader connection
/// (PASSIVE: never waits for, nor blocks, the writer), until the store closes. Keeps the WAL
/// small without a commit ever paying for a checkpoint.
///
/// Under a write stream with no pause (a bulk seed, a long import) a passive checkpoint never
/// catches the writer, so the WAL never rewinds and grows without bound (28.7 GB next to a
/// 1.75 GB database while seeding a million leads). Once it holds more than
/// [`WAL_RESTART_FRAMES`], the next tick takes the writer between two transactions and runs a
/// TRUNCATE checkpoint, which empties it.
async fn checkpoints(reader: AnyPool, writer: AnyPool) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if reader.is_closed() {
            return;
        }
        match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&reader)
            .await
        {
            Ok((_, frames, _)) if frames > WAL_RESTART_FRAMES => {
                if let Err(e) = truncate_wal(&writer).await {
                    tracing::warn!(error = %e, frames, "sqlite: truncating checkpoint failed");
                }
            }
            Ok(_) => {}
            Err(e) => {
                if reader.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "sqlite: background checkpoint failed");
            }
        }
    }
}

/// WAL frames (pages, 4 KiB each) past which the WAL is emptied on the writer: about 256 MiB.
const WAL_RESTART_FRAMES: i64 = 65_536;

async fn truncate_wal(writer: &AnyPool) -> Result<(), sqlx::Error> {
    let mut conn = writer.acquire().await?;
    let t = Instant::now();
    let (busy, frames, _) = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut *conn)
        .await?;
    tracing::info!(
        busy,
        frames,
        ms = t.elapsed().as_millis() as u64,
        "sqlite: WAL emptied on the writer"
    );
    Ok(())
}

/// How SQLite syncs the WAL: `Full` survives power loss at ~190 µs per commit, `Normal` only
/// process crashes at ~37 µs (figures from DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqliteSync {
    Full,
    Normal,
}

impl FromStr for SqliteSync {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Ok(SqliteSync::Full),
            "normal" => Ok(SqliteSync::Normal),
            other => Err(format!(
                "unknown SQLite sync mode {other:?}; use full or normal"
            )),
        }
    }
}

/// Connection settings.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub url: String,
    pub sqlite_sync: SqliteSync,
    /// Readers for SQLite, total connections for PostgreSQL.
    pub max_connections: u32,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        StoreOptions {
            url: url.into(),
            sqlite_sync: SqliteSync::Full,
            max_connections: 8,
        }
    }
}

/// Handle to the database; clones share the pools.
#[derive(Clone)]
pub struct Store {
    writer: AnyPool,
    reader: AnyPool,
    backend: Backend,
    pipeline: Cached<crate::domain::Pipelines>,
    policies: Cached<crate::domain::Policies>,
}

/// A value read at most once per [`PIPELINE_TTL`]: the stages and the follow-up policies,
/// which every write checks against and which change rarely. Another instance's change is seen
/// within the TTL; this instance's at once ([`Store::forget_pipeline`]).
struct Cached<T>(Arc<std::sync::Mutex<Option<Entry<T>>>>);

/// A cached value and when it was read.
type Entry<T> = (Instant, Arc<T>);

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Cached(self.0.clone())
    }
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached(Arc::default())
    }
}

impl<T> Cached<T> {
    fn fresh(&self) -> Option<Arc<T>> {
        let c = self.0.lock().ok()?;
        c.as_ref()
            .filter(|(at, _)| at.elapsed() < PIPELINE_TTL)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, value: Arc<T>) {
        if let Ok(mut c) = self.0.lock() {
            *c = Some((Instant::now(), value));
        }
    }

    fn forget(&self) {
        if let Ok(mut c) = self.0.lock() {
            *c = None;
        }
    }
}

const PIPELINE_TTL: Duration = Duration::from_secs(1);
/// The PostgreSQL advisory lock writers take turns on (an arbitrary constant: "CL" in ASCII).
const WRITE_TURN_LOCK: i64 = 0x434c;
/// Connections of a PostgreSQL writer pool: one writing, the next ready to.
const WRITERS_PG: u32 = 3;

impl Store {
    /// Opens the database named by `options.url` (`sqlite:…` or `postgres://…`), creating a
    /// missing SQLite file.
    pub async fn connect(options: &StoreOptions) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let url = options.url.as_str();
        if url.starts_with("sqlite:") {
            let url = sqlite_url_with_create(url);
            let connect = AnyConnectOptions::from_str(&url)?;
            let sync = match options.sqlite_sync {
                SqliteSync::Full => "PRAGMA synchronous = FULL",
                SqliteSync::Normal => "PRAGMA synchronous = NORMAL",
            };
            let pool = |max: u32, writer: bool| {
                AnyPoolOptions::new()
                    .max_connections(max)
                    .min_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA busy_timeout = 5000",
                                "PRAGMA foreign_keys = ON",
                                sync,
                                // Pages read straight from the OS page cache instead of a
                                // pread and a copy each (shared by every connection).
                                "PRAGMA mmap_size = 1073741824",
                            ] {
                                conn.execute(pragma).await?;
                            }
                            if writer {
                                // The one writer keeps the index pages that bulk writes (the
                                // sweep, imports) touch at random: 64 MiB instead of 2.
                                conn.execute("PRAGMA cache_size = -65536").await?;
                                // Checkpoints run in the background (see `checkpoints`), not
                                // inside whichever commit crosses the threshold, where they
                                // stalled every write queued behind it (p99 153 ms at 200
                                // moves/s, docs/benchmarks.md).
                                conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                            }
                            Ok(())
                        })
                    })
            };
            // The writer opens first so that WAL mode is set before any reader attaches.
            let writer = pool(1, true).connect_with(connect.clone()).await?;
            let reader = pool(options.max_connections.max(1), false)
                .connect_with(connect)
                .await?;
            tokio::spawn(checkpoints(reader.clone(), writer.clone()));
            Ok(Store {
                writer,
                reader,
                backend: Backend::Sqlite,
                pipeline: Cached::default(),
                policies: Cached::default(),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let reader = AnyPoolOptions::new()
                .max_connections(options.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            // Writers take turns (see `begin`): a few connections are enough, and writers
            // waiting for their turn wait here rather than holding readers' connections.
            let writer = AnyPoolOptions::new()
                .max_connections(WRITERS_PG)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Store {
                writer,
                reader,
                backend: Backend::Postgres,
                pipeline: Cached::default(),
                policies: Cached::default(),
            })
        } else {
            Err(sqlx::Error::Configuration(
                format!(
                    "DATABASE_URL must start with sqlite: or postgres://, got {:?}",
                    url.split(':').next().unwrap_or_default()
                )
                .into(),
            ))
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let steps = match self.backend {
            Backend::Sqlite => migrations::SQLITE,
            Backend::Postgres => migrations::POSTGRES,
        };
        migrations::migrator(steps).await?.run(&self.writer).await
    }

    /// Starts a write transaction; write transactions take turns, on both databases, so that
    /// event ids are committed in id order. The live feed relies on that: a client resuming
    /// after event `n` is sent every event after `n`, and no event below `n` can still commit.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`), so a
    /// read-then-write can never fail half way with `SQLITE_BUSY`. On PostgreSQL it takes a
    /// transaction-scoped advisory lock, released by the commit or rollback (shared by every
    /// instance on the database); it is the first lock taken, so it cannot deadlock.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => Ok(Tx::new(
                match self.writer.begin_with("BEGIN IMMEDIATE").await {
                    // The writer is stuck "in" a transaction SQLite has already ended: a COMMIT
                    // that failed (a full disk, a read-only file) makes SQLite roll back by
                    // itself, so the driver's ROLLBACK then fails and its count never returns to
                    // zero. Every later write would fail the same way until a restart. Close that
                    // connection; the pool opens a fresh one.
                    Err(sqlx::Error::InvalidSavePointStatement) => {
                        tracing::warn!(
                            "sqlite: replacing the writer connection after a failed commit"
                        );
                        self.writer.acquire().await?.close_on_drop();
                        self.writer.begin_with("BEGIN IMMEDIATE").await?
                    }
                    other => other?,
                },
                Backend::Sqlite,
            )),
            Backend::Postgres => {
                let mut tx = Tx::new(self.writer.begin().await?, Backend::Postgres);
                if let Some(turn) = self.backend.write_turn(WRITE_TURN_LOCK) {
                    sqlx::query(&turn).execute(&mut *tx).await?;
                }
                Ok(tx)
            }
        }
    }

    /// Starts a transaction that only reads: one consistent snapshot, taken without waiting
    /// for the write turn (an import's check runs on one while other writes go on). On
    /// PostgreSQL a write through it fails; on SQLite it would wait for the write lock, which
    /// the tests of its users hold to show they never write.
    pub async fn begin_read(&self) -> Result<Tx, sqlx::Error> {
        let mut tx = Tx::new(self.reader.begin().await?, self.backend);
        if let Some(snapshot) = self.backend.read_snapshot() {
            sqlx::query(snapshot).execute(&mut *tx).await?;
        }
        Ok(tx)
    }

    /// Whether the database answers a query (readiness).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        let mut conn = self.reader.acquire().await?;
        sqlx::query("SELECT 1").execute(&mut *conn).await?;
        Ok(())
    }

    /// A connection for reads outside a transaction.
    pub async fn read(&self) -> Result<PoolConnection<Any>, sqlx::Error> {
        self.reader.acquire().await
    }

    /// A read connection with the stages and the follow-up policies in force: what most reads
    /// start with (`let Reading { mut conn, pipeline, policies } = state.store.reading().await?;`).
    pub async fn reading(&self) -> Result<Reading, sqlx::Error> {
        let mut conn = self.read().await?;
        let pipeline = self.pipeline(&mut conn).await?;
        let policies = self.policies(&mut conn).await?;
        Ok(Reading {
            conn,
            pipeline,
            policies,
        })
    }

    /// The pipeline's stages (cached for up to [`PIPELINE_TTL`]), read through `conn` when the
    /// cache is cold.
    pub async fn pipeline(
        &self,
        conn: &mut sqlx::AnyConnection,
    ) -> Result<Arc<crate::domain::Pipelines>, sqlx::Error> {
        if let Some(p) = self.pipeline.fresh() {
            return Ok(p);
        }
        let fresh = Arc::new(pipelines::read(conn).await?);
        self.pipeline.put(fresh.clone());
        Ok(fresh)
    }

    /// Drops the cached stages and policies after changing them.
    pub fn forget_pipeline(&self) {
        self.pipeline.forget();
        self.policies.forget();
    }

    /// The follow-up policies in force (cached for up to [`PIPELINE_TTL`]), with the lost
    /// stages filled in from the pipeline. Without a saved organisation default, the built-in
    /// one over office hours in UTC applies.
    pub async fn policies(
        &self,
        conn: &mut sqlx::AnyConnection,
    ) -> Result<Arc<crate::domain::Policies>, sqlx::Error> {
        if let Some(p) = self.policies.fresh() {
            return Ok(p);
        }
        let fresh = Arc::new(self.read_policies(conn).await?);
        self.policies.put(fresh.clone());
        Ok(fresh)
    }

    /// The follow-up policies as stored right now, bypassing the cache: for work that must not
    /// use rules a moment old (the stored compliance facts).
    pub async fn read_policies(
        &self,
        conn: &mut sqlx::AnyConnection,
    ) -> Result<crate::domain::Policies, sqlx::Error> {
        use crate::domain::calendar::BusinessCalendar;
        use crate::domain::{Policy, StageKind};
        let pipelines = self.pipeline(&mut *conn).await?;
        let lost: Vec<_> = pipelines
            .stages()
            .iter()
            .filter(|s| s.kind == StageKind::Lost)
            .map(|s| s.id)
            .collect();
        let stale: Vec<_> = pipelines
            .stages()
            .iter()
            .filter_map(|s| s.stale_days.map(|d| (s.id, d)))
            .collect();
        let needed: Vec<_> = pipelines
            .stages()
            .iter()
            .map(|s| {
                let keys: Vec<String> = pipelines
                    .required_fields(s)
                    .into_iter()
                    .map(|d| d.key.clone())
                    .collect();
                (s.id, keys)
            })
            .filter(|(_, keys)| !keys.is_empty())
            .collect();
        let mut org = Policy::default_for(BusinessCalendar::office_hours_utc());
        org.version = 0;
        let mut teams = Vec::new();
        for (team, mut p) in policies::latest(conn).await? {
            p.lost_stages = lost.clone();
            p.stage_idle_days = stale.clone();
            p.stage_fields = needed.clone();
            match team {
                None => org = p,
                Some(t) => teams.push((t, p)),
            }
        }
        org.lost_stages = lost;
        org.stage_idle_days = stale;
        org.stage_fields = needed;
        Ok(crate::domain::Policies { org, teams })
    }

    /// Closes both pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// Adds `mode=rwc` so that SQLite creates a missing database file instead of failing.
fn sqlite_url_with_create(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Converts a stored text key back into its enum, reporting corrupt data as a decode error.
pub(crate) fn decode_key<T>(
    column: &str,
    key: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, sqlx::Error> {
    parse(key).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unknown value {key:?}").into(),
    })
}

/// One value of a multi-row statement (see `value_rows`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cell<'a> {
    /// A number: written into the SQL text.
    Int(Option<i64>),
    /// A text: bound as a parameter.
    Text(&'a str),
    /// A text or NULL: bound as a parameter when there is one.
    OptText(Option<&'a str>),
}

/// The rows of a multi-row INSERT or `WITH v (…) AS (VALUES …)` list, and the texts to bind
/// to them in order, numbered from `$first`. Numbers are written into the SQL (typed BIGINT
/// with `cast`, which PostgreSQL needs in a VALUES list that is not an INSERT's): they come
/// from our own tables and arithmetic, never from what a user typed, and binding them cost
/// more than the write itself, as SQLite finds each numbered parameter's name by walking
/// the list of all of them (quadratic in the parameters of a statement). Texts are always
/// bound.
pub(crate) fn value_rows<'a>(
    rows: impl IntoIterator<Item = Vec<Cell<'a>>>,
    first: usize,
    cast: bool,
) -> (String, Vec<&'a str>) {
    value_rows_marked(rows, Some(first), cast)
}

/// Runs a statement binding `texts` in order (the texts of [`value_rows`]).
pub(crate) async fn execute_with(
    conn: &mut AnyConnection,
    sql: &str,
    texts: Vec<&str>,
) -> Result<(), sqlx::Error> {
    let mut q = sqlx::query(sql).persistent(false);
    for t in texts {
        q = q.bind(t);
    }
    q.execute(conn).await?;
    Ok(())
}

/// [`value_rows`] for a statement whose only parameters are these texts: on SQLite they are
/// marked `?` (bound in order, no names to look up, so binding costs stay linear however many
/// rows a statement has); on PostgreSQL `$1`, `$2`, ….
pub(crate) fn value_rows_for<'a>(
    conn: &AnyConnection,
    rows: impl IntoIterator<Item = Vec<Cell<'a>>>,
    cast: bool,
) -> (String, Vec<&'a str>) {
    let first = (conn.backend_name() != "SQLite").then_some(1);
    value_rows_marked(rows, first, cast)
}

fn value_rows_marked<'a>(
    rows: impl IntoIterator<Item = Vec<Cell<'a>>>,
    first: Option<usize>,
    cast: bool,
) -> (String, Vec<&'a str>) {
    let mut texts = Vec::new();
    let mut sql = String::new();
    for (i, row) in rows.into_iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for (c, cell) in row.into_iter().enumerate() {
            if c > 0 {
                sql.push_str(", ");
            }
            let value = match cell {
                Cell::Int(Some(n)) => n.to_string(),
                Cell::Int(None) => "NULL".to_string(),
                Cell::Text(t) | Cell::OptText(Some(t)) => {
                    texts.push(t);
                    match first {
                        Some(first) => format!("${}", first + texts.len() - 1),
                        None => "?".to_string(),
                    }
                }
                Cell::OptText(None) => "NULL".to_string(),
            };
            if cast && matches!(cell, Cell::Int(_)) {
                sql.push_str(&format!("CAST({value} AS BIGINT)"));
            } else {
                sql.push_str(&value);
            }
        }
        sql.push(')');
    }
    (sql, texts)
}

/// `a, b, c`: ids from our own tables, inlined into an `IN (…)` list. An `UPDATE … FROM
/// (VALUES …)` names its rows this way as well, so both planners look them up by primary key
/// instead of scanning the table and joining (which they otherwise may, without statistics).
pub(crate) fn id_list(ids: impl Iterator<Item = i64>) -> String {
    ids.map(|id| id.to_string()).collect::<Vec<_>>().join(", ")
}

/// Ids for `n` new rows of `table`, so rows written later with multi-row statements can be
/// linked to each other first. SQLite: the ones after the largest (the caller holds the write
/// lock and writes them before anything else inserts into the table). PostgreSQL: drawn from
/// the table's sequence (never handed out twice).
pub async fn reserve_ids(tx: &mut Tx, table: &str, n: usize) -> Result<Vec<i64>, sqlx::Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let sql = tx.backend().next_ids(table);
    match tx.backend() {
        Backend::Sqlite => {
            let (max,): (i64,) = sqlx::query_as(&sql).fetch_one(&mut **tx).await?;
            Ok((max + 1..=max + n as i64).collect())
        }
        Backend::Postgres => {
            let rows: Vec<(i64,)> = sqlx::query_as(&sql)
                .bind(n as i64)
                .fetch_all(&mut **tx)
                .await?;
            Ok(rows.into_iter().map(|(id,)| id).collect())
        }
    }
}

/// The wall-clock time.
pub fn now() -> crate::domain::Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    crate::domain::Timestamp(ms)
}

/// Rows written per multi-row statement (well under both databases' limits on bound values).
pub(crate) const ROWS_PER_STATEMENT: usize = 200;

/// A read connection and the rules every read judges by (see [`Store::reading`]).
pub struct Reading {
    pub conn: PoolConnection<Any>,
    pub pipeline: Arc<crate::domain::Pipelines>,
    pub policies: Arc<crate::domain::Policies>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_rows_write_numbers_and_bind_texts() {
        let (sql, texts) = value_rows(
            [
                vec![Cell::Int(Some(7)), Cell::Text("a'b"), Cell::Int(None)],
                vec![Cell::Int(Some(-8)), Cell::Text("c"), Cell::Int(Some(9))],
            ],
            2,
            false,
        );
        assert_eq!(sql, "(7, $2, NULL), (-8, $3, 9)");
        assert_eq!(texts, ["a'b", "c"]);
        let (sql, texts) = value_rows([vec![Cell::Int(Some(1)), Cell::Int(None)]], 1, true);
        assert_eq!(sql, "(CAST(1 AS BIGINT), CAST(NULL AS BIGINT))");
        assert!(texts.is_empty());
    }

    #[test]
    fn sqlite_urls_get_create_mode_once() {
        assert_eq!(
            sqlite_url_with_create("sqlite:a.db"),
            "sqlite:a.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url_with_create("sqlite:a.db?cache=shared"),
            "sqlite:a.db?cache=shared&mode=rwc"
        );
        assert_eq!(
            sqlite_url_with_create("sqlite:a.db?mode=ro"),
            "sqlite:a.db?mode=ro"
        );
    }
}
