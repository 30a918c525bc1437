//! Asking a credential again while a response lasts. A live feed stays open for hours, so being
//! allowed in at connect says nothing about the tenth hour: the session, API token or wall
//! token it was opened with is checked again:
//!
//! - at once whenever this instance changes any credential or right (sign-out, reset,
//!   deactivation, role or team change, revoked token), and before the next item is sent;
//! - and every `AuthSettings::recheck` in any case (expiry, changes made on another instance).
//!
//! The feed ends when the credential is gone or the rights it was opened with changed; the
//! browser reconnects and is judged afresh (a 401 sends it to sign in, a 200 serves the new
//! rights). A failed check (the database is down) ends it too: nothing is sent unchecked.

use super::secret;
use crate::domain::{Actor, Principal};
use crate::ssr::store::accounts::{self, KeyKind};
use crate::ssr::AppState;

/// A credential as a long-lived response holds it: digests only, never the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Held {
    /// The digest of a session id (the cookie).
    Session(String),
    /// The digest of a personal API token.
    Token(String),
    /// The digest of a wall token.
    Wall(String),
}

impl Held {
    /// A wall token as presented.
    pub fn wall(presented: &str) -> Self {
        Held::Wall(secret::digest(presented))
    }
}

/// Counts changes to credentials and rights made by this instance, and wakes the feeds when it
/// moves so each asks its credential again at once (quiet ones included).
#[derive(Debug)]
pub struct Epoch(tokio::sync::watch::Sender<u64>);

impl Default for Epoch {
    fn default() -> Self {
        Epoch(tokio::sync::watch::Sender::new(0))
    }
}

impl Epoch {
    /// Called after committing any change to a session, token, key, user or team.
    pub fn bump(&self) {
        self.0.send_modify(|n| *n += 1);
    }

    fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.subscribe()
    }
}

/// A feed's guard: the credential it was opened with and who that was.
pub struct Watch {
    state: AppState,
    held: Held,
    opened_as: Principal,
    epoch: tokio::sync::watch::Receiver<u64>,
}

impl Watch {
    pub fn new(state: &AppState, held: Held, opened_as: Principal) -> Self {
        Watch {
            epoch: state.auth.epoch.subscribe(),
            state: state.clone(),
            held,
            opened_as,
        }
    }

    /// Whether a credential or right changed on this instance since the last check.
    pub fn changed(&self) -> bool {
        self.epoch.has_changed().unwrap_or(true)
    }

    /// Waits until a credential or right changes on this instance.
    pub async fn next_change(&mut self) {
        if self.epoch.changed().await.is_err() {
            // The server is going away; the feed ends with it.
            std::future::pending::<()>().await;
        }
    }

    /// How often to check regardless.
    pub fn every(&self) -> std::time::Duration {
        self.state.auth.settings.recheck
    }

    /// Asks again: true while the credential is live and stands for the same principal with the
    /// same rights.
    pub async fn still_valid(&mut self) -> bool {
        self.epoch.mark_unchanged();
        match self.resolve().await {
            Ok(now) => now.as_ref() == Some(&self.opened_as),
            Err(e) => {
                tracing::warn!(error = %e, "live feed: credential check failed; ending the feed");
                false
            }
        }
    }

    async fn resolve(&self) -> Result<Option<Principal>, sqlx::Error> {
        let mut conn = self.state.store.read().await?;
        let user = |a: Actor| Principal::User(a);
        Ok(match &self.held {
            Held::Session(hash) => {
                let idle = self.state.auth.settings.idle.as_millis() as i64;
                accounts::session_actor(&mut conn, hash, crate::ssr::service::now(), idle)
                    .await?
                    .map(|(actor, _)| user(actor))
            }
            Held::Token(hash) => accounts::api_token_by_hash(&mut conn, hash)
                .await?
                .map(|(_, actor, _, _)| user(actor)),
            Held::Wall(hash) => accounts::key_by_hash(&mut conn, KeyKind::Wall, hash)
                .await?
                .map(|(token_id, _)| Principal::Wall { token_id }),
        })
    }
}
