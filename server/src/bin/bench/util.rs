//! Shared helpers: seeding, percentiles, sessions, machine facts.

use app::ssr::auth;
use app::ssr::store::{accounts, Store};
use std::time::Duration;

/// Loads the demo organisation with `leads` leads; returns how long it took.
pub async fn seed(store: &Store, leads: usize) -> anyhow::Result<Duration> {
    let t = std::time::Instant::now();
    server::seed::load_demo(
        store,
        server::seed::DemoOptions {
            leads,
            seed: 42,
            anchor: app::ssr::service::now(),
        },
    )
    .await?;
    Ok(t.elapsed())
}

/// A session for a demo user, written straight to the store (no password hash: the sign-in
/// section measures that); returns the `Cookie` header value.
pub async fn session(store: &Store, local: &str) -> anyhow::Result<String> {
    let mut conn = store.read().await?;
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(format!("{local}@closeloop.example"))
        .fetch_one(&mut *conn)
        .await?;
    drop(conn);
    let secret = auth::secret::random_secret(auth::SESSION_PREFIX, 16);
    let now = app::ssr::service::now();
    let mut tx = store.begin().await?;
    accounts::insert_session(
        &mut tx,
        &accounts::NewSession {
            id_hash: &auth::secret::digest(&secret),
            user: app::domain::UserId(id),
            at: now,
            expires_at: now.plus_days(1),
            ip: None,
            user_agent: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{}={secret}", auth::SESSION_COOKIE))
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `q` quantile (0..=1) of sorted durations, in milliseconds.
pub fn pct(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    ms(sorted[i])
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

pub fn mem_gib() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| (kb + 512 * 1024) / (1024 * 1024))
}

/// Resident memory of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}

/// A demo user as the service layer sees them.
pub async fn actor(store: &Store, local: &str) -> anyhow::Result<app::domain::Actor> {
    let mut conn = store.read().await?;
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(format!("{local}@closeloop.example"))
        .fetch_one(&mut *conn)
        .await?;
    accounts::actor(&mut conn, app::domain::UserId(id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no active user {local}"))
}
