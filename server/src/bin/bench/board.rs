//! Opening the board: server time of the server-rendered page and of its data (REST), as
//! leadership (who sees every lead, the worst case), and how many cards the page holds.

use crate::util::{pct, session};
use app::ssr::store::Store;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const RUNS: usize = 15;

pub struct Figures {
    pub page_p50: f64,
    pub page_p90: f64,
    pub data_p50: f64,
    pub data_p90: f64,
    pub page_kib: usize,
    pub cards: usize,
}

pub async fn run(store: Store) -> anyhow::Result<Figures> {
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    let router = server::router(server::state(store.clone(), options, Default::default()));
    let cookie = session(&store, "eleanor").await?;
    let get = |path: &str| {
        Request::get(path)
            .header(header::COOKIE, &cookie)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .expect("request")
    };
    let mut page = Vec::new();
    let mut data = Vec::new();
    let mut html = String::new();
    for i in 0..RUNS + 2 {
        let t = Instant::now();
        let resp = router.clone().oneshot(get("/board")).await?;
        anyhow::ensure!(
            resp.status() == StatusCode::OK,
            "board page: {}",
            resp.status()
        );
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
        let took = t.elapsed();
        let t = Instant::now();
        let resp = router.clone().oneshot(get("/api/v1/board")).await?;
        anyhow::ensure!(
            resp.status() == StatusCode::OK,
            "board data: {}",
            resp.status()
        );
        let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
        let took_data = t.elapsed();
        if i >= 2 {
            page.push(took);
            data.push(took_data);
        }
        html = String::from_utf8_lossy(&body).into_owned();
    }
    page.sort();
    data.sort();
    Ok(Figures {
        page_p50: pct(&page, 0.5),
        page_p90: pct(&page, 0.9),
        data_p50: pct(&data, 0.5),
        data_p90: pct(&data, 0.9),
        page_kib: html.len() / 1024,
        cards: html.matches("data-lead-id=").count(),
    })
}

pub fn report(rows: &[(String, usize, Duration, Figures)]) -> String {
    let mut s = String::from(
        "## Opening the board (leadership: every lead)\n\n\
         Server time for `GET /board` (the server-rendered page, data included) and \
         `GET /api/v1/board` (the data alone), 15 runs after 2 warm-ups. Column counts and \
         value sums are computed in SQL over all leads; each column loads its first 50 cards.\n\n\
         | backend | leads | page p50 / p90 | data p50 / p90 | page size | cards in the page | goal (≤ 200 ms, ≤ 600 cards) |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (name, leads, _, f) in rows {
        let goal = if f.page_p50 <= 200.0 && f.cards <= 600 {
            "met"
        } else {
            "missed"
        };
        s.push_str(&format!(
            "| {name} | {leads} | {:.1} / {:.1} ms | {:.1} / {:.1} ms | {} KiB | {} | {goal} |\n",
            f.page_p50, f.page_p90, f.data_p50, f.data_p90, f.page_kib, f.cards
        ));
    }
    s.push('\n');
    s
}
