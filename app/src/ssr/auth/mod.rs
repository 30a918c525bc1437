//! Authentication: who is asking. Password sign-in with throttling and lockout, database
//! sessions behind an HttpOnly cookie, and the bearer secrets of wall displays and intake keys.
//!
//! What the asker may then do is decided by `domain::access`, called from the service layer.

pub mod password;
pub mod proxy;
pub mod seal;
pub mod secret;
pub mod throttle;
pub mod watch;

use super::service::now;
use super::store::accounts::{self, KeyKind, NewSession};
use super::store::events;
use super::AppState;
use crate::domain::{Actor, Email, Principal, Timestamp};
use crate::error::AppError;
use serde_json::json;
use std::time::{Duration, Instant};
use throttle::{Limit, Throttle};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "closeloop_session";
/// Session ids: 128 random bits after this prefix.
pub const SESSION_PREFIX: &str = "cls_";
const SESSION_BYTES: usize = 16;
/// Wall tokens and intake keys: 192 random bits after these prefixes.
pub const WALL_PREFIX: &str = "clw_";
pub const INTAKE_PREFIX: &str = "cli_";
/// Personal API tokens start with this.
pub const API_TOKEN_PREFIX: &str = "clt_";
const KEY_BYTES: usize = 24;

/// The device cookie: set at a successful sign-in, it exempts that browser from the account's
/// sign-in pause (OWASP's device cookies). 128 random bits after this prefix.
pub const DEVICE_COOKIE: &str = "closeloop_device";
pub const DEVICE_PREFIX: &str = "cld_";
const DEVICE_BYTES: usize = 16;
/// A device cookie lasts a year.
const DEVICE_MAX_AGE: Duration = Duration::from_secs(365 * 86_400);
/// The one message for every failed sign-in, so it reveals nothing about the account.
pub const BAD_CREDENTIALS: &str = "That e-mail and password do not match an active account";

/// Session and throttle settings.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// A session ends after this long without a request.
    pub idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub absolute: Duration,
    /// Sign-in attempts per IP address per minute.
    pub per_ip_per_minute: u32,
    /// Failed sign-ins per account per 15 minutes before the account is throttled.
    pub per_account_per_15_min: u32,
    /// Simultaneous password hashes (one per core keeps the async workers free).
    pub hash_concurrency: usize,
    /// Behind a reverse proxy: take the client address from `X-Forwarded-For` and https from
    /// `X-Forwarded-Proto`. Off by default, since anyone can send those headers.
    pub trust_proxy: bool,
    /// Our own proxies' addresses when there is more than one hop: the client is the
    /// right-most `X-Forwarded-For` entry outside them (see `proxy`).
    pub trusted_proxies: Vec<proxy::Net>,
    /// Mark cookies `Secure` even without a trusted proxy saying https (set when the public URL
    /// is https).
    pub https: bool,
    /// How often a live feed asks its credential again even when nothing changed on this
    /// instance (see `watch`).
    pub recheck: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            idle: Duration::from_secs(12 * 3600),
            absolute: Duration::from_secs(7 * 24 * 3600),
            per_ip_per_minute: 30,
            per_account_per_15_min: 5,
            hash_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            trust_proxy: false,
            trusted_proxies: Vec::new(),
            https: false,
            recheck: Duration::from_secs(10),
        }
    }
}

/// The authentication machinery shared by all requests of one server instance.
pub struct Auth {
    pub settings: AuthSettings,
    pub hasher: password::Hasher,
    per_ip: Throttle,
    per_account: Throttle,
    /// Submissions per intake key and minute (each key has its own limit).
    pub per_intake_key: Throttle,
    /// Changes to credentials and rights on this instance, for the live feeds' guards.
    pub epoch: watch::Epoch,
}

impl Auth {
    pub fn new(settings: AuthSettings) -> Self {
        Auth {
            hasher: password::Hasher::new(settings.hash_concurrency),
            per_ip: Throttle::new(Limit {
                attempts: settings.per_ip_per_minute,
                window: Duration::from_secs(60),
            }),
            per_account: Throttle::new(Limit {
                attempts: settings.per_account_per_15_min,
                window: Duration::from_secs(15 * 60),
            }),
            per_intake_key: Throttle::new(Limit {
                attempts: 30,
                window: Duration::from_secs(60),
            }),
            epoch: watch::Epoch::default(),
            settings,
        }
    }
}

/// Where a request comes from, for throttling and the audit trail.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The device cookie's value, if the browser sent one.
    pub device: Option<String>,
}

/// The outcome of a successful sign-in: the new session's cookie value and who signed in.
pub struct SignedIn {
    pub session: String,
    pub actor: Actor,
    pub max_age: Duration,
    /// A new device cookie to set (the browser had none for this account).
    pub device: Option<String>,
}

fn rate_limited(secs: u64) -> AppError {
    AppError::RateLimited {
        message: format!("Too many sign-in attempts; try again in {secs} seconds"),
        retry_after_secs: secs,
    }
}

/// Signs in with e-mail and password and opens a new session (a new id every time, so a
/// session id planted before sign-in is worthless).
///
/// Every attempt is throttled per IP, failures also per account and device. Consecutive
/// failures pause the account's sign-in with a growing delay (`domain::account::
/// sign_in_pause_ms`) for every browser it was never signed in from; its owner hears of it
/// (notification, and e-mail when a relay is set), and a browser that signed in before (the
/// device cookie) is not paused, so guessing cannot keep the owner out. Failed and successful
/// attempts are written to the event log.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<SignedIn, AppError> {
    let auth = &state.auth;
    let clock = Instant::now();
    let ip_key = format!("ip:{}", client.ip.as_deref().unwrap_or("unknown"));
    auth.per_ip.hit(&ip_key, clock).map_err(rate_limited)?;

    let email = Email::parse(email).map_err(|m| AppError::field("email", m))?;
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password"));
    }
    if password.chars().count() > crate::domain::account::MAX_PASSWORD_CHARS {
        return Err(AppError::Unauthorized {
            message: BAD_CREDENTIALS.into(),
        });
    }
    let device_hash = client
        .device
        .as_deref()
        .filter(|d| secret::well_formed(d, DEVICE_PREFIX, DEVICE_BYTES))
        .map(secret::digest);
    let (row, known_device) = {
        let mut conn = state.store.read().await?;
        let row = accounts::sign_in_row(&mut conn, email.as_str()).await?;
        let known = match (&row, &device_hash) {
            (Some(r), Some(h)) => accounts::device_is(&mut conn, r.id, h).await?,
            _ => false,
        };
        (row, known)
    };
    // A browser the account signed in from has its own allowance: failures elsewhere do not
    // use it up (and a made-up device cookie is just another unknown browser).
    let account_key = match (&device_hash, known_device) {
        (Some(h), true) => format!("account:{email}:device:{}", &h[..16]),
        _ => format!("account:{email}"),
    };
    if let Some(secs) = auth.per_account.blocked(&account_key, clock) {
        return Err(rate_limited(secs));
    }
    let at = now();
    let (user, phc) = match &row {
        Some(r) => (Some(r.id), r.password_hash.clone()),
        None => (None, None),
    };
    // Always hash, also for unknown accounts and paused ones, so timing tells nothing.
    let matches = auth.hasher.verify(password.to_string(), phc).await;
    let paused = row
        .as_ref()
        .and_then(|r| r.paused_until)
        .filter(|until| until.0 > at.0 && !known_device);
    let usable = row.as_ref().is_some_and(|r| r.active) && paused.is_none();

    let mut tx = state.store.begin().await?;
    if !(matches && usable) {
        let reason = match &row {
            None => "unknown_account",
            Some(r) if !r.active => "deactivated",
            Some(_) if paused.is_some() => "paused",
            Some(_) => "wrong_password",
        };
        // Attempts during a pause are not counted (nor checked): the pause only grows while
        // it is not in force, at most about once an hour.
        let mut paused_now = None;
        if let (Some(id), "wrong_password") = (user, reason) {
            let (failures, until) = accounts::record_failure(&mut tx, id, at).await?;
            if let Some(until) = until {
                paused_now = Some(until);
                if failures == crate::domain::account::PAUSE_AFTER || failures % 10 == 0 {
                    tell_owner_of_pause(&mut tx, id, failures, until, client, at).await?;
                }
            }
        }
        events::append(
            &mut tx,
            &events::NewEvent {
                at,
                actor_id: user.map(|u| u.0),
                kind: "auth.sign_in_failed",
                lead_id: None,
                payload: json!({"email": email.as_str(), "reason": reason, "ip": client.ip,
                                "paused_until": paused_now, "known_device": known_device}),
            },
        )
        .await?;
        tx.commit().await?;
        if let Err(secs) = auth.per_account.hit(&account_key, clock) {
            return Err(rate_limited(secs));
        }
        return Err(AppError::Unauthorized {
            message: BAD_CREDENTIALS.into(),
        });
    }
    let user = user.expect("usable implies a row");
    accounts::record_success(&mut tx, user).await?;
    // Remember this browser, or note that it came back.
    let device = match (&device_hash, known_device) {
        (Some(h), true) => {
            accounts::device_known(&mut tx, user, h, at).await?;
            None
        }
        _ => {
            let cookie = secret::random_secret(DEVICE_PREFIX, DEVICE_BYTES);
            accounts::insert_device(&mut tx, user, &secret::digest(&cookie), at).await?;
            Some(cookie)
        }
    };
    let session = secret::random_secret(SESSION_PREFIX, SESSION_BYTES);
    let max_age = auth.settings.absolute;
    accounts::insert_session(
        &mut tx,
        &NewSession {
            id_hash: &secret::digest(&session),
            user,
            at,
            expires_at: at.plus_ms(max_age.as_millis() as i64),
            ip: client.ip.as_deref(),
            user_agent: client
                .user_agent
                .as_deref()
                .map(|ua| &ua[..ua.floor_char_boundary(300)]),
        },
    )
    .await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(user.0),
            kind: "auth.signed_in",
            lead_id: None,
            payload: json!({"ip": client.ip, "known_device": known_device}),
        },
    )
    .await?;
    let actor = accounts::actor(&mut tx, user)
        .await?
        .ok_or_else(AppError::internal)?;
    tx.commit().await?;
    auth.per_account.clear(&account_key);
    Ok(SignedIn {
        session,
        actor,
        max_age,
        device,
    })
}

/// Tells an account's owner that guessing paused its sign-in: in the app (the bell), and by
/// e-mail when a relay is configured (the notification relay sends it).
async fn tell_owner_of_pause(
    tx: &mut super::store::Tx,
    user: crate::domain::UserId,
    failures: i64,
    until: Timestamp,
    client: &ClientInfo,
    at: Timestamp,
) -> Result<(), AppError> {
    let message = format!(
        "{failures} sign-ins to your account failed in a row (the last from {}). Sign-in from \
         browsers you have not used before is paused until {} UTC. If it was not you, nothing is \
         needed: your password was not guessed. If it was, wait, or ask an admin to lift the \
         pause.",
        client.ip.as_deref().unwrap_or("an unknown address"),
        until.time_of_day(0)
    );
    super::store::sweep::insert_notification(tx, user.0, None, "sign_in_paused", &message, at)
        .await?;
    Ok(())
}

/// The signed-in user behind a session cookie value, if the session is live. Extends the idle
/// expiry at most once a minute (a write per request would serialise reads on SQLite).
pub async fn session_actor(
    state: &AppState,
    cookie: &str,
) -> Result<Option<(Actor, String)>, AppError> {
    if !secret::well_formed(cookie, SESSION_PREFIX, SESSION_BYTES) {
        return Ok(None);
    }
    let hash = secret::digest(cookie);
    let at = now();
    let idle = state.auth.settings.idle.as_millis() as i64;
    let mut conn = state.store.read().await?;
    let Some((actor, last_seen_at)) = accounts::session_actor(&mut conn, &hash, at, idle).await?
    else {
        return Ok(None);
    };
    drop(conn);
    if at.0 - last_seen_at.0 > 60_000 {
        let mut tx = state.store.begin().await?;
        accounts::touch_session(&mut tx, &hash, at).await?;
        tx.commit().await?;
    }
    Ok(Some((actor, hash)))
}

/// Ends a session server-side: its cookie is worthless from now on, wherever it was copied.
pub async fn sign_out(state: &AppState, actor: &Actor, session_hash: &str) -> Result<(), AppError> {
    let mut tx = state.store.begin().await?;
    accounts::delete_session(&mut tx, session_hash).await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at: now(),
            actor_id: Some(actor.id.0),
            kind: "auth.signed_out",
            lead_id: None,
            payload: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    state.auth.epoch.bump();
    Ok(())
}

/// The principal behind a wall token or intake key, if it is valid and not revoked.
pub async fn key_principal(
    state: &AppState,
    kind: KeyKind,
    presented: &str,
) -> Result<Option<Principal>, AppError> {
    let prefix = match kind {
        KeyKind::Wall => WALL_PREFIX,
        KeyKind::Intake => INTAKE_PREFIX,
    };
    if !secret::well_formed(presented, prefix, KEY_BYTES) {
        return Ok(None);
    }
    let hash = secret::digest(presented);
    let found = {
        let mut conn = state.store.read().await?;
        accounts::key_by_hash(&mut conn, kind, &hash).await?
    };
    let Some((id, source)) = found else {
        return Ok(None);
    };
    Ok(Some(match (kind, source) {
        (KeyKind::Intake, Some(source_id)) => Principal::Intake {
            key_id: id,
            source_id,
        },
        (KeyKind::Intake, None) => return Ok(None),
        (KeyKind::Wall, _) => Principal::Wall { token_id: id },
    }))
}

/// The person behind a personal API token, with the token's scope, if the token is valid,
/// unrevoked and its owner active. Records "last used" at most once a minute.
pub async fn token_actor(
    state: &AppState,
    presented: &str,
) -> Result<Option<(Actor, crate::domain::account::TokenScope)>, AppError> {
    if !secret::well_formed(presented, API_TOKEN_PREFIX, KEY_BYTES) {
        return Ok(None);
    }
    let hash = secret::digest(presented);
    let found = {
        let mut conn = state.store.read().await?;
        accounts::api_token_by_hash(&mut conn, &hash).await?
    };
    let Some((id, actor, scope, used)) = found else {
        return Ok(None);
    };
    let at = now();
    if used.is_none_or(|u| at.0 - u.0 > 60_000) {
        if let Ok(mut tx) = state.store.begin().await {
            if accounts::touch_api_token(&mut tx, id, at).await.is_ok() {
                let _ = tx.commit().await;
            }
        }
    }
    Ok(Some((actor, scope)))
}

/// This server's address as a request reached it (`https://crm.example.com`): the scheme the
/// request came over and its `Host` (when it is a plain host name), for links handed out to
/// other programs (the intake endpoint, calendar feeds).
pub fn public_base(headers: &axum::http::HeaderMap, https: bool) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:3000");
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// A new random personal API token.
pub fn new_api_token() -> String {
    secret::random_secret(API_TOKEN_PREFIX, KEY_BYTES)
}

/// A new random wall token or intake key secret.
pub fn new_key_secret(kind: KeyKind) -> String {
    let prefix = match kind {
        KeyKind::Wall => WALL_PREFIX,
        KeyKind::Intake => INTAKE_PREFIX,
    };
    secret::random_secret(prefix, KEY_BYTES)
}

/// Records that a key was used (at most once a minute per key is plenty for "last used").
pub async fn touch_key(state: &AppState, kind: KeyKind, id: i64, at: Timestamp) {
    if let Ok(mut tx) = state.store.begin().await {
        if accounts::touch_key(&mut tx, kind, id, at).await.is_ok() {
            let _ = tx.commit().await;
        }
    }
}

/// The actor a handler requires: signed in, or 401.
pub fn require(actor: Option<&Actor>) -> Result<&Actor, AppError> {
    actor.ok_or_else(|| AppError::Unauthorized {
        message: "Sign in to continue".into(),
    })
}

/// Who made the current request: resolved once per request by the server's middleware and
/// kept in the request's extensions, where REST handlers and server functions find it.
#[derive(Clone, Debug, Default)]
pub struct Identity {
    pub actor: Option<Actor>,
    /// The digest of the session behind `actor` (to end it on sign-out).
    pub session_hash: Option<String>,
    pub client: ClientInfo,
    /// The request reached us over https: cookies get `Secure`.
    pub https: bool,
    /// Set when `actor` comes from a personal API token rather than a session: what the
    /// token may do (the security layer refuses writes to a read-only token).
    pub token: Option<crate::domain::account::TokenScope>,
    /// The credential `actor` comes from, for responses that must ask it again (live feeds).
    pub credential: Option<watch::Held>,
}

/// The identity of the request being served, for server functions and server rendering.
pub fn identity() -> Identity {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<Identity>().cloned())
        .unwrap_or_default()
}

/// The `Set-Cookie` value that stores a session: HttpOnly (no script reads it), SameSite=Lax
/// (not sent on cross-site sub-requests or posts), Secure over https.
pub fn session_cookie(value: &str, max_age: Duration, https: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
        max_age.as_secs(),
        if https { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that stores a device cookie. It only spares this browser an account's
/// sign-in pause (read by the two sign-in endpoints, `/api/fn/sign_in` and
/// `/api/v1/session`), and is never sent cross-site.
pub fn device_cookie(value: &str, https: bool) -> String {
    format!(
        "{DEVICE_COOKIE}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
        DEVICE_MAX_AGE.as_secs(),
        if https { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(https: bool) -> String {
    session_cookie("", Duration::ZERO, https)
}

/// The session cookie's value from a `Cookie` header.
pub fn session_from_cookie_header(header: &str) -> Option<&str> {
    cookie_value(header, SESSION_COOKIE)
}

/// A cookie's value from a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim())
}
