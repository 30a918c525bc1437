//! Outbound webhooks (issue 27), against a real HTTP receiver on loopback that checks every
//! signature itself (HMAC-SHA256 over "id.timestamp.body", as Standard Webhooks defines it):
//! the admin's form refusing what it must (private addresses, plain http, no kinds); the
//! events an endpoint asked for, in order per lead; a receiver outage ridden out with retries
//! so every won lead arrives exactly once after deduplication; re-send; giving up after a day.

use crate::both_backends;
use crate::support::{free_port, TestDb};
use app::domain::activity::CloseOut;
use app::domain::{Actor, LeadId, Timestamp};
use app::model::intake::NewLeadRequest;
use app::model::webhooks::{DeliveryStatus, WebhookForm};
use app::ssr::auth::seal::SealKey;
use app::ssr::service::{self, webhooks};
use app::ssr::AppState;
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One request the receiver accepted: (webhook-id, type, lead id).
type Received = (String, String, Option<i64>);

/// An HTTP receiver on loopback that verifies signatures with the secret it is given.
struct Receiver {
    port: u16,
    up: Arc<AtomicBool>,
    secret: Arc<Mutex<String>>,
    got: Arc<Mutex<Vec<Received>>>,
    /// Requests refused while down, and requests with a bad signature.
    refused: Arc<Mutex<usize>>,
    bad: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Receiver {
        let port = free_port();
        let up = Arc::new(AtomicBool::new(true));
        let secret = Arc::new(Mutex::new(String::new()));
        let got = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(0));
        let bad = Arc::new(Mutex::new(0));
        let (u, s, g, r, b) = (
            up.clone(),
            secret.clone(),
            got.clone(),
            refused.clone(),
            bad.clone(),
        );
        let app = axum::Router::new().route(
            "/hooks/closeloop",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (u, s, g, r, b) = (u.clone(), s.clone(), g.clone(), r.clone(), b.clone());
                async move {
                    if !u.load(Ordering::SeqCst) {
                        *r.lock().unwrap() += 1;
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let h = |n: &str| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string()
                    };
                    let (id, ts, sig) = (
                        h("webhook-id"),
                        h("webhook-timestamp"),
                        h("webhook-signature"),
                    );
                    let key = STANDARD
                        .decode(s.lock().unwrap().trim_start_matches("whsec_"))
                        .unwrap();
                    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
                    mac.update(format!("{id}.{ts}.{body}").as_bytes());
                    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
                    let fresh = ts
                        .parse::<i64>()
                        .is_ok_and(|t| (t - app::ssr::service::now().0 / 1000).abs() < 300);
                    if sig != expected || !fresh {
                        *b.lock().unwrap() += 1;
                        return StatusCode::UNAUTHORIZED;
                    }
                    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(id, format!("evt_{}", v["data"]["event_id"]));
                    g.lock().unwrap().push((
                        id,
                        v["type"].as_str().unwrap().to_string(),
                        v["data"]["lead"]["id"].as_i64(),
                    ));
                    StatusCode::NO_CONTENT
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            port,
            up,
            secret,
            got,
            refused,
            bad,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/closeloop", self.port)
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn keyed_state(db: &TestDb) -> AppState {
    let mut state = db.state();
    state.mail.key = Some(SealKey::random());
    state
}

fn form(url: &str, kinds: &[&str], allow_private: bool) -> WebhookForm {
    WebhookForm {
        url: url.into(),
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        description: "Accounting".into(),
        allow_private,
    }
}

async fn new_lead(state: &AppState, db: &TestDb, actor: &Actor, n: usize) -> LeadId {
    let source = {
        let mut conn = db.store.read().await.unwrap();
        app::ssr::store::accounts::sources(&mut conn).await.unwrap()[0].id
    };
    service::intake::create(
        state,
        actor,
        NewLeadRequest {
            source_id: source,
            contact_name: format!("Webhook Person {n}"),
            email: Some(format!("hook.person.{n}@example.com")),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap()
    .lead_id
    .unwrap()
}

async fn win(state: &AppState, db: &TestDb, actor: &Actor, lead: LeadId) {
    let current = db.lead(lead).await;
    service::work::close_out(
        state,
        actor,
        lead,
        CloseOut::Won {
            version: current.version,
            value: "1200".into(),
        },
    )
    .await
    .unwrap();
}

/// A turn of the dispatcher at `at`: queue, then send.
async fn turn(state: &AppState, at: Timestamp) -> webhooks::SendReport {
    webhooks::enqueue(state, at).await.unwrap();
    webhooks::send_due(state, at, 500).await.unwrap()
}

both_backends!(only_an_admin_registers_an_endpoint_and_never_a_private_one_unasked);
async fn only_an_admin_registers_an_endpoint_and_never_a_private_one_unasked(db: TestDb) -> TestDb {
    let db = db.with_demo(10).await;
    let state = keyed_state(&db);
    let admin = db.actor("admin").await;
    let receiver = Receiver::start().await;
    assert!(matches!(
        webhooks::create(
            &state,
            &db.actor("morgan").await,
            form(&receiver.url(), &["lead.won"], true)
        )
        .await,
        Err(app::error::AppError::Forbidden { .. })
    ));
    let cases = [
        ("url", form(&receiver.url(), &["lead.won"], false)), // http, not allowed
        (
            "url",
            form(
                &format!("https://127.0.0.1:{}/x", receiver.port),
                &["lead.won"],
                false,
            ),
        ),
        ("url", form("https://10.0.0.7/hook", &["lead.won"], false)),
        ("url", form("https://[::1]/hook", &["lead.won"], false)),
        (
            "url",
            form(
                "https://169.254.169.254/latest/meta-data",
                &["lead.won"],
                false,
            ),
        ),
        ("url", form("ftp://example.com/hook", &["lead.won"], true)),
        (
            "url",
            form("https://user:pw@example.com/hook", &["lead.won"], true),
        ),
        ("kinds", form(&receiver.url(), &[], true)),
        ("kinds", form(&receiver.url(), &["lead.exploded"], true)),
    ];
    for (field, f) in cases {
        let url = f.url.clone();
        let e = webhooks::create(&state, &admin, f).await.unwrap_err();
        assert!(e.message_for(field).is_some(), "{url}: {e:?}");
    }
    let e = webhooks::create(
        &state,
        &admin,
        form("https://10.0.0.7/hook", &["lead.won"], false),
    )
    .await
    .unwrap_err();
    assert!(e.message_for("url").unwrap().contains("private"), "{e:?}");
    // Without a key to keep the secret with, nothing is registered.
    let e = webhooks::create(
        &db.state(),
        &admin,
        form(&receiver.url(), &["lead.won"], true),
    )
    .await
    .unwrap_err();
    assert!(
        e.message_for("url")
            .unwrap()
            .contains("CLOSELOOP_SECRET_KEY"),
        "{e:?}"
    );
    assert!(webhooks::page(&state, &admin)
        .await
        .unwrap()
        .webhooks
        .is_empty());

    let issued = webhooks::create(&state, &admin, form(&receiver.url(), &["lead.won"], true))
        .await
        .unwrap();
    assert!(issued.secret.starts_with("whsec_"));
    let page = webhooks::page(&state, &admin).await.unwrap();
    assert_eq!(page.webhooks.len(), 1);
    let (sealed,): (String,) = sqlx::query_as("SELECT sealed_secret FROM webhooks")
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    assert!(
        !sealed.contains(issued.secret.trim_start_matches("whsec_")),
        "sealed at rest"
    );
    assert!(webhooks::page(&state, &db.actor("eleanor").await)
        .await
        .is_err());
    webhooks::delete(&state, &admin, issued.id).await.unwrap();
    assert!(webhooks::page(&state, &admin)
        .await
        .unwrap()
        .webhooks
        .is_empty());
    db
}

both_backends!(every_won_lead_reaches_the_receiver_exactly_once_across_an_outage);
async fn every_won_lead_reaches_the_receiver_exactly_once_across_an_outage(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let state = keyed_state(&db);
    let admin = db.actor("admin").await;
    let dana = db.actor("dana").await;
    let receiver = Receiver::start().await;
    let issued = webhooks::create(
        &state,
        &admin,
        form(
            &receiver.url(),
            &["lead.created", "lead.won", "touch.logged"],
            true,
        ),
    )
    .await
    .unwrap();
    *receiver.secret.lock().unwrap() = issued.secret.clone();
    let t0 = app::ssr::service::now();

    // Events before the endpoint existed are not sent; new ones are, signed, in order.
    let first = new_lead(&state, &db, &dana, 0).await;
    win(&state, &db, &dana, first).await;
    let r = turn(&state, t0).await;
    assert_eq!((r.delivered, r.failed), (2, 0), "{r:?}");
    let got = receiver.got();
    assert_eq!(
        got.iter().map(|g| (g.1.as_str(), g.2)).collect::<Vec<_>>(),
        [("lead.created", Some(first.0)), ("lead.won", Some(first.0))]
    );
    assert_eq!(
        *receiver.bad.lock().unwrap(),
        0,
        "every signature checked out"
    );
    assert_eq!(turn(&state, t0).await.delivered, 0, "nothing twice");

    // The receiver goes down; five leads are entered and won meanwhile.
    receiver.up.store(false, Ordering::SeqCst);
    let mut won = vec![first];
    for n in 1..=5 {
        let lead = new_lead(&state, &db, &dana, n).await;
        win(&state, &db, &dana, lead).await;
        won.push(lead);
    }
    let r = turn(&state, t0).await;
    assert!(r.failed >= 1 && r.delivered == 0, "{r:?}");
    let page = webhooks::page(&state, &admin).await.unwrap();
    let hook = &page.webhooks[0];
    assert_eq!(hook.pending, 10);
    let failing = hook
        .deliveries
        .iter()
        .find(|d| d.attempts == 1)
        .expect("an attempt logged");
    assert_eq!(failing.last_code, Some(503));
    assert!(
        failing.next_attempt_at.unwrap().0 > t0.0,
        "retried later, not now"
    );
    // Retried with backoff while it is down; nothing is lost.
    let mut at = t0;
    for _ in 0..4 {
        at = Timestamp(at.0 + 10 * 60_000);
        turn(&state, at).await;
    }
    assert!(*receiver.refused.lock().unwrap() >= 4);
    // Back up: everything arrives, each lead's events in order.
    receiver.up.store(true, Ordering::SeqCst);
    for _ in 0..20 {
        at = Timestamp(at.0 + 7 * 3_600_000);
        if webhooks::page(&state, &admin).await.unwrap().webhooks[0].pending == 0 {
            break;
        }
        turn(&state, at).await;
    }
    let got = receiver.got();
    let mut won_ids: Vec<i64> = got
        .iter()
        .filter(|g| g.1 == "lead.won")
        .filter_map(|g| g.2)
        .collect();
    won_ids.sort_unstable();
    won_ids.dedup();
    let mut expected: Vec<i64> = won.iter().map(|l| l.0).collect();
    expected.sort_unstable();
    assert_eq!(
        won_ids, expected,
        "every won lead, once after deduplication"
    );
    for lead in &won {
        let kinds: Vec<&str> = got
            .iter()
            .filter(|g| g.2 == Some(lead.0))
            .map(|g| g.1.as_str())
            .collect();
        assert_eq!(
            kinds,
            ["lead.created", "lead.won"],
            "in order for lead {lead}"
        );
    }
    let page = webhooks::page(&state, &admin).await.unwrap();
    assert!(page.webhooks[0]
        .deliveries
        .iter()
        .all(|d| d.status == DeliveryStatus::Delivered));

    // Re-sent: the same webhook-id again, which the receiver drops as a repeat.
    let delivered = page.webhooks[0].deliveries[0].clone();
    webhooks::resend(&state, &admin, delivered.id)
        .await
        .unwrap();
    turn(&state, at).await;
    let again = receiver.got();
    assert_eq!(again.len(), got.len() + 1);
    assert_eq!(
        again.last().unwrap().0,
        format!("evt_{}", delivered.event_id)
    );
    assert!(
        webhooks::resend(&state, &dana, delivered.id).await.is_err(),
        "admins only"
    );

    // Down for more than a day: given up, shown as such, and re-sendable.
    receiver.up.store(false, Ordering::SeqCst);
    let late = new_lead(&state, &db, &dana, 9).await;
    let start = app::ssr::service::now();
    turn(&state, start).await;
    let mut at = start;
    for _ in 0..40 {
        at = Timestamp(at.0 + 3 * 3_600_000);
        turn(&state, at).await;
    }
    let page = webhooks::page(&state, &admin).await.unwrap();
    let given_up = page.webhooks[0]
        .deliveries
        .iter()
        .find(|d| d.lead_id == Some(late))
        .unwrap();
    assert_eq!(given_up.status, DeliveryStatus::Failed);
    assert_eq!(page.webhooks[0].failed, 1);
    db
}
