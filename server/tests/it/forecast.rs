//! The forecast on both backends: each open lead's value weighted by its stage's probability in
//! the month of its expected close date, cross-checked against the leads themselves; a rep's
//! edits move it by exactly their hand-computed amounts and show in the review; who may read
//! whose forecast; bad queries named by field; the CSV download.

use crate::both_backends;
use crate::http::Client;
use crate::support::TestDb;
use app::domain::activity::LeadEdit;
use app::domain::forecast::{ColumnKind, ForecastQuery, Month};
use app::domain::time::{date_text, parse_date};
use app::domain::{Lead, StageKind};
use app::error::AppError;
use app::ssr::service::{self, forecast};
use std::collections::HashMap;

fn fields(e: &AppError) -> Vec<String> {
    e.fields().iter().map(|f| f.field.clone()).collect()
}

both_backends!(the_forecast_weighs_each_open_lead_and_follows_a_reps_edits);
async fn the_forecast_weighs_each_open_lead_and_follows_a_reps_edits(db: TestDb) -> TestDb {
    let db = db.with_demo(200).await;
    let state = db.state();
    let sam = db.actor("sam").await;
    let before = forecast::view(&state, &sam, ForecastQuery::default())
        .await
        .unwrap();
    assert_eq!(before.scope, "Your leads");
    assert_eq!(
        before.forecast.rows.len(),
        1,
        "a rep sees their own row only"
    );
    assert_eq!(before.forecast.rows[0].label, sam.name);

    // Cross-check every month against Sam's open leads, added up here the plain way.
    let pipeline = db.pipeline().await;
    let leads = db.all_leads().await;
    let open: Vec<&Lead> = leads
        .iter()
        .filter(|l| l.owner.as_ref().is_some_and(|o| o.id == sam.id.0))
        .filter(|l| {
            pipeline
                .get(l.stage_id)
                .is_some_and(|s| s.kind == StageKind::Open)
        })
        .collect();
    assert!(
        open.iter().any(|l| l.expected_close.is_some()),
        "the demo dates some"
    );
    let mut by_month: HashMap<String, (i128, i64, i64, u32)> = HashMap::new();
    for l in &open {
        let Some(day) = &l.expected_close else {
            continue;
        };
        let cents = l.value.map_or(0, |v| v.cents);
        let p = pipeline.get(l.stage_id).unwrap().win_percent();
        let e = by_month.entry(day[..7].to_string()).or_default();
        e.0 += i128::from(cents) * i128::from(p);
        e.1 += if l.committed { cents } else { 0 };
        e.2 += cents;
        e.3 += 1;
    }
    let f = &before.forecast;
    let mut checked = 0;
    for (col, cell) in f.columns.iter().zip(&f.total.cells) {
        if col.kind.in_window() {
            let (basis, committed, best, n) = by_month.get(&col.key).copied().unwrap_or_default();
            assert_eq!(cell.weighted_basis, basis, "{}", col.key);
            assert_eq!(cell.weighted(), ((basis + 50) / 100) as i64, "{}", col.key);
            assert_eq!(
                (cell.committed, cell.best, cell.open),
                (committed, best, n),
                "{}",
                col.key
            );
            checked += n;
        }
    }
    assert!(
        checked > 0,
        "some of Sam's leads close in the next three months"
    );
    let undated = open.iter().filter(|l| l.expected_close.is_none()).count() as u32;
    assert_eq!(before.undated, undated);

    // Sam dates an undated lead for the 15th of next month, values it at 10,000 and commits.
    let lead = open
        .iter()
        .find(|l| l.expected_close.is_none() && pipeline.get(l.stage_id).unwrap().win_percent() > 0)
        .copied()
        .expect("an undated lead in a stage with a probability");
    let p = i64::from(pipeline.get(lead.stage_id).unwrap().win_percent());
    let today = parse_date(&before.today).unwrap();
    let next = Month::of_day(today).plus(1);
    let day = date_text(next.first_day() + 14);
    // A commitment without a date, and a date that is no date, are refused by field.
    let e = service::work::edit_lead(
        &state,
        &sam,
        lead.id,
        LeadEdit {
            version: lead.version,
            committed: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&e), ["committed"]);
    let e = service::work::edit_lead(
        &state,
        &sam,
        lead.id,
        LeadEdit {
            version: lead.version,
            expected_close: Some("someday".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&e), ["expected_close"]);
    let saved = service::work::edit_lead(
        &state,
        &sam,
        lead.id,
        LeadEdit {
            version: lead.version,
            value: Some("10,000".into()),
            expected_close: Some(day.clone()),
            committed: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(saved.expected_close.as_deref(), Some(day.as_str()));
    assert!(saved.committed);
    let after = forecast::view(&state, &sam, ForecastQuery::default())
        .await
        .unwrap();
    let at = |v: &app::model::forecast::ForecastView| {
        let i = v
            .forecast
            .columns
            .iter()
            .position(|c| c.key == next.key())
            .unwrap();
        v.forecast.total.cells[i]
    };
    let (was, now) = (at(&before), at(&after));
    assert_eq!(
        now.weighted() - was.weighted(),
        10_000 * p,
        "10,000 × {p} %"
    );
    assert_eq!(now.committed - was.committed, 1_000_000);
    assert_eq!(now.best - was.best, 1_000_000);
    assert_eq!(now.open, was.open + 1);
    assert_eq!(after.undated, before.undated - 1);

    // The review shows it among what changed.
    let review = service::review::view(&state, &db.actor("priya").await, sam.id.0)
        .await
        .unwrap();
    assert!(review.counts.forecast >= 1, "{:?}", review.counts);
    let row = review
        .changed_leads
        .iter()
        .find(|c| c.lead == lead.id)
        .expect("the lead is in the review");
    assert!(
        row.summary
            .iter()
            .any(|s| s.starts_with("Forecast: close date none → ") && s.ends_with(", committed")),
        "{:?}",
        row.summary
    );
    db
}

both_backends!(who_reads_whose_forecast_and_bad_queries_are_named);
async fn who_reads_whose_forecast_and_bad_queries_are_named(db: TestDb) -> TestDb {
    let db = db.with_demo(200).await;
    let state = db.state();
    let q = ForecastQuery::default;
    // Marketing reads returns per channel, not deals.
    let e = forecast::view(&state, &db.actor("riley").await, q())
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden { .. }), "{e:?}");
    // A manager reads her team's reps; leadership everyone's, by team too.
    let priya = db.actor("priya").await;
    let team = forecast::view(&state, &priya, q()).await.unwrap();
    let everyone = forecast::view(&state, &db.actor("eleanor").await, q())
        .await
        .unwrap();
    assert!(team.forecast.rows.len() < everyone.forecast.rows.len());
    assert!(team.forecast.rows.iter().any(|r| r.label == "Sam Carter"));
    assert!(!team.forecast.rows.iter().any(|r| r.label == "Luis Ortega"));
    let window =
        |v: &app::model::forecast::ForecastView| v.forecast.total.window(&v.forecast.columns);
    assert!(window(&team).best <= window(&everyone).best);
    let by_team = forecast::view(
        &state,
        &db.actor("eleanor").await,
        ForecastQuery {
            by: Some("team".into()),
            months: Some(6),
            ..q()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        by_team
            .forecast
            .columns
            .iter()
            .filter(|c| c.kind.in_window())
            .count(),
        6
    );
    // The same total, whatever the rows are.
    assert_eq!(
        window(&everyone).weighted_basis,
        by_team
            .forecast
            .columns
            .iter()
            .zip(&by_team.forecast.total.cells)
            .filter(|(c, _)| c.kind.in_window())
            .take(3)
            .map(|(_, cell)| cell.weighted_basis)
            .sum::<i128>()
    );
    assert!(by_team
        .forecast
        .columns
        .iter()
        .any(|c| c.kind == ColumnKind::Won));

    // Bad queries name their field.
    for (query, field) in [
        (
            ForecastQuery {
                by: Some("weather".into()),
                ..q()
            },
            "by",
        ),
        (
            ForecastQuery {
                months: Some(5),
                ..q()
            },
            "months",
        ),
        (
            ForecastQuery {
                pipeline: Some(999),
                ..q()
            },
            "pipeline",
        ),
        (
            ForecastQuery {
                currency: Some("dollars".into()),
                ..q()
            },
            "currency",
        ),
    ] {
        let e = forecast::view(&state, &priya, query).await.unwrap_err();
        assert_eq!(fields(&e), [field]);
    }

    // The CSV: a rep's own figures; marketing refused.
    let get = |uri: &str| {
        axum::http::Request::get(uri)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let sam = Client::signed_in(&db, "sam").await;
    let (status, body) = sam.send(get("/forecast.csv?months=6")).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.starts_with("rep,column,column_kind,won,wins,weighted"),
        "{body}"
    );
    assert!(
        body.lines()
            .skip(1)
            .all(|l| l.starts_with("Sam Carter,") || l.starts_with("Total,")),
        "{body}"
    );
    let riley = Client::signed_in(&db, "riley").await;
    let (status, _) = riley.send(get("/forecast.csv")).await;
    assert_eq!(status, 403);
    let (status, body) = sam.send(get("/forecast.csv?by=weather")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("by"), "{body}");
    db
}
