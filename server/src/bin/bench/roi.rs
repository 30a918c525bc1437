//! The ROI report (`/roi`'s data: every table and the funnel) over a year, as marketing, on a
//! seeded demo organisation at each scale.

use crate::util::pct;
use app::api::roi::RoiQuery;
use app::ssr::store::Store;
use std::time::{Duration, Instant};

const RUNS: usize = 15;

pub struct Figures {
    pub p50: f64,
    pub p90: f64,
    /// The page's second request (time in stage from the event log, the sales cycle), p50.
    pub times_p50: f64,
    /// Inquiries in the year, as the report counts them (a check that it read them all).
    pub inquiries: u32,
}

pub async fn run(store: Store) -> anyhow::Result<Figures> {
    // Straight after a bulk load PostgreSQL has no statistics and no visibility map, so
    // every count would visit the heap: measure the database as autovacuum leaves it.
    if store.backend() == app::ssr::store::Backend::Postgres {
        let mut conn = store.read().await?;
        sqlx::query("VACUUM ANALYZE").execute(&mut *conn).await?;
    }
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    let state = server::state(store.clone(), options, Default::default());
    let riley = crate::util::actor(&store, "riley").await?;
    let mut times = Vec::new();
    let mut inquiries = 0;
    for i in 0..RUNS + 2 {
        let t = Instant::now();
        let r = app::ssr::service::roi::report(&state, &riley, RoiQuery::last(365))
            .await
            .map_err(|e| anyhow::anyhow!("roi report: {e}"))?;
        let took = t.elapsed();
        inquiries = r.total.inquiries;
        if i >= 2 {
            times.push(took);
        }
    }
    times.sort();
    // The page's second request: time in stage and the sales cycle over the same year.
    let mut part = Vec::new();
    for i in 0..RUNS + 2 {
        let t = Instant::now();
        app::ssr::service::roi::times(&state, &riley, RoiQuery::last(365))
            .await
            .map_err(|e| anyhow::anyhow!("roi times: {e}"))?;
        if i >= 2 {
            part.push(t.elapsed());
        }
    }
    part.sort();
    Ok(Figures {
        p50: pct(&times, 0.5),
        p90: pct(&times, 0.9),
        times_p50: pct(&part, 0.5),
        inquiries,
    })
}

pub fn report(rows: &[(String, usize, Duration, Figures)]) -> String {
    let mut s = String::from(
        "## ROI report\n\n\
         `service::roi::report` over 365 days as marketing (the data of `/roi`: channel, \
         source and campaign tables, totals, the funnel and the year's pace), 15 runs after 2 \
         warm-ups. Inquiries and close-outs come from rollup \
         tables per UTC day (`roi_created`, `roi_closed`, migration 0013), kept by triggers on \
         `leads` in the transaction of every write; the period's two partial days are read \
         from the covering indexes `leads_roi_created` / `leads_roi_closed`. The page reads \
         time in stage (one row per move in `stage_stays`, written by a trigger on the event \
         log, migration 0014, read from its covering index) and the sales cycle (every win's inquiry-to-win time) in a second request, \
         `service::roi::times`: exact percentiles over raw rows, timed in the last column.\n\n\
         | backend | leads | seeding | report p50 / p90 | inquiries counted | goal (≤ 150 ms at 1M on SQLite) | time in stage + cycle, p50 |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (name, leads, seeded, f) in rows {
        let goal = if name == "SQLite" && *leads >= 1_000_000 {
            if f.p50 <= 150.0 {
                "met"
            } else {
                "missed"
            }
        } else {
            "–"
        };
        s.push_str(&format!(
            "| {name} | {leads} | {:.0} s | {:.1} / {:.1} ms | {} | {goal} | {:.1} ms |\n",
            seeded.as_secs_f64(),
            f.p50,
            f.p90,
            f.inquiries,
            f.times_p50
        ));
    }
    s.push('\n');
    s
}
