//! Compliance figures against a hand-computed fixture, on both backends: eight leads of one
//! rep under a round-the-clock calendar (so business time is wall time and every number can
//! be worked out by hand), seen by the manager and by the rep alike.

use crate::both_backends;
use crate::support::TestDb;
use app::api::compliance::{ComplianceQuery, Measure};
use app::domain::calendar::{BusinessCalendar, Hours};
use app::domain::{
    CloseReason, Currency, LeadId, Money, NextStep, NextStepKind, Policy, StageKind, Timestamp,
};
use app::ssr::service::{self, compliance};
use app::ssr::store::{leads, policies};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

both_backends!(scorecards_match_the_hand_computed_fixture);
async fn scorecards_match_the_hand_computed_fixture(db: TestDb) -> TestDb {
    let db = db.with_demo(0).await;
    let state = db.state();
    let dana = db.actor("dana").await; // rep, Enterprise East
    let morgan = db.actor("morgan").await; // manages Enterprise East
    let east = dana.team_id.unwrap();
    let pipeline = db.pipeline().await;
    let open = pipeline
        .first_of(app::domain::PipelineId(1), StageKind::Open)
        .unwrap()
        .id;
    let lost = pipeline
        .first_of(app::domain::PipelineId(1), StageKind::Lost)
        .unwrap()
        .id;
    let won = pipeline
        .first_of(app::domain::PipelineId(1), StageKind::Won)
        .unwrap()
        .id;
    let now = service::now();

    // East works around the clock: first touch within 60 minutes, stale after 14 days.
    let day = Some(Hours {
        open: 0,
        close: 24 * 60,
    });
    let mut rules = Policy::default_for(BusinessCalendar {
        week: [day; 7],
        ..BusinessCalendar::office_hours_utc()
    });
    rules.name = "East".into();
    rules.first_touch_minutes = Some(60);
    rules.max_idle_days = Some(14);
    let mut tx = state.store.begin().await.unwrap();
    policies::insert(&mut tx, Some(east), &rules, None, now)
        .await
        .unwrap();

    let at = |ms: i64| Timestamp(now.0 + ms);
    let step = |due: i64| {
        Some(NextStep {
            kind: NextStepKind::Call,
            due_at: at(due),
            note: None,
        })
    };
    // (name, created, first touch, last touch, next step, stage, closed, reason, note, complete)
    #[allow(clippy::type_complexity)]
    let fixture: Vec<(
        &str,
        i64,
        Option<i64>,
        Option<i64>,
        Option<NextStep>,
        _,
        Option<i64>,
        Option<CloseReason>,
        Option<&str>,
        bool,
    )> = vec![
        // A: touched 30 min after arrival; step tomorrow; complete.
        (
            "A",
            -10 * DAY,
            Some(-10 * DAY + 30 * MIN),
            Some(-10 * DAY + 30 * MIN),
            step(DAY),
            open,
            None,
            None,
            None,
            true,
        ),
        // B: touched after 3 hours (late); no step; no company.
        (
            "B",
            -5 * DAY,
            Some(-5 * DAY + 3 * HOUR),
            Some(-5 * DAY + 3 * HOUR),
            None,
            open,
            None,
            None,
            None,
            false,
        ),
        // C: untouched for 20 hours (late); step overdue; no value.
        (
            "C",
            -20 * HOUR,
            None,
            None,
            step(-HOUR),
            open,
            None,
            None,
            None,
            false,
        ),
        // D: arrived before the period; last touch 20 days ago and nothing planned: stale.
        (
            "D",
            -40 * DAY,
            Some(-40 * DAY + 5 * MIN),
            Some(-20 * DAY),
            None,
            open,
            None,
            None,
            None,
            true,
        ),
        // E: touched after 10 minutes, lost 3 days ago for no budget.
        (
            "E",
            -9 * DAY,
            Some(-9 * DAY + 10 * MIN),
            Some(-9 * DAY + 10 * MIN),
            None,
            lost,
            Some(-3 * DAY),
            Some(CloseReason::NoBudget),
            None,
            true,
        ),
        // F: arrived before the period, lost 2 days ago as "other" with no note.
        (
            "F",
            -50 * DAY,
            Some(-50 * DAY + 5 * MIN),
            Some(-50 * DAY + 5 * MIN),
            None,
            lost,
            Some(-2 * DAY),
            Some(CloseReason::Other),
            Some(" "),
            true,
        ),
        // G: won yesterday, arrived long ago.
        (
            "G",
            -60 * DAY,
            Some(-60 * DAY + 5 * MIN),
            Some(-DAY),
            None,
            won,
            Some(-DAY),
            None,
            None,
            true,
        ),
        // H: arrived 10 minutes ago, deadline still ahead; step in an hour; complete.
        (
            "H",
            -10 * MIN,
            None,
            None,
            step(HOUR),
            open,
            None,
            None,
            None,
            true,
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (name, created, first, last, next, stage, closed, reason, note, complete) in fixture {
        let id = leads::insert_lead(
            &mut tx,
            &leads::NewLead {
                fields: Default::default(),
                contact_name: format!("Lead {name}"),
                email: Some(format!("{}@example.com", name.to_lowercase())),
                phone: None,
                company: (complete || name == "C").then(|| "Acme".to_string()),
                source_id: 1,
                campaign_id: None,
                product_interest: Some("Widgets".into()),
                value: (complete || name == "B").then(|| Money::new(100_000, Currency::USD)),
                owner_id: Some(dana.id.0),
                team_id: Some(east.0),
                stage_id: stage,
                next_step: next,
                created_at: at(created),
                assigned_at: Some(at(created)),
                first_touched_at: first.map(at),
                last_touched_at: last.map(at),
                stage_entered_at: at(created),
                closed_at: closed.map(at),
                close_reason: reason,
                close_note: note.map(str::to_string),
                version: 1,
                contact_id: None,
                company_id: None,
                reached_position: None,
                updated_at: at(created),
            },
        )
        .await
        .unwrap();
        ids.insert(name, id);
    }
    tx.commit().await.unwrap();
    state.store.forget_pipeline();

    let q = ComplianceQuery {
        days: 30,
        team: None,
        rep: None,
        pipeline: None,
    };
    let page = compliance::page(&state, &morgan, q.clone()).await.unwrap();
    let row = page.reps.iter().find(|r| r.id == dana.id.0).unwrap();
    let c = &row.card;
    let frac = |m: &app::domain::compliance::Metric| (m.passed, m.counted);
    // First touch: A and E in time, B and C late; D, F, G arrived earlier; H not yet due.
    assert_eq!(frac(&c.first_touch_in_sla), (2, 4));
    // Median of 10, 30 and 180 minutes.
    assert_eq!(c.median_first_touch_minutes, Some(30));
    // Open: A, B, C, D, H. Planned: A and H (C's is overdue).
    assert_eq!(frac(&c.next_step_planned), (2, 5));
    // Not stale: all open but D.
    assert_eq!(frac(&c.not_stale), (4, 5));
    // Lost in the period: E with a reason, F "other" without a note.
    assert_eq!(frac(&c.close_reason_given), (1, 2));
    // Complete: A, D, H (B lacks a company, C a value).
    assert_eq!(frac(&c.data_complete), (3, 5));
    // 30% × 2/4 + 25% × 2/5 + 20% × 4/5 + 15% × 1/2 + 10% × 3/5 = 54.5
    let score = c.composite.unwrap();
    assert!((score - 54.5).abs() < 1e-9, "{score}");
    let team = page.teams.iter().find(|t| t.id == east.0).unwrap();
    assert_eq!(team.card, *c, "Dana is the only rep with leads in East");

    // The rep sees exactly what the manager sees.
    let own = compliance::page(&state, &dana, q.clone()).await.unwrap();
    assert!(own.own_only);
    assert_eq!(own.reps.len(), 1);
    assert_eq!(own.reps[0].card, *c);
    assert!(own.teams.is_empty());

    // The numbers click through to their leads.
    let behind = compliance::leads_behind(&state, &morgan, q.clone(), Measure::FirstTouch, false)
        .await
        .unwrap();
    let mut got: Vec<LeadId> = behind.leads.iter().map(|l| l.id).collect();
    got.sort();
    let mut want = vec![ids["B"], ids["C"]];
    want.sort();
    assert_eq!(got, want);
    let planned = compliance::leads_behind(&state, &dana, q.clone(), Measure::NextStep, true)
        .await
        .unwrap();
    assert_eq!(planned.leads.len(), 2);

    // Nobody sees what is not theirs; a bad period names the field.
    let luis = db.actor("luis").await;
    let mut theirs = q.clone();
    theirs.rep = Some(luis.id.0);
    assert_eq!(
        compliance::page(&state, &dana, theirs)
            .await
            .unwrap_err()
            .status(),
        403
    );
    let riley = db.actor("riley").await;
    assert_eq!(
        compliance::page(&state, &riley, q.clone())
            .await
            .unwrap_err()
            .status(),
        403
    );
    let mut bad = q;
    bad.days = 3;
    assert_eq!(
        compliance::page(&state, &morgan, bad)
            .await
            .unwrap_err()
            .fields()[0]
            .field,
        "days"
    );
    db
}

// The figures counted in SQL, next to the domain's scorecards computed in Rust from every
// lead: equal for every rep and team, every measure, the medians, the scores, the ranking and
// the trend, over the demo's two policies — and still equal after a team's rules change and a
// lead's first touch is written (both recompute the stored first-touch facts).
both_backends!(sql_counts_equal_the_domain_scorecards);
async fn sql_counts_equal_the_domain_scorecards(db: TestDb) -> TestDb {
    let db = db.with_demo(400).await;
    let state = db.state();
    check_against_domain(&db, 30).await;
    check_against_domain(&db, 365).await;

    // West's first-touch time drops from 2 hours to 30 minutes: its leads are judged again.
    db.set_west_first_touch(&state, 30).await;
    check_against_domain(&db, 365).await;

    // A lead's first touch is written: its minutes and verdict follow.
    let untouched = db
        .all_leads()
        .await
        .into_iter()
        .find(|l| l.first_touched_at.is_none() && l.closed_at.is_none())
        .expect("the demo has untouched open leads");
    let mut touched = untouched.clone();
    touched.first_touched_at = Some(service::now());
    touched.last_touched_at = touched.first_touched_at;
    touched.version += 1;
    let mut tx = state.store.begin().await.unwrap();
    assert!(leads::write(&mut tx, &touched, untouched.version)
        .await
        .unwrap());
    tx.commit().await.unwrap();
    check_against_domain(&db, 365).await;
    db
}

/// Leadership's page over `days` against `domain::compliance` run on every lead.
async fn check_against_domain(db: &TestDb, days: u32) {
    use app::domain::compliance::{by_owner, scorecard, weekly_trend, Scorecard};
    use app::domain::{Lead, TeamId};
    fn same(what: &str, sql: &Scorecard, rust: &Scorecard) {
        let counts = |c: &Scorecard| {
            [
                &c.first_touch_in_sla,
                &c.next_step_planned,
                &c.not_stale,
                &c.close_reason_given,
                &c.data_complete,
            ]
            .map(|m| (m.passed, m.counted))
        };
        assert_eq!(counts(sql), counts(rust), "{what}: counts");
        assert_eq!(
            sql.median_first_touch_minutes, rust.median_first_touch_minutes,
            "{what}: median"
        );
        assert_eq!(sql.composite, rust.composite, "{what}: score");
    }
    let state = db.state();
    let eleanor = db.actor("eleanor").await; // leadership: every team and rep
    let q = ComplianceQuery {
        days,
        team: None,
        rep: None,
        pipeline: None,
    };
    let view = compliance::page(&state, &eleanor, q).await.unwrap();
    let all: Vec<Lead> = db.all_leads().await;
    let mut conn = state.store.read().await.unwrap();
    let policies = state.store.policies(&mut conn).await.unwrap();
    let (at, period) = (view.now, view.period);
    let rust = by_owner(&all, &policies, period, at);
    assert_eq!(view.reps.len(), rust.len(), "{days} days: reps");
    for (row, (user, card)) in view.reps.iter().zip(&rust) {
        assert_eq!(row.id, user.0, "{days} days: ranking");
        same(&format!("{days} days, rep {}", row.name), &row.card, card);
    }
    assert!(view.teams.len() >= 2, "{days} days: teams");
    for team in &view.teams {
        let own: Vec<&Lead> = all
            .iter()
            .filter(|l| l.team_id == Some(TeamId(team.id)))
            .collect();
        let want = scorecard(&own, &policies, period, at);
        same(&format!("{days} days, {}", team.name), &team.card, &want);
    }
    let refs: Vec<&Lead> = all.iter().collect();
    assert_eq!(view.trend, weekly_trend(&refs, &policies, 8, at), "trend");
    // The demo gives the measures something to count.
    let arrivals: u32 = view
        .reps
        .iter()
        .map(|r| r.card.first_touch_in_sla.counted)
        .sum();
    let losses: u32 = view
        .reps
        .iter()
        .map(|r| r.card.close_reason_given.counted)
        .sum();
    assert!(
        arrivals > 0 && losses > 0,
        "{days} days: {arrivals} arrivals, {losses} losses"
    );
}
