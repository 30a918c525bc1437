//! Web-form and API intake: inquiries per second through the whole HTTP path (intake key,
//! parsing, checks, dedupe, assignment rules, lead and events, commit), one at a time and 8 in
//! flight, with latency percentiles; and the same for repeats of known people (added to their
//! open lead).

use crate::util::pct;
use app::ssr::service;
use app::ssr::store::accounts::KeyKind;
use axum::body::Body;
use axum::http::{header, Request};
use std::time::{Duration, Instant};
use tower::ServiceExt;

pub struct Row {
    pub sequential: (f64, f64, f64),
    pub concurrent: (f64, f64, f64),
    pub repeats: (f64, f64, f64),
    /// The "New lead" form, one rep at a time: what typing asks (who is on file, where the
    /// lead goes) and saving.
    pub typed_preview: (f64, f64, f64),
    pub typed_save: (f64, f64, f64),
}

/// Leads typed in through the form's server functions.
const TYPED: usize = 200;

fn typed_body(i: usize) -> serde_json::Value {
    serde_json::json!({
        "source_id": 1,
        "contact_name": format!("Caller {i}"),
        "email": format!("caller{i}@phone.example"),
        "phone": format!("+1 415 555 {:04}", i % 10_000),
        "company": format!("Phone Company {}", i % 150),
        "product_interest": "Pallet wrap",
        "value_cents": 1_250_000,
        "currency": "USD",
    })
}

/// (leads per second, p50 ms, p95 ms) of `TYPED` calls of server function `path`, one at a time.
async fn drive_form(
    router: &axum::Router,
    cookie: &str,
    path: &str,
    body: impl Fn(usize) -> serde_json::Value,
) -> (f64, f64, f64) {
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(TYPED);
    for i in 0..TYPED {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, cookie)
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(body(i).to_string()))
            .unwrap();
        let t = Instant::now();
        let resp = router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 200, "{path} refused");
        latencies.push(t.elapsed());
    }
    let rate = TYPED as f64 / started.elapsed().as_secs_f64();
    latencies.sort();
    (rate, pct(&latencies, 0.5), pct(&latencies, 0.95))
}

/// Per phase; under the per-key limit of 600 a minute (each phase has its own key).
const N: usize = 500;
const IN_FLIGHT: usize = 8;

fn request(key: &str, i: usize) -> Request<Body> {
    let body = serde_json::json!({
        "contact_name": format!("Inquirer {i}"),
        "email": format!("inquirer{i}@web.example"),
        "company": format!("Web Company {}", i % 300),
        "product_interest": "Pallet wrap",
        "country": "US",
        "message": "Please send a quote",
    });
    Request::post("/api/v1/intake")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// (inquiries per second, p50 ms, p95 ms) for requests `from..from + N` with `in_flight` at once.
async fn drive(router: &axum::Router, key: &str, from: usize, in_flight: usize) -> (f64, f64, f64) {
    let started = Instant::now();
    let mut latencies: Vec<Duration> = Vec::with_capacity(N);
    let mut next = from;
    while next < from + N {
        let batch: Vec<_> = (next..(next + in_flight).min(from + N))
            .map(|i| {
                let router = router.clone();
                let req = request(key, i);
                tokio::spawn(async move {
                    let t = Instant::now();
                    let resp = router.oneshot(req).await.unwrap();
                    assert_eq!(resp.status(), 202, "intake refused");
                    t.elapsed()
                })
            })
            .collect();
        next += batch.len();
        for h in batch {
            latencies.push(h.await.unwrap());
        }
    }
    let rate = N as f64 / started.elapsed().as_secs_f64();
    latencies.sort();
    (rate, pct(&latencies, 0.5), pct(&latencies, 0.95))
}

pub async fn run(store: app::ssr::store::Store) -> anyhow::Result<Row> {
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    let state = server::state(store.clone(), options, Default::default());
    let riley = crate::util::actor(&store, "riley").await?;
    let sources = service::keys::sources(&state, &riley)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let web = sources
        .iter()
        .find(|s| s.name == "Website")
        .unwrap_or(&sources[0])
        .id;
    let issued = service::keys::issue(&state, &riley, KeyKind::Intake, "bench", Some(web))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    service::keys::set_intake_gate(&state, &riley, issued.id, "", 600)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The rate limit is per key per minute: a key per phase keeps every request under it.
    let mut keys = vec![issued.secret];
    for label in ["bench 2", "bench 3"] {
        let k = service::keys::issue(&state, &riley, KeyKind::Intake, label, Some(web))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        service::keys::set_intake_gate(&state, &riley, k.id, "", 600)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        keys.push(k.secret);
    }
    let router = server::router(state);
    let sequential = drive(&router, &keys[0], 0, 1).await;
    let concurrent = drive(&router, &keys[1], N, IN_FLIGHT).await;
    // The first N people again: each is added to their open lead.
    let repeats = drive(&router, &keys[2], 0, 1).await;
    // A rep types leads in: the form asks who is on file once typing pauses, then saves.
    let cookie = crate::util::session(&store, "dana").await?;
    let typed_preview = drive_form(
        &router,
        &cookie,
        "/api/fn/preview_new_lead",
        |i| serde_json::json!({ "draft": typed_body(i) }),
    )
    .await;
    let typed_save = drive_form(
        &router,
        &cookie,
        "/api/fn/create_lead",
        |i| serde_json::json!({ "request": typed_body(i), "key": format!("bench-form-{i}") }),
    )
    .await;
    Ok(Row {
        sequential,
        concurrent,
        repeats,
        typed_preview,
        typed_save,
    })
}

pub fn report(rows: &[(String, Row)]) -> String {
    let mut s = format!(
        "## Intake\n\n{N} web-form inquiries through the HTTP path (intake key, checks, dedupe, \
         assignment rules, lead, events, commit) on a demo organisation (10,000 leads; 2,000 in quick mode); then the \
         same {N} people again (each added to their open lead as an inquiry).\n\n\
         | database | new, one at a time | p50 / p95 | new, {IN_FLIGHT} in flight | p50 / p95 | \
         repeats, one at a time | p50 / p95 |\n|---|---|---|---|---|---|---|\n"
    );
    for (db, r) in rows {
        let f = |(rate, p50, p95): (f64, f64, f64)| format!("{rate:.0}/s | {p50:.1} / {p95:.1} ms");
        s.push_str(&format!(
            "| {db} | {} | {} | {} |\n",
            f(r.sequential),
            f(r.concurrent),
            f(r.repeats)
        ));
    }
    s.push_str(&format!(
        "\nThe \"New lead\" form: a rep (Dana) types {TYPED} leads in, one at a time, through the \
         form's server functions with her session: what typing asks once it pauses (the people \
         on file she may see, where the lead goes) and saving (the same `intake::create` as \
         `POST /api/v1/leads`, with the form's idempotency key).\n\n\
         | database | while typing (who is on file) | p50 / p95 | saving | p50 / p95 |\n|---|---|---|---|---|\n"
    ));
    for (db, r) in rows {
        let f = |(rate, p50, p95): (f64, f64, f64)| format!("{rate:.0}/s | {p50:.1} / {p95:.1} ms");
        s.push_str(&format!(
            "| {db} | {} | {} |\n",
            f(r.typed_preview),
            f(r.typed_save)
        ));
    }
    s.push('\n');
    s
}
