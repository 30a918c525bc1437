//! Sign-in: one argon2id hash; sign-ins per second and latency percentiles with 20 attempts in
//! flight; and the latency of a cheap request while that storm runs (hashing is bounded to one
//! per core on blocking threads, so the async workers must stay responsive).

use crate::util::{ms, pct};
use axum::body::Body;
use axum::http::{header, Request};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const CONCURRENCY: usize = 20;
const SIGN_INS: usize = 200;

pub async fn run(dir: &std::path::Path) -> anyhow::Result<String> {
    let url = format!("sqlite:{}", dir.join("signin.db").display());
    let store = app::ssr::store::Store::connect(&app::ssr::store::StoreOptions::new(url)).await?;
    store.migrate().await?;
    crate::util::seed(&store, 2_000).await?;
    let settings = app::ssr::auth::AuthSettings {
        // Every simulated client has its own address (X-Forwarded-For), as 20 people would.
        trust_proxy: true,
        ..Default::default()
    };
    let cores = settings.hash_concurrency;
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    let router = server::router(server::state(store.clone(), options, settings));

    // One hash, on this thread.
    let mut single = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let phc = app::ssr::auth::password::hash_blocking("correct horse battery staple");
        single.push(t.elapsed());
        std::hint::black_box(phc);
    }
    single.sort();
    let hash_ms = ms(single[single.len() / 2]);

    // Idle latency of a cheap request.
    let idle = probe(&router, 50).await;

    // The storm: SIGN_INS sign-ins, CONCURRENCY in flight, while probing.
    let started = Instant::now();
    let storm = {
        let router = router.clone();
        tokio::spawn(async move { sign_in_storm(router).await })
    };
    let busy = probe(&router, 50).await;
    let mut latencies = storm.await??;
    let elapsed = started.elapsed();
    latencies.sort();
    let rate = SIGN_INS as f64 / elapsed.as_secs_f64();

    let p = pct;
    let report = format!(
        "## Sign-in (argon2id m=19 MiB, t=2, p=1; at most {cores} hashes at a time)\n\n\
         | measure | value |\n|---|---|\n\
         | one hash, median of 5 | {hash_ms:.1} ms |\n\
         | sign-ins per second, {CONCURRENCY} in flight, {SIGN_INS} total | {rate:.1} /s |\n\
         | sign-in latency p50 / p95 / p99 | {:.0} / {:.0} / {:.0} ms |\n\
         | `GET /api/v1/health` p50 / p99, idle | {:.2} / {:.2} ms |\n\
         | `GET /api/v1/health` p50 / p99, during the sign-in storm | {:.2} / {:.2} ms |\n\n\
         Sign-in throughput is bounded by design: each attempt costs one deliberately slow hash,\n\
         and only {cores} run at once, so the rest queue while other requests are served.\n\n",
        p(&latencies, 0.50),
        p(&latencies, 0.95),
        p(&latencies, 0.99),
        p(&idle, 0.50),
        p(&idle, 0.99),
        p(&busy, 0.50),
        p(&busy, 0.99),
    );
    store.close().await;
    Ok(report)
}

const USERS: [&str; 13] = [
    "morgan", "priya", "tom", "dana", "luis", "kim", "sam", "aiko", "jordan", "nia", "riley",
    "eleanor", "admin",
];

async fn sign_in_storm(router: axum::Router) -> anyhow::Result<Vec<Duration>> {
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut tasks = Vec::with_capacity(SIGN_INS);
    for i in 0..SIGN_INS {
        let router = router.clone();
        let permit = permits.clone().acquire_owned().await?;
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({
                "email": format!("{}@closeloop.example", USERS[i % USERS.len()]),
                "password": server::seed::DEMO_PASSWORD,
            });
            let req = Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .header("x-forwarded-for", format!("10.0.{}.{}", i / 250, i % 250))
                .body(Body::from(body.to_string()))
                .expect("request");
            let t = Instant::now();
            let resp = router.oneshot(req).await.expect("infallible");
            let took = t.elapsed();
            drop(permit);
            anyhow::ensure!(
                resp.status().is_success(),
                "sign-in failed: {}",
                resp.status()
            );
            Ok(took)
        }));
    }
    let mut out = Vec::with_capacity(SIGN_INS);
    for t in tasks {
        out.push(t.await??);
    }
    Ok(out)
}

/// Latencies of `n` health checks, 20 ms apart.
async fn probe(router: &axum::Router, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let req = Request::get("/api/v1/health")
            .body(Body::empty())
            .expect("request");
        let t = Instant::now();
        let _ = router.clone().oneshot(req).await;
        out.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    out.sort();
    out
}
