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
    Ok(Row {
        sequential,
        concurrent,
        repeats,
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
    s.push('\n');
    s
}
