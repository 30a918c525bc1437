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
    /// Inquiries in the year, as the report counts them (a check that it read them all).
    pub inquiries: u32,
}

pub async fn run(store: Store) -> anyhow::Result<Figures> {
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
        let r = app::ssr::service::roi::report(
            &state,
            &riley,
            RoiQuery {
                days: 365,
                currency: None,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("roi report: {e}"))?;
        let took = t.elapsed();
        inquiries = r.total.inquiries;
        if i >= 2 {
            times.push(took);
        }
    }
    times.sort();
    Ok(Figures {
        p50: pct(&times, 0.5),
        p90: pct(&times, 0.9),
        inquiries,
    })
}

pub fn report(rows: &[(String, usize, Duration, Figures)]) -> String {
    let mut s = String::from(
        "## ROI report\n\n\
         `service::roi::report` over 365 days as marketing (the data of `/roi`: channel, \
         source and campaign tables, totals and the funnel), 15 runs after 2 warm-ups. It \
         reads two GROUP BYs from covering indexes (`leads_roi_created` by creation date, \
         `leads_roi_closed` by close date, migration 0011; each lead's furthest stage is kept \
         in `reached_position` by the same statement that writes its stage) and the spend per \
         campaign. No rollup tables.\n\n\
         | backend | leads | seeding | report p50 / p90 | inquiries counted | goal (≤ 150 ms at 1M on SQLite) |\n\
         |---|---|---|---|---|---|\n",
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
            "| {name} | {leads} | {:.0} s | {:.1} / {:.1} ms | {} | {goal} |\n",
            seeded.as_secs_f64(),
            f.p50,
            f.p90,
            f.inquiries
        ));
    }
    s.push('\n');
    s
}
