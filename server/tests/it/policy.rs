//! Follow-up policies stored and applied, on both backends: the demo's rules are versioned
//! rows, the board carries each team's rules, and its cards' findings come from them.

use crate::both_backends;
use crate::support::TestDb;
use app::domain::{evaluate, FindingKind, Policy, StageKind, TeamId};
use app::ssr::service;
use app::ssr::store::policies;

both_backends!(the_board_carries_each_teams_policy_and_its_cards_findings);
async fn the_board_carries_each_teams_policy_and_its_cards_findings(db: TestDb) -> TestDb {
    let db = db.with_demo(400).await;
    let state = db.state();
    let board = service::board(&state, &db.actor("eleanor").await, Default::default())
        .await
        .unwrap();
    let p = &board.policies;
    assert_eq!(p.org.calendar.zone_name, "America/New_York");
    assert_eq!(p.org.version, 1);
    assert_eq!(p.teams.len(), 1, "only the West team overrides");
    let (west, rules) = &p.teams[0];
    assert_eq!(rules.calendar.zone_name, "America/Los_Angeles");
    assert_eq!(rules.first_touch_minutes, Some(120));
    assert_eq!(p.for_team(Some(*west)).name, "Mid-Market West");
    assert_eq!(p.for_team(Some(TeamId(-1))).name, p.org.name);
    // Lost stages come from the pipeline, so "lost without a reason" can be told apart.
    let lost: Vec<_> = board
        .pipeline
        .stages()
        .iter()
        .filter(|s| s.kind == StageKind::Lost)
        .map(|s| s.id)
        .collect();
    assert_eq!(p.org.lost_stages, lost);

    // The demo shows a spread: some open cards carry findings, some none.
    let open: Vec<_> = board
        .columns
        .iter()
        .filter(|c| {
            board
                .pipeline
                .get(c.summary.stage_id)
                .is_some_and(|s| s.kind == StageKind::Open)
        })
        .flat_map(|c| c.cards.iter())
        .collect();
    let findings: Vec<_> = open
        .iter()
        .map(|l| evaluate(p.for_team(l.team_id), l, board.now))
        .collect();
    let flagged = findings.iter().filter(|f| !f.is_empty()).count();
    assert!(
        flagged > 0 && flagged < open.len(),
        "{flagged} of {}",
        open.len()
    );
    assert!(findings
        .iter()
        .flatten()
        .any(|f| f.kind == FindingKind::NextStepOverdue));
    db
}

both_backends!(saving_a_policy_adds_a_version_and_leaves_the_old_one);
async fn saving_a_policy_adds_a_version_and_leaves_the_old_one(db: TestDb) -> TestDb {
    let db = db.with_demo(20).await;
    let state = db.state();
    let mut conn = state.store.read().await.unwrap();
    let before = policies::latest(&mut conn).await.unwrap();
    drop(conn);
    let org: Policy = before
        .iter()
        .find(|(t, _)| t.is_none())
        .map(|(_, p)| p.clone())
        .unwrap();
    let mut tighter = org.clone();
    tighter.first_touch_minutes = Some(60);
    let mut tx = state.store.begin().await.unwrap();
    let v = policies::insert(&mut tx, None, &tighter, None, service::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(v, org.version + 1);
    state.store.forget_pipeline();
    let mut conn = state.store.read().await.unwrap();
    let now = state.store.policies(&mut conn).await.unwrap();
    assert_eq!(now.org.version, v);
    assert_eq!(now.org.first_touch_minutes, Some(60));
    // The old version is still there to explain findings recorded under it.
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM policies WHERE team_id IS NULL")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n, 2);
    db
}
