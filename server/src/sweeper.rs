//! The follow-up sweep on a timer, and the e-mails it sends.
//!
//! Every instance runs the timer; each tick first takes the `sweep` lease (a row in `leases`,
//! renewed every tick, expiring after three intervals), so with several instances on one
//! PostgreSQL exactly one sweeps at a time and another takes over within three intervals when
//! it stops. A lease row rather than an advisory lock works the same on SQLite and survives
//! connection-pool recycling. After a sweep, notifications not yet e-mailed go out through
//! SMTP when it is configured.

use app::domain::Timestamp;
use app::ssr::service::sweep::{self, SweepReport};
use app::ssr::store::sweep as store;
use app::ssr::AppState;
use std::time::Duration;

/// The lease's name.
pub const LEASE: &str = "sweep";

/// An SMTP relay for notification e-mails.
#[derive(Clone)]
pub struct Mailer {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Mailer {
    /// From a URL `smtp://host[:port]` (port 25 if left out) and a sender address. Plain SMTP
    /// to a relay on the local network, which handles TLS and authentication onward; this
    /// build compiles no TLS stack.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Mailer> {
        use anyhow::Context;
        let rest = url
            .strip_prefix("smtp://")
            .context("--smtp-url: expected smtp://host[:port]")?
            .trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().context("--smtp-url: port")?),
            None => (rest, 25),
        };
        anyhow::ensure!(
            !host.is_empty() && !host.contains(['@', '/']),
            "--smtp-url: expected smtp://host[:port]"
        );
        let transport =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(host)
                .port(port)
                .timeout(Some(Duration::from_secs(10)))
                .build();
        let from = from.parse().context("--mail-from")?;
        Ok(Mailer { transport, from })
    }

    /// Sends every notification not yet e-mailed (up to `limit`), marking each as it goes.
    /// Returns how many were sent; a failure stops the round and is retried next tick.
    pub async fn deliver(&self, state: &AppState, limit: i64) -> anyhow::Result<usize> {
        use lettre::AsyncTransport;
        let mut conn = state.store.read().await?;
        let pending = store::unsent_emails(&mut conn, limit).await?;
        drop(conn);
        let mut sent = 0;
        for (id, to, text) in pending {
            let Ok(to) = to.parse::<lettre::message::Mailbox>() else {
                tracing::warn!(
                    notification = id,
                    "recipient address does not parse; skipped"
                );
                mark(state, id).await?;
                continue;
            };
            let email = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(format!("Closeloop: {}", subject(&text)))
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(format!(
                    "{text}\n\nOpen Closeloop to follow it up. You get this e-mail because the team's follow-up policy escalates overdue follow-ups.\n"
                ))?;
            self.transport.send(email).await?;
            mark(state, id).await?;
            sent += 1;
        }
        Ok(sent)
    }
}

fn subject(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if text.chars().count() > 80 {
        s.push('…');
    }
    s
}

async fn mark(state: &AppState, id: i64) -> anyhow::Result<()> {
    let mut tx = state.store.begin().await?;
    store::mark_emailed(&mut tx, id, app::ssr::service::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// One tick at `at` as `holder`: takes (or renews) the lease and, if held, sweeps. `None` when
/// another instance holds the lease.
pub async fn tick(
    state: &AppState,
    holder: &str,
    at: Timestamp,
    every: Duration,
) -> anyhow::Result<Option<SweepReport>> {
    let ttl = (every.as_millis() as i64).saturating_mul(3).max(1_000);
    let mut tx = state.store.begin().await?;
    let held = store::take_lease(&mut tx, LEASE, holder, at, ttl).await?;
    tx.commit().await?;
    if !held {
        return Ok(None);
    }
    let report = sweep::sweep(state, at).await?;
    // Scores age with the clock (recency): keep them current, oldest first.
    let rescored = app::ssr::service::score::refresh(state, at).await?;
    if rescored > 0 {
        tracing::debug!(rescored, "lead scores refreshed");
    }
    Ok(Some(report))
}

/// Gives the lease up (on shutdown) so another instance sweeps at its next tick.
pub async fn release(state: &AppState, holder: &str) -> anyhow::Result<()> {
    let mut tx = state.store.begin().await?;
    store::release_lease(&mut tx, LEASE, holder).await?;
    tx.commit().await?;
    Ok(())
}

/// A name for this instance in the lease: host, process id and start time.
pub fn holder_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        app::ssr::service::now().0
    )
}

/// Runs [`tick`] every `every` until aborted, then e-mails what it notified.
pub fn spawn(
    state: AppState,
    holder: String,
    every: Duration,
    mailer: Option<Mailer>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut timer = tokio::time::interval(every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            timer.tick().await;
            match tick(&state, &holder, app::ssr::service::now(), every).await {
                Ok(Some(r)) => {
                    if r.opened + r.resolved + r.reminded + r.alerted + r.reassigned > 0 {
                        tracing::info!(
                            judged = r.judged,
                            opened = r.opened,
                            resolved = r.resolved,
                            reminded = r.reminded,
                            alerted = r.alerted,
                            reassigned = r.reassigned,
                            judge_ms = r.judge_ms,
                            write_ms = r.write_ms,
                            "follow-up sweep"
                        );
                    }
                    if let Some(m) = &mailer {
                        match m.deliver(&state, 200).await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(sent = n, "notification e-mails"),
                            Err(e) => tracing::warn!(error = %e, "notification e-mails"),
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "follow-up sweep failed; retrying next tick"),
            }
        }
    })
}
