//! The forecast at scale: the demo's open leads from Qualified on carry expected close dates
//! (some committed); leadership's forecast (every lead) is read by rep over 12 months, by team
//! over 3, and as CSV, through the router. The open leads the forecast counts are checked
//! against a count in SQL.

use crate::util::{pct, session};
use app::ssr::store::Store;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const RUNS: usize = 15;

pub struct Figures {
    pub by_rep_p50: f64,
    pub by_rep_p90: f64,
    pub by_team_p50: f64,
    pub csv_p50: f64,
    /// Open leads the forecast counted, and the open leads in the database.
    pub counted: i64,
    pub open: i64,
    pub dated: i64,
}

pub async fn run(store: Store) -> anyhow::Result<Figures> {
    let mut conn = store.read().await?;
    let (open, dated): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN l.expected_close IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT)
         FROM leads l JOIN stages s ON s.id = l.stage_id WHERE s.kind = 'open'",
    )
    .fetch_one(&mut *conn)
    .await?;
    drop(conn);
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    let router = server::router(server::state(store.clone(), options, Default::default()));
    let cookie = session(&store, "eleanor").await?;
    let get = |path: &str| {
        Request::get(path)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .expect("request")
    };
    let timed = |path: String| {
        let router = router.clone();
        let request = get(&path);
        async move {
            let t = Instant::now();
            let resp = router.oneshot(request).await?;
            anyhow::ensure!(resp.status() == StatusCode::OK, "{path}: {}", resp.status());
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
            Ok::<_, anyhow::Error>((t.elapsed(), body))
        }
    };
    let (mut by_rep, mut by_team, mut csv) = (Vec::new(), Vec::new(), Vec::new());
    let mut counted = 0;
    for i in 0..RUNS + 2 {
        let (rep, body) = timed("/api/fn/forecast?months=12".into()).await?;
        let view: serde_json::Value = serde_json::from_slice(&body)?;
        counted = view["forecast"]["total"]["cells"]
            .as_array()
            .map(|cells| cells.iter().filter_map(|c| c["open"].as_i64()).sum())
            .unwrap_or(0);
        let (team, _) = timed("/api/fn/forecast?by=team".into()).await?;
        let (file, _) = timed("/forecast.csv?months=12".into()).await?;
        if i >= 2 {
            by_rep.push(rep);
            by_team.push(team);
            csv.push(file);
        }
    }
    for v in [&mut by_rep, &mut by_team, &mut csv] {
        v.sort();
    }
    let p50 = |v: &[Duration]| pct(v, 0.5);
    Ok(Figures {
        by_rep_p50: p50(&by_rep),
        by_rep_p90: pct(&by_rep, 0.9),
        by_team_p50: p50(&by_team),
        csv_p50: p50(&csv),
        counted,
        open,
        dated,
    })
}

pub fn report(rows: &[(String, usize, Figures)]) -> String {
    let mut s = String::from(
        "## Forecast\n\n\
         The demo's open leads from Qualified on have expected close dates (a quarter of the \
         qualified ones not yet), some committed. Server time for leadership's forecast (every \
         lead): `GET /api/fn/forecast` by rep over 12 months, by team over 3, and \
         `/forecast.csv` over 12; 15 runs after 2 warm-ups. The open leads the forecast counts \
         are checked against a count in SQL.\n\n\
         | backend | leads | by rep, 12 months p50 / p90 | by team p50 | CSV p50 | open leads counted (in SQL) | dated | goal (≤ 200 ms) |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for (name, leads, f) in rows {
        let goal = if f.by_rep_p50 <= 200.0 && f.counted == f.open {
            "met"
        } else {
            "missed"
        };
        s.push_str(&format!(
            "| {name} | {leads} | {:.1} / {:.1} ms | {:.1} ms | {:.1} ms | {} ({}) | {} | {goal} |\n",
            f.by_rep_p50, f.by_rep_p90, f.by_team_p50, f.csv_p50, f.counted, f.open, f.dated
        ));
    }
    s.push('\n');
    s
}
