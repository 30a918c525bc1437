//! The store and the service layer against a real database, identical on both backends.

use crate::both_backends;
use crate::support::{move_to as req, Kind, TestDb, ANCHOR};
use app::domain::board::sort_cards;
use app::domain::{CloseReason, Criterion, LeadId, StageId, StageKind};
use app::error::AppError;
use app::ssr::service;
use app::ssr::store::{events, leads, org};
use server::seed;

both_backends!(migrations_and_default_stages_give_the_designed_pipeline);
async fn migrations_and_default_stages_give_the_designed_pipeline(db: TestDb) -> TestDb {
    seed::ensure_stages(&db.store).await.unwrap();
    // A second call must not duplicate anything.
    seed::ensure_stages(&db.store).await.unwrap();
    let p = db.pipeline().await;
    let names: Vec<_> = p.stages().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "New",
            "Contacted",
            "Qualified",
            "Quoted",
            "Negotiating",
            "Won",
            "Lost"
        ]
    );
    let qualified = p.by_key("qualified").unwrap();
    assert_eq!(qualified.entry_criteria, vec![Criterion::Value]);
    assert_eq!(p.by_key("won").unwrap().kind, StageKind::Won);
    assert_eq!(p.by_key("lost").unwrap().kind, StageKind::Lost);
    db
}

both_backends!(the_demo_loads_once_with_everything_the_product_needs);
async fn the_demo_loads_once_with_everything_the_product_needs(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let counts = org::counts(&mut db.store.read().await.unwrap())
        .await
        .unwrap();
    assert_eq!(counts.teams, 3);
    assert_eq!(counts.users, 13);
    assert_eq!(counts.sources, 8);
    assert_eq!(counts.leads, 300);
    assert!(counts.campaigns >= 8, "{counts:?}");
    assert!(counts.spend_entries > 20, "{counts:?}");
    assert!(counts.activities > 300, "{counts:?}");
    assert!(
        counts.events > counts.leads + counts.activities,
        "{counts:?}"
    );

    let all = db.all_leads().await;
    let p = db.pipeline().await;
    let kind = |l: &app::domain::Lead| p.get(l.stage_id).unwrap().kind;
    assert!(all.iter().any(|l| kind(l) == StageKind::Won));
    assert!(all
        .iter()
        .all(|l| kind(l) != StageKind::Lost || l.close_reason.is_some()));
    let overdue = all
        .iter()
        .filter(|l| l.next_step.as_ref().is_some_and(|s| s.due_at < ANCHOR))
        .count();
    assert!(overdue > 0, "some next steps are overdue");
    let channels: std::collections::HashSet<_> = all.iter().map(|l| l.channel).collect();
    assert!(
        channels.len() >= 7,
        "leads come from every channel: {channels:?}"
    );

    // Loading again changes nothing.
    let again = seed::load_demo(
        &db.store,
        seed::DemoOptions {
            leads: 300,
            seed: 7,
            anchor: ANCHOR,
        },
    )
    .await
    .unwrap();
    assert_eq!(again, None);
    assert_eq!(
        org::counts(&mut db.store.read().await.unwrap())
            .await
            .unwrap(),
        counts
    );
    db
}

both_backends!(column_summaries_count_and_sum_every_lead_of_a_stage);
async fn column_summaries_count_and_sum_every_lead_of_a_stage(db: TestDb) -> TestDb {
    let db = db.with_demo(400).await;
    let all = db.all_leads().await;
    let board = service::board(&db.state(), &db.actor("eleanor").await, Default::default())
        .await
        .unwrap();
    let mut total = 0;
    for col in &board.columns {
        let in_stage: Vec<_> = all
            .iter()
            .filter(|l| l.stage_id == col.summary.stage_id)
            .collect();
        assert_eq!(col.summary.count, in_stage.len() as i64);
        let sum: i64 = in_stage
            .iter()
            .filter_map(|l| l.value)
            .map(|v| v.cents)
            .sum();
        let shown: i64 = col.summary.totals.iter().map(|m| m.cents).sum();
        assert_eq!(shown, sum, "stage {}", col.summary.stage_id);
        assert!(col.cards.len() as i64 <= board.page_size);
        assert_eq!(
            col.cards.len() as i64,
            col.summary.count.min(board.page_size)
        );
        total += col.summary.count;
    }
    assert_eq!(total, 400);
    db
}

both_backends!(cards_come_in_the_order_the_domain_defines);
async fn cards_come_in_the_order_the_domain_defines(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let board = service::board(&db.state(), &db.actor("eleanor").await, Default::default())
        .await
        .unwrap();
    for col in &board.columns {
        let mut sorted = col.cards.clone();
        sort_cards(
            &board.pipeline,
            col.summary.stage_id,
            app::domain::CardSort::Attention,
            &mut sorted,
        );
        let ids = |v: &[app::domain::Lead]| v.iter().map(|l| l.id).collect::<Vec<_>>();
        assert_eq!(
            ids(&col.cards),
            ids(&sorted),
            "stage {}",
            col.summary.stage_id
        );
    }
    db
}

both_backends!(a_move_is_stored_with_its_event);
async fn a_move_is_stored_with_its_event(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let contacted = db.stage("contacted").await;
    let qualified = db.stage("qualified").await;
    let lead = db
        .find(|l, _| l.stage_id == contacted && l.value.is_some())
        .await;
    let editor = db.editor_of(&lead).await;
    let state = db.state();
    let mut live = state.hub.subscribe();

    let moved = service::move_lead(&state, &editor, lead.id, req(qualified, lead.version))
        .await
        .unwrap();
    assert_eq!(moved.stage_id, qualified);
    assert_eq!(moved.version, lead.version + 1);

    let stored = db.lead(lead.id).await;
    assert_eq!(stored, moved, "what the service returns is what was stored");

    let log = events::for_lead(&mut db.store.read().await.unwrap(), lead.id)
        .await
        .unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.kind, "lead.moved");
    let payload: serde_json::Value = serde_json::from_str(&last.payload).unwrap();
    assert_eq!(payload["before"]["stage_id"], contacted.0);
    assert_eq!(payload["after"]["stage_id"], qualified.0);
    assert_eq!(payload["after"]["version"], moved.version);

    // Published after commit (on PostgreSQL through the instance's sequencer, so not
    // necessarily before `move_lead` returns).
    let published = tokio::time::timeout(std::time::Duration::from_secs(5), live.recv())
        .await
        .expect("the move was published after commit")
        .unwrap();
    assert_eq!(published.id, last.id);
    assert_eq!(published.from_stage, Some(contacted));
    assert_eq!(published.lead, moved);
    db
}

both_backends!(a_stale_version_is_a_conflict_with_the_current_lead);
async fn a_stale_version_is_a_conflict_with_the_current_lead(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let lead = db.find(|l, _| l.stage_id == new).await;
    let editor = db.editor_of(&lead).await;
    let before_events = db.event_count().await;

    let err = service::move_lead(
        &db.state(),
        &editor,
        lead.id,
        req(contacted, lead.version - 1),
    )
    .await
    .unwrap_err();
    match err {
        AppError::Conflict { current, .. } => assert_eq!(*current, lead),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(db.lead(lead.id).await, lead, "nothing changed");
    assert_eq!(db.event_count().await, before_events, "nothing logged");
    db
}

both_backends!(a_rejected_move_changes_nothing_and_logs_nothing);
async fn a_rejected_move_changes_nothing_and_logs_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let lost = db.stage("lost").await;
    let qualified = db.stage("qualified").await;
    let open_kind = |l: &app::domain::Lead, p: &app::domain::Pipelines| {
        p.get(l.stage_id).unwrap().kind == StageKind::Open
    };
    let lead = db
        .find(|l, p| open_kind(l, p) && l.stage_id != qualified && l.value.is_none())
        .await;
    let editor = db.editor_of(&lead).await;
    let before_events = db.event_count().await;
    let state = db.state();

    let no_reason = service::move_lead(&state, &editor, lead.id, req(lost, lead.version))
        .await
        .unwrap_err();
    assert_eq!(no_reason.fields()[0].field, "close_reason");
    assert_eq!(no_reason.to_string(), "Lost needs a close-out reason");

    let no_value = service::move_lead(&state, &editor, lead.id, req(qualified, lead.version))
        .await
        .unwrap_err();
    assert_eq!(no_value.fields()[0].field, "value");

    let nowhere = service::move_lead(&state, &editor, lead.id, req(StageId(9_999), lead.version))
        .await
        .unwrap_err();
    assert_eq!(nowhere.fields()[0].field, "to_stage");

    let missing = service::move_lead(&state, &editor, LeadId(9_999_999), req(lost, 1))
        .await
        .unwrap_err();
    assert!(matches!(missing, AppError::NotFound { .. }), "{missing:?}");

    assert_eq!(db.lead(lead.id).await, lead);
    assert_eq!(db.event_count().await, before_events);

    // With a reason it goes through, and the reason is stored.
    let mut ok = req(lost, lead.version);
    ok.close_reason = Some(CloseReason::NoBudget);
    let closed = service::move_lead(&state, &editor, lead.id, ok)
        .await
        .unwrap();
    assert_eq!(
        db.lead(lead.id).await.close_reason,
        Some(CloseReason::NoBudget)
    );
    assert!(closed.closed_at.is_some());
    db
}

both_backends!(concurrent_moves_of_one_lead_let_exactly_one_win);
async fn concurrent_moves_of_one_lead_let_exactly_one_win(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let lead = db.find(|l, _| l.stage_id == new).await;
    let editor = db.editor_of(&lead).await;
    let before_events = db.event_count().await;
    let state = db.state();

    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let state = state.clone();
            let editor = editor.clone();
            let version = lead.version;
            tokio::spawn(async move {
                service::move_lead(&state, &editor, lead.id, req(contacted, version)).await
            })
        })
        .collect();
    let mut wins = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(AppError::Conflict { .. }) => conflicts += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((wins, conflicts), (1, 7));
    assert_eq!(db.lead(lead.id).await.version, lead.version + 1);
    assert_eq!(db.event_count().await, before_events + 1);
    db
}

both_backends!(the_event_log_is_append_only);
async fn the_event_log_is_append_only(db: TestDb) -> TestDb {
    let db = db.with_demo(10).await;
    let mut conn = db.store.read().await.unwrap();
    let update = sqlx::query("UPDATE events SET kind = 'tampered'")
        .execute(&mut *conn)
        .await;
    assert!(update.is_err(), "updating the log must fail");
    let delete = sqlx::query("DELETE FROM events").execute(&mut *conn).await;
    assert!(delete.is_err(), "deleting from the log must fail");
    drop(conn);
    assert!(db.event_count().await > 0);
    db
}

both_backends!(replay_returns_moves_after_a_position_with_the_current_lead);
async fn replay_returns_moves_after_a_position_with_the_current_lead(db: TestDb) -> TestDb {
    let db = db.with_demo(80).await;
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let state = db.state();
    let start = events::last_id(&mut db.store.read().await.unwrap())
        .await
        .unwrap();
    let lead = db.find(|l, _| l.stage_id == new).await;
    let editor = db.editor_of(&lead).await;
    let first = service::move_lead(&state, &editor, lead.id, req(contacted, lead.version))
        .await
        .unwrap();
    let second = service::move_lead(&state, &editor, lead.id, req(new, first.version))
        .await
        .unwrap();

    let (replay, _, _) = service::replay_since(&state, &editor, start).await.unwrap();
    assert_eq!(replay.len(), 2);
    assert!(replay[0].id < replay[1].id);
    assert_eq!(replay[0].from_stage, Some(new));
    assert_eq!(replay[1].from_stage, Some(contacted));
    // Both carry the lead as it is now.
    assert!(replay.iter().all(|e| e.lead == second));
    assert!(service::replay_since(&state, &editor, replay[1].id)
        .await
        .unwrap()
        .0
        .is_empty());
    db
}

both_backends!(corrupt_rows_are_reported_not_panicked_on);
async fn corrupt_rows_are_reported_not_panicked_on(db: TestDb) -> TestDb {
    let db = db.with_demo(5).await;
    let lead = db.all_leads().await.remove(0);
    sqlx::query("UPDATE leads SET currency = 'dollars' WHERE id = $1")
        .bind(lead.id.0)
        .execute(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    let read = leads::lead(&mut db.store.read().await.unwrap(), lead.id).await;
    assert!(read.is_err());
    let err = service::lead(&db.state(), &db.actor("eleanor").await, lead.id)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Internal { .. }));
    db
}

/// The same seed gives the same board on both databases: the store behaves identically.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_hold_the_same_demo_board() {
    let lite = TestDb::new(Kind::Sqlite).await.with_demo(250).await;
    let pg = TestDb::new(Kind::Postgres).await.with_demo(250).await;
    let mut a = service::board(
        &lite.state(),
        &lite.actor("eleanor").await,
        Default::default(),
    )
    .await
    .unwrap();
    let mut b = service::board(&pg.state(), &pg.actor("eleanor").await, Default::default())
        .await
        .unwrap();
    a.now = ANCHOR;
    b.now = ANCHOR;
    assert_eq!(a, b);
    lite.finish().await;
    pg.finish().await;
}
