//! Outbound webhooks: an admin registers an endpoint and the kinds of event it wants; every
//! such event in the log, after its transaction committed, becomes one delivery per endpoint,
//! signed as Standard Webhooks do (`webhook-id`, `webhook-timestamp`, `webhook-signature`:
//! HMAC-SHA256 over "id.timestamp.body"), retried with backoff for a day, and logged. A
//! lead's deliveries go out in the order of its events; the receiver deduplicates by
//! `webhook-id` (`evt_<event id>`, the same on every attempt and re-send). Sending runs in the
//! background (the server's `webhooks` module), never in a user's write.

use super::now;
use crate::domain::access;
use crate::domain::{Actor, LeadId, StageKind, Timestamp};
use crate::error::AppError;
use crate::model::webhooks::{
    retry_delay_ms, Delivery, DeliveryStatus, IssuedWebhook, WebhookForm, WebhookKind,
    WebhookSummary, WebhooksPage, RETRY_FOR_MS,
};
use crate::ssr::auth::seal::KEY_VARIABLE;
use crate::ssr::outbound;
use crate::ssr::store::{events, leads, webhooks as store};
use crate::ssr::AppState;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// The event-log kinds a webhook can come from.
const SOURCE_KINDS: [&str; 5] = [
    "lead.created",
    "lead.moved",
    "lead.assigned",
    "lead.logged",
    "finding.opened",
];
/// Events read per endpoint per turn.
const BATCH: i64 = 500;
/// A gap in event ids younger than this may still fill (a transaction that took its id
/// before a later one committed): the cursor waits at it.
const GAP_SETTLE_MS: i64 = 30_000;
/// Deliveries shown per endpoint.
const SHOWN: i64 = 30;

/// The secret's prefix (Standard Webhooks).
pub const SECRET_PREFIX: &str = "whsec_";

/// The signature of `body` sent as message `id` at `timestamp` (seconds), with a `whsec_`
/// secret: "v1,<base64 HMAC-SHA256>". `None` for a malformed secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The kinds an endpoint asked for, from their stored form.
fn kinds_of(stored: &str) -> Vec<WebhookKind> {
    stored.split(',').filter_map(WebhookKind::parse).collect()
}

fn delivery(r: store::DeliveryRow) -> Delivery {
    let status = DeliveryStatus::parse(&r.status).unwrap_or(DeliveryStatus::Pending);
    Delivery {
        id: r.id,
        event_id: r.event_id,
        kind: WebhookKind::parse(&r.kind).unwrap_or(WebhookKind::LeadCreated),
        lead_id: r.lead_id.map(LeadId),
        status,
        attempts: r.attempts,
        last_code: r.last_code,
        last_error: r.last_error,
        next_attempt_at: (status == DeliveryStatus::Pending)
            .then_some(Timestamp(r.next_attempt_at)),
        delivered_at: r.delivered_at.map(Timestamp),
        created_at: Timestamp(r.created_at),
    }
}

/// The admin's page: every endpoint with its recent deliveries.
pub async fn page(state: &AppState, actor: &Actor) -> Result<WebhooksPage, AppError> {
    access::manage_webhooks(actor)?;
    let mut conn = state.store.read().await?;
    let mut webhooks = Vec::new();
    for h in store::live(&mut conn).await? {
        let (pending, failed) = store::counts(&mut conn, h.id).await?;
        let deliveries = store::recent(&mut conn, h.id, SHOWN)
            .await?
            .into_iter()
            .map(delivery)
            .collect();
        webhooks.push(WebhookSummary {
            id: h.id,
            url: h.url,
            kinds: kinds_of(&h.kinds),
            description: h.description,
            allow_private: h.allow_private,
            created_at: Timestamp(h.created_at),
            created_by: h.created_by,
            pending,
            failed,
            deliveries,
        });
    }
    Ok(WebhooksPage {
        key_configured: state.mail.key.is_some(),
        webhooks,
    })
}

/// Registers an endpoint: its signing secret, shown once. The address must be https (http
/// only with private addresses allowed) and resolve to public addresses unless the admin
/// allows private ones.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    form: WebhookForm,
) -> Result<IssuedWebhook, AppError> {
    access::manage_webhooks(actor)?;
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let endpoint = outbound::endpoint(&form.url, form.allow_private)
        .map_err(|m| problems.push(("url", m)))
        .ok();
    let mut kinds = Vec::new();
    for k in &form.kinds {
        match WebhookKind::parse(k) {
            Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => problems.push(("kinds", format!("“{k}” is not a kind of event"))),
        }
    }
    if form.kinds.is_empty() {
        problems.push(("kinds", "Choose at least one kind of event".into()));
    }
    let description = form.description.trim().to_string();
    if description.chars().count() > 200 {
        problems.push(("description", "At most 200 characters".into()));
    }
    if let Some(e) = &endpoint {
        if let Err(m) = outbound::resolve(e, form.allow_private).await {
            problems.push(("url", m));
        }
    }
    let Some(key) = state.mail.key.clone() else {
        problems.push((
            "url",
            format!("This server has no {KEY_VARIABLE} to keep signing secrets with: set it (openssl rand -base64 32) and restart"),
        ));
        return Err(AppError::fields_of(problems));
    };
    if !problems.is_empty() {
        return Err(AppError::fields_of(problems));
    }
    let secret = format!("{SECRET_PREFIX}{}", STANDARD.encode(random_bytes::<32>()));
    let stored_kinds = kinds.iter().map(|k| k.key()).collect::<Vec<_>>().join(",");
    let mut tx = state.store.begin().await?;
    let after_event = events::last_id(&mut tx).await?;
    let id = store::insert(
        &mut tx,
        &store::NewHook {
            url: form.url.trim(),
            kinds: &stored_kinds,
            description: &description,
            sealed_secret: &key.seal(&secret),
            allow_private: form.allow_private,
            after_event,
        },
        actor.id,
        now(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(webhook = id, by = actor.id.0, "webhook registered");
    Ok(IssuedWebhook { id, secret })
}

fn random_bytes<const N: usize>() -> [u8; N] {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// Deletes an endpoint: nothing more is sent to it.
pub async fn delete(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    access::manage_webhooks(actor)?;
    let mut tx = state.store.begin().await?;
    if !store::delete(&mut tx, id, now()).await? {
        return Err(AppError::not_found(format!("There is no webhook {id}")));
    }
    tx.commit().await?;
    Ok(())
}

/// Sends a delivery again (also one that was delivered, or given up): the same `webhook-id`.
pub async fn resend(state: &AppState, actor: &Actor, delivery: i64) -> Result<(), AppError> {
    access::manage_webhooks(actor)?;
    let mut tx = state.store.begin().await?;
    if !store::resend(&mut tx, delivery, now()).await? {
        return Err(AppError::not_found(format!(
            "There is no delivery {delivery}"
        )));
    }
    tx.commit().await?;
    Ok(())
}

/// The webhook kind an event is, if any.
fn kind_of(
    e: &events::EventRow,
    payload: &Value,
    pipeline: &crate::domain::Pipelines,
) -> Option<WebhookKind> {
    match e.kind.as_str() {
        "lead.created" => Some(WebhookKind::LeadCreated),
        "lead.assigned" => Some(WebhookKind::LeadAssigned),
        "finding.opened" => Some(WebhookKind::PolicyBreach),
        "lead.logged" => {
            let touch = payload["kind"]
                .as_str()
                .and_then(crate::domain::activity::ActivityKind::parse)
                .is_some_and(|k| k.is_touch());
            touch.then_some(WebhookKind::TouchLogged)
        }
        "lead.moved" => {
            let to = payload["after"]["stage_id"].as_i64()?;
            let from = payload["before"]["stage_id"].as_i64();
            if from == Some(to) {
                return None;
            }
            Some(
                match pipeline.get(crate::domain::StageId(to)).map(|s| s.kind) {
                    Some(StageKind::Won) => WebhookKind::LeadWon,
                    Some(StageKind::Lost) => WebhookKind::LeadLost,
                    _ => WebhookKind::LeadMoved,
                },
            )
        }
        _ => None,
    }
}

/// The body of a delivery: `{"type", "timestamp", "data": {"event_id", "lead", "change"}}`.
fn body(
    kind: WebhookKind,
    e: &events::EventRow,
    payload: Value,
    lead: Option<&crate::domain::Lead>,
    pipeline: &crate::domain::Pipelines,
) -> String {
    let timestamp = chrono::DateTime::from_timestamp_millis(e.at)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default();
    let lead = lead.map(|l| {
        let stage = pipeline.get(l.stage_id);
        json!({
            "id": l.id,
            "title": l.title(),
            "contact_name": l.contact_name,
            "company": l.company,
            "email": l.email,
            "phone": l.phone,
            "stage": stage.map(|s| s.name.clone()),
            "stage_kind": stage.map(|s| s.kind.key()),
            "owner": l.owner.as_ref().map(|o| json!({"id": o.id, "name": o.name})),
            "value_cents": l.value.map(|v| v.cents),
            "currency": l.value.as_ref().map(|v| v.currency.code().to_string()),
            "source_id": l.source_id,
            "created_at": l.created_at,
        })
    });
    json!({
        "type": kind.key(),
        "timestamp": timestamp,
        "data": {"event_id": e.id, "lead": lead, "change": payload},
    })
    .to_string()
}

/// Turns new events into deliveries for every endpoint that wants them: how many were queued.
/// Each endpoint keeps its own cursor in the event log; the cursor stops at a gap in the ids
/// younger than [`GAP_SETTLE_MS`], so an event committed late is not passed over.
pub async fn enqueue(state: &AppState, at: Timestamp) -> Result<usize, AppError> {
    let hooks = {
        let mut conn = state.store.read().await?;
        store::live(&mut conn).await?
    };
    let mut queued = 0;
    for hook in hooks {
        let wanted = kinds_of(&hook.kinds);
        let crate::ssr::store::Reading {
            mut conn, pipeline, ..
        } = state.store.reading().await?;
        let all = events::after_any(&mut conn, hook.after_event, BATCH).await?;
        let mut cursor = hook.after_event;
        let mut planned = Vec::new();
        for e in &all {
            if e.id != cursor + 1 && at.0 - e.at < GAP_SETTLE_MS {
                break;
            }
            cursor = e.id;
            if !SOURCE_KINDS.contains(&e.kind.as_str()) {
                continue;
            }
            let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
            let Some(kind) = kind_of(e, &payload, &pipeline) else {
                continue;
            };
            if !wanted.contains(&kind) {
                continue;
            }
            let lead = match e.lead_id {
                Some(l) => leads::lead(&mut conn, LeadId(l)).await?,
                None => None,
            };
            planned.push((
                e.id,
                e.lead_id,
                kind,
                body(kind, e, payload, lead.as_ref(), &pipeline),
            ));
        }
        drop(conn);
        if cursor == hook.after_event {
            continue;
        }
        let mut tx = state.store.begin().await?;
        for (event, lead, kind, body) in &planned {
            store::enqueue(&mut tx, hook.id, *event, *lead, kind.key(), body, at).await?;
        }
        store::advance(&mut tx, hook.id, cursor).await?;
        tx.commit().await?;
        queued += planned.len();
    }
    Ok(queued)
}

/// What one round of sending did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub delivered: usize,
    pub failed: usize,
    pub gave_up: usize,
}

/// Sends the deliveries due at `at` (at most `limit` per round): each endpoint's in order,
/// one after another, stopping at its first failure (a receiver that is down costs one attempt
/// per turn); endpoints side by side. Rounds repeat while they deliver, so a lead's events
/// queued together go out in one turn, each after the one before.
pub async fn send_due(state: &AppState, at: Timestamp, limit: i64) -> Result<SendReport, AppError> {
    let mut report = SendReport::default();
    let mut failing: Vec<i64> = Vec::new();
    for _ in 0..20 {
        let (due, hooks) = {
            let mut conn = state.store.read().await?;
            (
                store::due(&mut conn, at, limit).await?,
                store::live(&mut conn).await?,
            )
        };
        let mut by_hook: Vec<(store::HookRow, Vec<store::DeliveryRow>)> = Vec::new();
        for d in due.into_iter().filter(|d| !failing.contains(&d.webhook_id)) {
            match by_hook.iter_mut().find(|(h, _)| h.id == d.webhook_id) {
                Some((_, list)) => list.push(d),
                None => {
                    if let Some(h) = hooks.iter().find(|h| h.id == d.webhook_id) {
                        by_hook.push((h.clone(), vec![d]));
                    }
                }
            }
        }
        if by_hook.is_empty() {
            break;
        }
        let ids: Vec<i64> = by_hook.iter().map(|(h, _)| h.id).collect();
        let rounds = by_hook
            .into_iter()
            .map(|(hook, list)| send_to(state, hook, list, at));
        let mut delivered = 0;
        for (id, r) in ids.into_iter().zip(futures::future::join_all(rounds).await) {
            let r = r?;
            if r.failed + r.gave_up > 0 {
                failing.push(id);
            }
            delivered += r.delivered;
            report.delivered += r.delivered;
            report.failed += r.failed;
            report.gave_up += r.gave_up;
        }
        if delivered == 0 {
            break;
        }
    }
    Ok(report)
}

async fn send_to(
    state: &AppState,
    hook: store::HookRow,
    list: Vec<store::DeliveryRow>,
    at: Timestamp,
) -> Result<SendReport, AppError> {
    let mut report = SendReport::default();
    let secret = state
        .mail
        .key
        .as_ref()
        .and_then(|k| k.open(&hook.sealed_secret));
    let endpoint = outbound::endpoint(&hook.url, hook.allow_private);
    for d in list {
        let id = format!("evt_{}", d.event_id);
        let result = match (&secret, &endpoint) {
            (None, _) => Err(format!(
                "The signing secret cannot be opened: {KEY_VARIABLE} is missing or changed"
            )),
            (_, Err(m)) => Err(m.clone()),
            (Some(secret), Ok(e)) => {
                let ts = now().0 / 1000;
                let signature = sign(secret, &id, ts, &d.body).unwrap_or_default();
                let headers = [
                    ("webhook-id", id.clone()),
                    ("webhook-timestamp", ts.to_string()),
                    ("webhook-signature", signature),
                ];
                outbound::post(
                    e,
                    hook.allow_private,
                    &state.mail.roots,
                    &headers,
                    d.body.clone(),
                )
                .await
            }
        };
        let (status, code, error, next) = match result {
            Ok(a) if (200..300).contains(&a.status) => {
                ("delivered", Some(i64::from(a.status)), None, at)
            }
            other => {
                let (code, error) = match other {
                    Ok(a) => (
                        Some(i64::from(a.status)),
                        format!("The receiver answered {}", a.status),
                    ),
                    Err(m) => (None, m),
                };
                let next = Timestamp(at.0 + retry_delay_ms(d.attempts + 1));
                let status = if next.0 - d.created_at > RETRY_FOR_MS {
                    "failed"
                } else {
                    "pending"
                };
                (status, code, Some(error), next)
            }
        };
        let mut tx = state.store.begin().await?;
        store::attempted(&mut tx, d.id, status, code, error.as_deref(), next, at).await?;
        tx.commit().await?;
        match status {
            "delivered" => report.delivered += 1,
            "failed" => {
                tracing::warn!(webhook = hook.id, event = d.event_id, error = ?error, "webhook delivery given up after a day");
                report.gave_up += 1;
                break;
            }
            _ => {
                tracing::debug!(webhook = hook.id, event = d.event_id, error = ?error, "webhook delivery failed; will retry");
                report.failed += 1;
                break;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("not-a-secret", id, 1, body), None);
    }
}
