//! The follow-up policy at scale: the sweep (the first over a database, which judges every
//! lead and records every finding and escalation; the sweeps after it, a minute and a day
//! later, which judge only the leads due; the same with every lead open), and the compliance
//! page for 50 reps, as leadership (every rep), server time.

use crate::util::{pct, session};
use app::api::compliance::ComplianceQuery;
use app::domain::Timestamp;
use app::ssr::service;
use app::ssr::store::{org, Store};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const REPS: usize = 50;
const RUNS: usize = 15;

pub struct Figures {
    pub open_leads: i64,
    /// Sweeps over the demo's leads: the first, again at once, a minute on, a day on.
    pub first: Sweep,
    pub again: Sweep,
    pub minute: Sweep,
    pub day: Sweep,
    pub data_p50: f64,
    pub data_p90: f64,
    pub page_p50: f64,
    pub page_p90: f64,
    pub reps: usize,
    /// Working out the stored first-touch facts of every lead (what saving the organisation's
    /// rules costs), and how many leads that was.
    pub facts_ms: f64,
    pub facts_leads: usize,
    /// With every lead reopened: how many are open, the sweep that judges them all, and the
    /// sweep a minute later.
    pub all_open: i64,
    pub all_first: Sweep,
    pub all_minute: Sweep,
}

/// One sweep's report and its wall time.
pub struct Sweep {
    pub report: service::sweep::SweepReport,
    pub ms: f64,
}

impl Sweep {
    async fn at(state: &app::ssr::AppState, at: Timestamp) -> anyhow::Result<Sweep> {
        let t = Instant::now();
        let report = service::sweep::sweep(state, at).await?;
        Ok(Sweep {
            report,
            ms: t.elapsed().as_secs_f64() * 1e3,
        })
    }

    fn cell(&self) -> String {
        let r = &self.report;
        format!(
            "{:.0} ms ({} judged; {} + {} ms; {} opened, {} resolved, {} notices)",
            self.ms,
            r.judged,
            r.judge_ms,
            r.write_ms,
            r.opened,
            r.resolved,
            r.reminded + r.alerted + r.reassigned
        )
    }
}

async fn open_count(store: &Store) -> anyhow::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM leads WHERE closed_at IS NULL")
        .fetch_one(&mut *store.read().await?)
        .await?;
    Ok(n)
}

/// Spreads the leads over `REPS` reps (adding reps to the demo's teams).
async fn fifty_reps(store: &Store) -> anyhow::Result<usize> {
    let mut tx = store.begin().await?;
    let teams: Vec<(i64,)> = sqlx::query_as("SELECT id FROM teams ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    let mut reps: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, team_id FROM users WHERE role = 'rep' ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
    let now = service::now();
    let mut n = reps.len();
    while reps.len() < REPS {
        let team = teams[n % teams.len()].0;
        let id = org::insert_user(
            &mut tx,
            &format!("rep{n}@closeloop.example"),
            &format!("Bench Rep {n}"),
            "rep",
            Some(team),
            now,
        )
        .await?;
        reps.push((id, team));
        n += 1;
    }
    // Owner and team by lead id, in one statement per rep.
    for (i, (rep, team)) in reps.iter().enumerate() {
        sqlx::query(
            "UPDATE leads SET owner_id = $1, team_id = $2, facts_at = NULL, judge_at = 0
             WHERE id % $3 = $4",
        )
        .bind(rep)
        .bind(team)
        .bind(REPS as i64)
        .bind(i as i64)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(reps.len())
}

pub async fn run(store: Store) -> anyhow::Result<Figures> {
    let reps = fifty_reps(&store).await?;
    let options = server::leptos_options(
        std::path::Path::new("target/site"),
        ([127, 0, 0, 1], 0).into(),
    );
    let state = server::state(store.clone(), options, Default::default());
    store.forget_pipeline();

    // Every lead's facts are out of date after the owner changes above.
    let t = Instant::now();
    let facts_leads = service::compliance::refresh_facts(&state).await?;
    let facts_ms = t.elapsed().as_secs_f64() * 1e3;

    let at = service::now();
    let first = Sweep::at(&state, at).await?;
    let again = Sweep::at(&state, at).await?;
    let minute = Sweep::at(&state, Timestamp(at.0 + 60_000)).await?;
    let day = Sweep::at(&state, Timestamp(at.0 + 86_400_000)).await?;
    let open_leads = open_count(&store).await?;

    // PostgreSQL's autovacuum would have caught up with the bulk writes above by now in a
    // running installation (planner statistics, and the visibility map index-only scans
    // need); run it at once here.
    if store.backend() == app::ssr::store::Backend::Postgres {
        sqlx::query("VACUUM ANALYZE leads")
            .execute(&mut *store.read().await?)
            .await?;
    }
    let eleanor = crate::util::actor(&store, "eleanor").await?;
    let q = ComplianceQuery {
        days: 30,
        team: None,
        rep: None,
        pipeline: None,
    };
    let router = server::router(state.clone());
    let cookie = session(&store, "eleanor").await?;
    let mut data = Vec::new();
    let mut page = Vec::new();
    let mut shown = 0;
    for i in 0..RUNS + 2 {
        let t = Instant::now();
        let view = service::compliance::page(&state, &eleanor, q.clone()).await?;
        let took = t.elapsed();
        shown = view.reps.len();
        let t = Instant::now();
        let resp = router
            .clone()
            .oneshot(
                Request::get("/compliance?days=30")
                    .header(header::COOKIE, &cookie)
                    .header(header::ACCEPT, "text/html")
                    .body(Body::empty())?,
            )
            .await?;
        anyhow::ensure!(
            resp.status() == StatusCode::OK,
            "compliance page: {}",
            resp.status()
        );
        let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
        let took_page = t.elapsed();
        if i >= 2 {
            data.push(took);
            page.push(took_page);
        }
    }
    anyhow::ensure!(shown >= REPS, "the page showed {shown} reps");
    data.sort();
    page.sort();
    // Every lead open: closed ones back in the first open stage, then a sweep to record what
    // they now break, and the steady sweep after it.
    let open_stage = {
        let mut conn = store.read().await?;
        store
            .pipeline(&mut conn)
            .await?
            .first_of(app::domain::PipelineId(1), app::domain::StageKind::Open)
            .map(|s| s.id.0)
            .ok_or_else(|| anyhow::anyhow!("no open stage"))?
    };
    let mut tx = store.begin().await?;
    sqlx::query(
        "UPDATE leads SET closed_at = NULL, close_reason = NULL, close_note = NULL,
                stage_id = $1, facts_at = NULL, judge_at = 0
         WHERE closed_at IS NOT NULL",
    )
    .bind(open_stage)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let all_open = open_count(&store).await?;
    let at = Timestamp(at.0 + 86_400_000 + 60_000);
    let all_first = Sweep::at(&state, at).await?;
    let all_minute = Sweep::at(&state, Timestamp(at.0 + 60_000)).await?;
    Ok(Figures {
        open_leads,
        first,
        again,
        minute,
        day,
        data_p50: pct(&data, 0.5),
        data_p90: pct(&data, 0.9),
        page_p50: pct(&page, 0.5),
        page_p90: pct(&page, 0.9),
        reps,
        facts_ms,
        facts_leads,
        all_open,
        all_first,
        all_minute,
    })
}

pub fn report(rows: &[(String, usize, Duration, Figures)]) -> String {
    let mut s = String::from(
        "## Follow-up sweep and compliance\n\n\
         The sweep judges the leads that are due (written since the last sweep, under rules \
         saved since, or with a clock or escalation rung running out), records findings that \
         began or ended and climbs the escalation ladder, writing multi-row statements in \
         transactions of 500 changes, then marks each judged lead with when it is due again. \
         The first sweep over a database judges every lead; the sweep a minute later is what \
         the server's timer runs every minute; a day later is a sweeper that was down for a \
         day catching up. Compliance: `/compliance?days=30` as leadership (every rep), the \
         data (`service::compliance::page`) and the whole server-rendered page, 15 runs after \
         2 warm-ups.\n\n\
         | backend | leads | open | reps | first sweep | again at once | a minute later | a day later | goal sweep ≤ 2 s | compliance data p50 / p90 | page p50 / p90 | goal ≤ 300 ms |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let goal = |ok: bool| if ok { "met" } else { "missed" };
    for (name, leads, _, f) in rows {
        s.push_str(&format!(
            "| {name} | {leads} | {} | {} | {} | {} | {} | {} | {} | {:.1} / {:.1} ms | {:.1} / {:.1} ms | {} |\n",
            f.open_leads,
            f.reps,
            f.first.cell(),
            f.again.cell(),
            f.minute.cell(),
            f.day.cell(),
            goal(f.minute.ms <= 2000.0 && f.first.ms <= 2000.0),
            f.data_p50,
            f.data_p90,
            f.page_p50,
            f.page_p90,
            goal(f.page_p50 <= 300.0),
        ));
    }
    s.push_str(
        "\nThe same with every lead reopened (closed leads put back in the first open stage, \
         so every lead is due): the sweep that judges them all, and the sweep a minute later; \
         and working out the stored compliance facts of every lead, which the first sweep after \
         a save of the organisation's rules does.\n\n\
         | backend | open leads | sweep judging every lead | a minute later | goal ≤ 2 s | compliance facts (leads) |\n|---|---|---|---|---|---|\n",
    );
    for (name, _, _, f) in rows {
        s.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {:.0} ms ({}) |\n",
            f.all_open,
            f.all_first.cell(),
            f.all_minute.cell(),
            goal(f.all_first.ms <= 2000.0 && f.all_minute.ms <= 2000.0),
            f.facts_ms,
            f.facts_leads
        ));
    }
    s.push('\n');
    s
}
