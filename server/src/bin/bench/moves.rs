//! Stage moves through the real router (authentication, policy, version check, rule check,
//! UPDATE + event in one transaction, live publish) against a floor: a bare axum handler doing
//! one single-row UPDATE transaction on the same store. Both at a fixed 200 requests/s and
//! flat out with 16 in flight.

use crate::util::{pct, session};
use app::domain::{apply_move, LeadId, MoveRequest, StageId, StageKind};
use app::ssr::store::{leads, Store};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const RATE: u64 = 200;
const PACED: usize = 1_000;
const WORKERS: usize = 16;
const FLAT_OUT: Duration = Duration::from_secs(4);

pub struct Figures {
    pub move_p50: f64,
    pub move_p99: f64,
    pub move_max: f64,
    pub floor_p50: f64,
    pub floor_p99: f64,
    pub floor_max: f64,
    pub rejected: usize,
}

/// A lead that can go back and forth between two open stages, with its current version.
#[derive(Clone, Copy)]
struct Mover {
    id: LeadId,
    version: i64,
    here: StageId,
    there: StageId,
}

pub async fn run(store: Store) -> anyhow::Result<Figures> {
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    let state = server::state(store.clone(), options, Default::default());
    let router = server::router(state);
    let floor = Router::new()
        .route("/floor/{id}", axum::routing::post(floor))
        .with_state(store.clone());
    let cookie = session(&store, "morgan").await?;
    let movers = movers(&store).await?;
    anyhow::ensure!(movers.len() >= WORKERS * 4, "too few movable leads");
    let movers = Arc::new(Mutex::new(movers));

    // Warm up caches and connections.
    paced(&router, &cookie, &movers, 50, false).await?;
    let (mut lat, rejected) = paced(&router, &cookie, &movers, PACED, false).await?;
    let move_max = flat_out(&router, &cookie, &movers, false).await?;
    let (mut flat, _) = paced(&floor, &cookie, &movers, PACED, true).await?;
    let floor_max = flat_out(&floor, &cookie, &movers, true).await?;
    lat.sort();
    flat.sort();
    Ok(Figures {
        move_p50: pct(&lat, 0.5),
        move_p99: pct(&lat, 0.99),
        move_max,
        floor_p50: pct(&flat, 0.5),
        floor_p99: pct(&flat, 0.99),
        floor_max,
        rejected,
    })
}

/// The floor: one row, one UPDATE, one transaction, through the same store.
async fn floor(State(store): State<Store>, Path(id): Path<i64>) -> StatusCode {
    let Ok(mut tx) = store.begin().await else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    // The same row and kind of write as a move, leaving the version alone so the moves that
    // follow are not made stale by the floor.
    let done = sqlx::query("UPDATE leads SET updated_at = $1 WHERE id = $2")
        .bind(app::ssr::service::now().0)
        .bind(id)
        .execute(&mut *tx)
        .await;
    if done.is_err() || tx.commit().await.is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    StatusCode::OK
}

/// Morgan's open leads that may move to a neighbouring open stage and back.
async fn movers(store: &Store) -> anyhow::Result<Vec<Mover>> {
    let mut conn = store.read().await?;
    let pipeline = app::ssr::store::pipelines::read(&mut conn).await?;
    let (manager,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind("morgan@closeloop.example")
        .fetch_one(&mut *conn)
        .await?;
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT l.id FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE s.kind = 'open' AND l.team_id IN (SELECT id FROM teams WHERE manager_id = $1)
         ORDER BY l.id LIMIT 2000",
    )
    .bind(manager)
    .fetch_all(&mut *conn)
    .await?;
    let now = app::ssr::service::now();
    let mut out = Vec::new();
    for (id,) in ids {
        let Some(lead) = leads::lead(&mut conn, LeadId(id)).await? else {
            continue;
        };
        let neighbours = [
            pipeline.next(lead.stage_id),
            pipeline.previous(lead.stage_id),
        ];
        for there in neighbours.into_iter().flatten() {
            if there.kind != StageKind::Open {
                continue;
            }
            let go = MoveRequest {
                to_stage: there.id,
                version: lead.version,
                close_reason: None,
                close_note: None,
            };
            let Ok(moved) = apply_move(&pipeline, &lead, &go, now) else {
                continue;
            };
            let back = MoveRequest {
                to_stage: lead.stage_id,
                ..go.clone()
            };
            if apply_move(&pipeline, &moved, &back, now).is_ok() {
                out.push(Mover {
                    id: lead.id,
                    version: lead.version,
                    here: lead.stage_id,
                    there: there.id,
                });
                break;
            }
        }
        if out.len() >= 600 {
            break;
        }
    }
    Ok(out)
}

fn request(cookie: &str, m: &Mover, bare: bool) -> Request<Body> {
    if bare {
        return Request::post(format!("/floor/{}", m.id.0))
            .body(Body::empty())
            .expect("request");
    }
    let body = serde_json::json!({"to_stage": m.there, "version": m.version});
    Request::post(format!("/api/v1/leads/{}/move", m.id.0))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body.to_string()))
        .expect("request")
}

/// After a successful move the lead is one version on and on the other side.
fn advance(movers: &Mutex<Vec<Mover>>, i: usize) {
    if let Ok(mut ms) = movers.lock() {
        let m = &mut ms[i];
        m.version += 1;
        std::mem::swap(&mut m.here, &mut m.there);
    }
}

/// `n` requests started at `RATE` per second whatever the answers' pace; latencies of each
/// and the number refused.
async fn paced(
    router: &Router,
    cookie: &str,
    movers: &Arc<Mutex<Vec<Mover>>>,
    n: usize,
    bare: bool,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let count = movers.lock().map(|m| m.len()).unwrap_or(1);
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        tokio::time::sleep_until(start + Duration::from_micros(i as u64 * 1_000_000 / RATE)).await;
        let slot = i % count;
        let m = movers.lock().map(|ms| ms[slot]).expect("movers");
        let req = request(cookie, &m, bare);
        let router = router.clone();
        let movers = movers.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let resp = router.oneshot(req).await.expect("infallible");
            let took = t.elapsed();
            let ok = resp.status() == StatusCode::OK;
            if ok && !bare {
                advance(&movers, slot);
            }
            (took, ok)
        }));
    }
    let mut lat = Vec::with_capacity(n);
    let mut rejected = 0;
    for t in tasks {
        let (took, ok) = t.await?;
        lat.push(took);
        rejected += usize::from(!ok);
    }
    Ok((lat, rejected))
}

/// Requests per second with `WORKERS` in flight, each worker on its own leads.
async fn flat_out(
    router: &Router,
    cookie: &str,
    movers: &Arc<Mutex<Vec<Mover>>>,
    bare: bool,
) -> anyhow::Result<f64> {
    let count = movers.lock().map(|m| m.len()).unwrap_or(1);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let router = router.clone();
        let movers = movers.clone();
        let cookie = cookie.to_string();
        tasks.push(tokio::spawn(async move {
            let mut done = 0usize;
            let mut slot = w;
            while start.elapsed() < FLAT_OUT {
                let m = movers.lock().map(|ms| ms[slot]).expect("movers");
                let resp = router
                    .clone()
                    .oneshot(request(&cookie, &m, bare))
                    .await
                    .expect("infallible");
                if resp.status() == StatusCode::OK {
                    done += 1;
                    if !bare {
                        advance(&movers, slot);
                    }
                }
                slot = (slot + WORKERS) % count;
            }
            done
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await?;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

pub fn report(rows: &[(String, Figures)]) -> String {
    let mut s = String::from(
        "## Stage moves (10k leads, in-process router)\n\n\
         `POST /api/v1/leads/{id}/move` as a manager: session lookup, policy, version and rule \
         checks, UPDATE + event in one transaction, live publish. The floor is a bare axum \
         handler doing one single-row UPDATE transaction on the same store. Latency at a fixed \
         200 requests/s (1,000 requests); maximum with 16 in flight for 4 s.\n\n\
         | backend | move p50 / p99 | floor p50 / p99 | move max | floor max | move max ÷ floor max | goal |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (name, f) in rows {
        let ratio = f.move_max / f.floor_max * 100.0;
        let goal = if f.move_p99 <= 5.0 && ratio >= 50.0 {
            "met"
        } else {
            "missed"
        };
        s.push_str(&format!(
            "| {name} | {:.2} / {:.2} ms | {:.2} / {:.2} ms | {:.0} /s | {:.0} /s | {ratio:.0}% | {goal} (p99 ≤ 5 ms, ≥ 50%) |\n",
            f.move_p50, f.move_p99, f.floor_p50, f.floor_p99, f.move_max, f.floor_max
        ));
        if f.rejected > 0 {
            s.push_str(&format!(
                "\n{name}: {} paced moves were refused (conflicts).\n",
                f.rejected
            ));
        }
    }
    s.push('\n');
    s
}
