//! My day: the rep's queue and numbers from the database, snoozing, and the commission rate
//! an admin sets.

use crate::both_backends;
use crate::support::TestDb;
use app::domain::activity::QuickPick;
use app::domain::today::{SnoozeReason, SnoozeRequest, Why};
use app::domain::wall::month_start;
use app::domain::LeadId;
use app::error::AppError;
use app::ssr::service::{self, today};
use std::collections::HashSet;

fn snooze(version: i64, reason: SnoozeReason, note: Option<&str>) -> SnoozeRequest {
    SnoozeRequest {
        version,
        until: QuickPick::Tomorrow,
        reason,
        note: note.map(str::to_string),
    }
}

/// Makes two of `owner`'s touched open leads need them: one's next step two days overdue,
/// the other's next step gone. Returns their ids.
async fn needy(db: &TestDb, owner: i64) -> (LeadId, LeadId) {
    let mut tx = db.store.begin().await.unwrap();
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM leads WHERE owner_id = $1 AND closed_at IS NULL
           AND first_touched_at IS NOT NULL AND next_step_kind IS NOT NULL
         ORDER BY id LIMIT 2",
    )
    .bind(owner)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(ids.len(), 2, "the demo gives the rep touched leads");
    sqlx::query("UPDATE leads SET next_step_due_at = $1 WHERE id = $2")
        .bind(service::now().plus_days(-2).0)
        .bind(ids[0].0)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE leads SET next_step_kind = NULL, next_step_due_at = NULL, next_step_note = NULL
         WHERE id = $1",
    )
    .bind(ids[1].0)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (LeadId(ids[0].0), LeadId(ids[1].0))
}

both_backends!(my_day_lists_exactly_the_reps_leads_that_need_them_in_order);
async fn my_day_lists_exactly_the_reps_leads_that_need_them_in_order(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let state = db.state();
    let dana = db.actor("dana").await;
    let (overdue, missing) = needy(&db, dana.id.0).await;
    let t = today::today(&state, &dana).await.unwrap();
    assert_eq!(t.first_name, "Dana");
    let why_of = |id: LeadId| t.queue.iter().find(|i| i.lead.id == id).map(|i| i.why);
    assert_eq!(why_of(overdue), Some(Why::NextStepOverdue));
    assert_eq!(why_of(missing), Some(Why::NextStepMissing));

    // Only Dana's open leads, each once, most urgent reason first.
    let mut conn = db.store.read().await.unwrap();
    let open: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT id, next_step_due_at, first_touched_at FROM leads
         WHERE owner_id = $1 AND closed_at IS NULL",
    )
    .bind(dana.id.0)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mine: HashSet<i64> = open.iter().map(|(id, ..)| *id).collect();
    let listed: Vec<i64> = t.queue.iter().map(|i| i.lead.id.0).collect();
    assert!(!listed.is_empty());
    assert_eq!(
        listed.iter().collect::<HashSet<_>>().len(),
        listed.len(),
        "a lead twice"
    );
    assert!(
        listed.iter().all(|id| mine.contains(id)),
        "someone else's lead"
    );
    let whys: Vec<Why> = t.queue.iter().map(|i| i.why).collect();
    assert!(
        whys.windows(2).all(|w| w[0] <= w[1]),
        "out of order: {whys:?}"
    );
    // Every lead with its next step overdue or missing is on it.
    let now = service::now();
    let must: Vec<i64> = open
        .iter()
        .filter(|(_, due, _)| due.is_none_or(|d| d < now.0))
        .map(|(id, ..)| *id)
        .collect();
    assert!(!must.is_empty());
    for id in &must {
        assert!(
            listed.contains(id),
            "lead {id} needs Dana but is not on her day"
        );
    }
    // Within the overdue group, the longest overdue comes first.
    let overdue: Vec<i64> = t
        .queue
        .iter()
        .filter(|i| i.why == Why::NextStepOverdue)
        .map(|i| i.lead.next_step.as_ref().unwrap().due_at.0)
        .collect();
    assert!(overdue.windows(2).all(|w| w[0] <= w[1]));

    // Her numbers: this month's wins and the open pipeline, counted apart in SQL.
    let policies = db.store.policies(&mut conn).await.unwrap();
    let (since, month) = month_start(now, &policies.org.calendar.zone);
    let (wins, won): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(l.value_cents), 0) AS BIGINT)
         FROM leads l JOIN stages s ON s.id = l.stage_id
         WHERE l.owner_id = $1 AND s.kind = 'won' AND l.closed_at >= $2",
    )
    .bind(dana.id.0)
    .bind(since.0)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    assert_eq!(t.month_name, month);
    assert_eq!(i64::from(t.wins), wins);
    assert_eq!(t.won.iter().map(|m| m.cents).sum::<i64>(), won);
    assert_eq!(
        t.pipeline.iter().map(|s| s.leads).sum::<u32>() as usize,
        mine.len()
    );
    assert_eq!(t.open_leads as usize, mine.len());
    assert!(t.compliance.is_some_and(|c| (0.0..=100.0).contains(&c)));

    // Marketing and leadership have no My day; a manager has one of their own leads.
    for who in ["riley", "eleanor", "admin"] {
        let err = today::today(&state, &db.actor(who).await)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden { .. }), "{who}: {err:?}");
    }
    let morgan = db.actor("morgan").await;
    let m = today::today(&state, &morgan).await.unwrap();
    assert!(m
        .queue
        .iter()
        .all(|i| i.lead.owner.as_ref().map(|o| o.id) == Some(morgan.id.0)));
    db
}

both_backends!(a_snooze_moves_the_next_step_with_its_reason_and_bad_ones_change_nothing);
async fn a_snooze_moves_the_next_step_with_its_reason_and_bad_ones_change_nothing(
    db: TestDb,
) -> TestDb {
    let db = db.with_demo(300).await;
    let state = db.state();
    let dana = db.actor("dana").await;
    needy(&db, dana.id.0).await;
    let t = today::today(&state, &dana).await.unwrap();
    let item = t
        .queue
        .iter()
        .find(|i| i.why == Why::NextStepOverdue)
        .expect("an overdue lead on Dana's day")
        .clone();
    let id = item.lead.id;
    let before = db.lead(id).await;
    let events = db.event_count().await;

    // "Other" without words, a stale version, someone else: refused, nothing written.
    let err = today::snooze(
        &state,
        &dana,
        id,
        snooze(before.version, SnoozeReason::Other, Some(" ")),
    )
    .await
    .unwrap_err();
    assert!(err.message_for("note").is_some(), "{err:?}");
    let err = today::snooze(
        &state,
        &dana,
        id,
        snooze(before.version - 1, SnoozeReason::Away, None),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Conflict { .. }), "{err:?}");
    let luis = db.actor("luis").await;
    let err = today::snooze(
        &state,
        &luis,
        id,
        snooze(before.version, SnoozeReason::Away, None),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden { .. } | AppError::NotFound { .. }),
        "{err:?}"
    );
    assert_eq!(db.lead(id).await, before);
    assert_eq!(db.event_count().await, events);

    // A good one: the step keeps its kind, is due tomorrow at 09:00 in the organisation's
    // zone, carries the reason, and the lead leaves the day.
    let after = today::snooze(
        &state,
        &dana,
        id,
        snooze(
            before.version,
            SnoozeReason::WaitingOnThem,
            Some("budget sign-off"),
        ),
    )
    .await
    .unwrap();
    let step = after.next_step.clone().unwrap();
    assert_eq!(step.kind, before.next_step.as_ref().unwrap().kind);
    assert_eq!(
        step.note.as_deref(),
        Some("Waiting on them: budget sign-off")
    );
    let offset = (t.offset_minutes, service::now());
    assert_eq!(step.due_at, QuickPick::Tomorrow.due(offset.1, offset.0));
    assert_eq!(db.lead(id).await.version, before.version + 1);
    let t2 = today::today(&state, &dana).await.unwrap();
    assert!(t2.queue.iter().all(|i| i.lead.id != id));
    let detail = service::work::lead_detail(&state, &dana, id).await.unwrap();
    let entry = detail
        .timeline
        .iter()
        .find(|e| e.title.starts_with("Snoozed to"))
        .expect("the snooze in the history");
    assert_eq!(
        entry.detail.as_deref(),
        Some("Waiting on them: budget sign-off")
    );

    // A lead still waiting for its first touch cannot be snoozed.
    let mut conn = db.store.read().await.unwrap();
    let (fresh,): (i64,) = sqlx::query_as(
        "SELECT id FROM leads WHERE owner_id = $1 AND closed_at IS NULL
         AND first_touched_at IS NULL ORDER BY id LIMIT 1",
    )
    .bind(dana.id.0)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let fresh = db.lead(LeadId(fresh)).await;
    let err = today::snooze(
        &state,
        &dana,
        fresh.id,
        snooze(fresh.version, SnoozeReason::Away, None),
    )
    .await
    .unwrap_err();
    assert!(err.message_for("until").is_some(), "{err:?}");
    assert_eq!(db.lead(fresh.id).await, fresh);
    db
}

both_backends!(an_admin_sets_the_commission_rate_and_my_day_estimates_it);
async fn an_admin_sets_the_commission_rate_and_my_day_estimates_it(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let dana = db.actor("dana").await;
    // Bad rates name the field and change nothing; only an admin may set one.
    for bad in ["abc", "60", "1.234", "-5"] {
        let err = today::save_settings(&state, &admin, bad).await.unwrap_err();
        assert!(
            err.message_for("commission_rate").is_some(),
            "{bad}: {err:?}"
        );
    }
    let err = today::save_settings(&state, &dana, "50").await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }));
    assert!(matches!(
        today::settings(&state, &dana).await,
        Err(AppError::Forbidden { .. })
    ));
    // The demo starts at 5 %.
    assert_eq!(
        today::settings(&state, &admin).await.unwrap().commission_bp,
        Some(500)
    );

    let saved = today::save_settings(&state, &admin, "2.5 %").await.unwrap();
    assert_eq!(saved.commission_bp, Some(250));
    assert_eq!(
        today::settings(&state, &admin).await.unwrap().commission_bp,
        Some(250)
    );
    let t = today::today(&state, &dana).await.unwrap();
    let (bp, estimate) = t
        .commission
        .clone()
        .expect("an estimate once a rate is set");
    assert_eq!(bp, 250);
    assert_eq!(estimate.len(), t.won.len());
    for (e, w) in estimate.iter().zip(&t.won) {
        assert_eq!(e.currency, w.currency);
        // 2.5 %, rounded half up to the cent.
        assert_eq!(e.cents, (w.cents * 250 + 5_000) / 10_000);
    }
    // Cleared: no estimate again.
    today::save_settings(&state, &admin, " ").await.unwrap();
    assert_eq!(today::today(&state, &dana).await.unwrap().commission, None);
    db
}
