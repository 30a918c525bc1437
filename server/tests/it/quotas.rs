//! Quotas on both backends: the demo's quotas measured against the reps' own wins (added up
//! here the plain way); a manager sets her rep's, and it shows on My day, the review, the
//! leaderboard, the forecast, the wall and the payout export; who may set whose (a lookup by
//! id is an access question, a deactivated or promoted person drops out); bad input named by
//! field and changing nothing.

use crate::both_backends;
use crate::support::TestDb;
use app::domain::account::UserChange;
use app::domain::quota::{Measure, Pace, QuotaInput};
use app::domain::{Lead, Role, StageKind, UserId};
use app::error::AppError;
use app::model::forecast::ForecastQuery;
use app::ssr::service::{self, quotas};

fn fields(e: &AppError) -> Vec<String> {
    e.fields().iter().map(|f| f.field.clone()).collect()
}

fn input(user: UserId, measure: &str, starts: &str, target: &str) -> QuotaInput {
    QuotaInput {
        user_id: user.0,
        measure: measure.into(),
        cadence: "month".into(),
        starts: starts.into(),
        target: target.into(),
        currency: String::new(),
    }
}

both_backends!(quotas_measure_wins_and_show_wherever_a_rep_is_judged);
async fn quotas_measure_wins_and_show_wherever_a_rep_is_judged(db: TestDb) -> TestDb {
    let db = db.with_demo(200).await;
    let state = db.state();
    let luis = db.actor("luis").await;
    let day = service::today::today(&state, &luis).await.unwrap();
    let measures: Vec<Measure> = day.quotas.iter().map(|a| a.measure).collect();
    assert_eq!(
        measures,
        [Measure::WonValue, Measure::Wins, Measure::Score],
        "the demo gives Luis three quotas"
    );
    // Won value this month, cross-checked against Luis's leads.
    let won = &day.quotas[0];
    assert_eq!(won.target, 25_000_000);
    let pipeline = db.pipeline().await;
    let leads = db.all_leads().await;
    let mine_won = |from: i64, to: i64| -> Vec<&Lead> {
        leads
            .iter()
            .filter(|l| l.owner.as_ref().is_some_and(|o| o.id == luis.id.0))
            .filter(|l| {
                pipeline
                    .get(l.stage_id)
                    .is_some_and(|s| s.kind == StageKind::Won)
            })
            .filter(|l| l.closed_at.is_some_and(|t| t.0 >= from && t.0 < to))
            .collect()
    };
    let month: i64 = mine_won(won.from.0, won.to.0)
        .iter()
        .filter_map(|l| l.value.filter(|v| v.currency.code() == "USD"))
        .map(|v| v.cents)
        .sum();
    assert_eq!(won.actual, Some(month));
    let wins = &day.quotas[1];
    assert_eq!(wins.target, 40);
    assert!(wins.period.starts_with('Q'), "{}", wins.period);
    assert_eq!(
        wins.actual,
        Some(mine_won(wins.from.0, wins.to.0).len() as i64)
    );

    // Morgan manages Dana's team: she sets Dana's won value for this month.
    let morgan = db.actor("morgan").await;
    let dana = db.actor("dana").await;
    let page = quotas::page(&state, &morgan).await.unwrap();
    let this_month = page.this_month.clone();
    let names: Vec<&str> = page.people.iter().map(|p| p.name.as_str()).collect();
    assert!(names.contains(&"Dana Whitfield") && names.contains(&"Morgan Reyes"));
    assert!(!names.contains(&"Sam Carter"), "not her team");
    let me = page.people.iter().find(|p| p.id == morgan.id.0).unwrap();
    assert!(!me.can_edit, "nobody sets their own");
    let events = db.event_count().await;
    let after = quotas::set(
        &state,
        &morgan,
        input(dana.id, "won_value", &this_month, "$300,000"),
    )
    .await
    .unwrap();
    assert_eq!(db.event_count().await, events + 1, "a quota.set event");
    let row = after.people.iter().find(|p| p.id == dana.id.0).unwrap();
    let now = row
        .current
        .iter()
        .find(|a| a.measure == Measure::WonValue)
        .unwrap();
    assert_eq!(now.target, 30_000_000);
    assert_eq!(after.recent[0].0, "Dana Whitfield");
    assert_eq!(after.recent[0].1.set_by.as_deref(), Some("Morgan Reyes"));
    // Dana sees it on My day and in her review; the leaderboard and the payouts carry it.
    let hers = service::today::today(&state, &dana).await.unwrap();
    assert_eq!(hers.quotas[0].target, 30_000_000);
    let review = service::review::view(&state, &morgan, dana.id.0)
        .await
        .unwrap();
    assert_eq!(review.quotas[0].target, 30_000_000);
    let board = service::recognition::leaderboard(&state, &morgan, 30)
        .await
        .unwrap();
    let standing = board.rows.iter().find(|r| r.rep_id == dana.id.0).unwrap();
    assert_eq!(standing.quotas[0].target, 30_000_000);
    let admin = db.actor("admin").await;
    let csv = service::recognition::export_csv(&state, &admin, 30)
        .await
        .unwrap();
    let header = csv.lines().nth(1).unwrap();
    assert!(header.ends_with(
        "quota_won_value,quota_won_value_period,won_value_attained_pct,quota_wins,\
         quota_wins_period,wins_attained_pct,quota_score,quota_score_period,score_attained_pct"
    ));
    let line = csv.lines().find(|l| l.contains("Dana Whitfield")).unwrap();
    assert!(
        line.contains(&format!(
            ",300000.00 USD,{},{},40,",
            now.period,
            now.percent()
        )),
        "{line}"
    );
    let luis_line = csv.lines().find(|l| l.contains("Luis Ortega")).unwrap();
    assert!(luis_line.contains(",85,"), "the score target: {luis_line}");
    // The forecast by rep puts each rep's monthly quota beside their row.
    let f = service::forecast::view(&state, &morgan, ForecastQuery::default())
        .await
        .unwrap();
    let (_, q) = f
        .quotas
        .iter()
        .find(|(k, _)| *k == Some(dana.id.0))
        .unwrap();
    assert_eq!(q.target, 30_000_000);
    assert_eq!(
        f.quota_total.as_ref().unwrap().target,
        30_000_000 + 2 * 25_000_000,
        "Dana's, Luis's and Kim's"
    );
    // The wall sums a team's people.
    let wall = service::wall::view(&state, &app::domain::Principal::User(admin.clone()))
        .await
        .unwrap();
    let team = wall.teams.iter().find(|t| t.quota.is_some()).unwrap();
    assert!(team.quota.as_ref().unwrap().target >= 25_000_000);

    // An empty target ends the quota from next month; this month's still holds.
    let next = app::domain::quota::parse_month(&this_month)
        .unwrap()
        .plus(1)
        .key();
    let ended = quotas::set(&state, &morgan, input(dana.id, "won_value", &next, ""))
        .await
        .unwrap();
    let row = ended.people.iter().find(|p| p.id == dana.id.0).unwrap();
    assert_eq!(row.current[0].target, 30_000_000);
    assert_eq!(row.upcoming[0].target, 0);
    assert!(matches!(
        row.current[0].pace(),
        Pace::Met | Pace::OnPace | Pace::Behind
    ));
    db
}

both_backends!(only_a_manager_sets_her_reps_quotas_and_bad_input_changes_nothing);
async fn only_a_manager_sets_her_reps_quotas_and_bad_input_changes_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let state = db.state();
    let morgan = db.actor("morgan").await;
    let admin = db.actor("admin").await;
    let (dana, sam, priya) = (
        db.actor("dana").await,
        db.actor("sam").await,
        db.actor("priya").await,
    );
    let month = quotas::page(&state, &admin).await.unwrap().this_month;
    let events = db.event_count().await;
    let denied = |r: Result<_, AppError>| matches!(r, Err(AppError::Forbidden { .. }));
    // Another team's rep, herself, another manager: refused.
    for who in [sam.id, morgan.id, priya.id] {
        let r = quotas::set(&state, &morgan, input(who, "wins", &month, "5")).await;
        assert!(denied(r), "Morgan setting {who:?}'s quota");
    }
    // Nobody who is not there: the same refusal as another team's rep (no probing ids).
    let r = quotas::set(&state, &morgan, input(UserId(99_999), "wins", &month, "5")).await;
    assert!(denied(r));
    // Reps, marketing and leadership set none; reps and marketing read no quotas page.
    for local in ["dana", "riley", "eleanor"] {
        let who = db.actor(local).await;
        let r = quotas::set(&state, &who, input(sam.id, "wins", &month, "5")).await;
        assert!(denied(r), "{local}");
    }
    assert!(denied(quotas::page(&state, &dana).await));
    assert!(denied(quotas::page(&state, &db.actor("riley").await).await));
    assert!(quotas::page(&state, &db.actor("eleanor").await)
        .await
        .unwrap()
        .people
        .iter()
        .all(|p| !p.can_edit));
    // Admins set a manager's; not leadership's.
    quotas::set(&state, &admin, input(priya.id, "wins", &month, "3"))
        .await
        .unwrap();
    let eleanor = db.actor("eleanor").await;
    let e = quotas::set(&state, &admin, input(eleanor.id, "wins", &month, "3"))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["user_id"]);
    assert_eq!(db.event_count().await, events + 1);

    // Bad input: each named by its field, nothing written.
    let events = db.event_count().await;
    let before = quotas::page(&state, &morgan).await.unwrap();
    let last_month = app::domain::quota::parse_month(&month)
        .unwrap()
        .plus(-1)
        .key();
    let cases = [
        (input(dana.id, "revenue", &month, "5"), "measure"),
        (input(dana.id, "wins", &last_month, "5"), "starts"),
        (input(dana.id, "wins", "next month", "5"), "starts"),
        (input(dana.id, "wins", &month, "five"), "target"),
        (input(dana.id, "score", &month, "140"), "target"),
        (input(dana.id, "won_value", &month, "-100"), "target"),
        (
            QuotaInput {
                cadence: "fortnight".into(),
                ..input(dana.id, "wins", &month, "5")
            },
            "cadence",
        ),
        (
            QuotaInput {
                currency: "DOLLARS".into(),
                ..input(dana.id, "won_value", &month, "5")
            },
            "currency",
        ),
    ];
    for (bad, field) in cases {
        let e = quotas::set(&state, &morgan, bad.clone()).await.unwrap_err();
        assert_eq!(fields(&e), [field], "{bad:?}");
    }
    assert_eq!(db.event_count().await, events);
    assert_eq!(quotas::page(&state, &morgan).await.unwrap(), before);

    // Revocation: Dana deactivated drops out of the page and cannot be given a quota;
    // Morgan demoted to rep sets none.
    service::accounts::update_user(
        &state,
        &admin,
        dana.id,
        UserChange {
            role: Role::Rep,
            team_id: dana.team_id,
            active: false,
        },
    )
    .await
    .unwrap();
    assert!(!quotas::page(&state, &morgan)
        .await
        .unwrap()
        .people
        .iter()
        .any(|p| p.id == dana.id.0));
    let r = quotas::set(&state, &morgan, input(dana.id, "wins", &month, "5")).await;
    assert!(denied(r), "a deactivated rep");
    let kim = db.actor("kim").await;
    service::accounts::update_user(
        &state,
        &admin,
        morgan.id,
        UserChange {
            role: Role::Rep,
            team_id: morgan.team_id,
            active: true,
        },
    )
    .await
    .unwrap();
    let demoted = db.actor("morgan").await;
    let r = quotas::set(&state, &demoted, input(kim.id, "wins", &month, "5")).await;
    assert!(denied(r), "a manager no more");
    db
}
