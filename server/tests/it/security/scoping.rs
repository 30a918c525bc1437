//! Scoping: a rep sees only own leads, a manager the team's, and reassignment stays inside
//! the team.

use crate::both_backends;
use crate::support::{move_to, TestDb};
use app::domain::Lead;
use app::ssr::service;

both_backends!(a_rep_sees_only_own_leads_and_a_manager_sees_the_team);
async fn a_rep_sees_only_own_leads_and_a_manager_sees_the_team(db: TestDb) -> TestDb {
    let db = db.with_demo(200).await;
    let state = db.state();
    let dana = db.actor("dana").await;
    let morgan = db.actor("morgan").await;
    let rep_board = service::board(&state, &dana, Default::default())
        .await
        .unwrap();
    let cards: Vec<&Lead> = rep_board.columns.iter().flat_map(|c| &c.cards).collect();
    assert!(!cards.is_empty());
    assert!(cards
        .iter()
        .all(|l| l.owner.as_ref().is_some_and(|o| o.id == dana.id.0)));
    let team_board = service::board(&state, &morgan, Default::default())
        .await
        .unwrap();
    let team_total: i64 = team_board.columns.iter().map(|c| c.summary.count).sum();
    let rep_total: i64 = rep_board.columns.iter().map(|c| c.summary.count).sum();
    let all = db.all_leads().await;
    let in_team = all.iter().filter(|l| l.team_id == dana.team_id).count() as i64;
    assert_eq!(
        team_total, in_team,
        "a manager's counts cover exactly their team"
    );
    assert!(team_total > rep_total);
    // A rep cannot move a teammate's lead, even by id; a manager of another team cannot see it.
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let teammates = db
        .find(|l, _| {
            l.stage_id == new
                && l.team_id == dana.team_id
                && l.owner.as_ref().is_some_and(|o| o.id != dana.id.0)
        })
        .await;
    let err = service::move_lead(
        &state,
        &dana,
        teammates.id,
        move_to(contacted, teammates.version),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), 404, "{err:?}");
    let priya = db.actor("priya").await;
    let err = service::move_lead(
        &state,
        &priya,
        teammates.id,
        move_to(contacted, teammates.version),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), 404);
    // Leadership reads it but may not move it.
    let eleanor = db.actor("eleanor").await;
    let err = service::move_lead(
        &state,
        &eleanor,
        teammates.id,
        move_to(contacted, teammates.version),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), 403);
    assert_eq!(db.lead(teammates.id).await, teammates);
    db
}

both_backends!(a_manager_reassigns_within_the_team_and_nobody_else_can);
async fn a_manager_reassigns_within_the_team_and_nobody_else_can(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let state = db.state();
    let morgan = db.actor("morgan").await; // manages Enterprise East
    let dana = db.actor("dana").await;
    let kim = db.actor("kim").await;
    let sam = db.actor("sam").await; // Mid-Market West
    let lead = db
        .find(|l, _| l.owner.as_ref().is_some_and(|o| o.id == dana.id.0))
        .await;
    let to = |owner: &app::domain::Actor, version| app::domain::AssignRequest {
        owner: owner.id,
        version,
    };
    // Not the rep, not to another team, not with a stale version.
    let err = service::assign_lead(&state, &dana, lead.id, to(&kim, lead.version))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 403);
    let err = service::assign_lead(&state, &morgan, lead.id, to(&sam, lead.version))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 403, "{err:?}");
    let err = service::assign_lead(&state, &morgan, lead.id, to(&kim, lead.version - 1))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 409);
    assert_eq!(db.lead(lead.id).await, lead, "nothing changed");

    let given = service::assign_lead(&state, &morgan, lead.id, to(&kim, lead.version))
        .await
        .unwrap();
    assert_eq!(given.owner.as_ref().map(|o| o.id), Some(kim.id.0));
    assert_eq!(given.version, lead.version + 1);
    assert_eq!(given.team_id, kim.team_id);
    // Dana no longer sees it; Kim does.
    assert_eq!(
        service::lead(&state, &dana, lead.id)
            .await
            .unwrap_err()
            .status(),
        404
    );
    assert!(service::lead(&state, &kim, lead.id).await.is_ok());
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM events WHERE kind = 'lead.assigned' AND lead_id = $1")
            .bind(lead.id.0)
            .fetch_one(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    assert_eq!(n, 1);
    db
}
