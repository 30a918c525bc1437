//! One-on-one reviews: who may run and read them, notes and actions (an action on a lead
//! becomes its next step, and counts as done once the lead is touched), what changed since
//! the last review, and the history.

use crate::both_backends;
use crate::support::{move_to, TestDb};
use app::domain::activity::{ActivityKind, LogRequest, Outcome, QuickPick};
use app::domain::review::ActionInput;
use app::domain::StageKind;
use app::error::AppError;
use app::ssr::service::{self, review, work};

both_backends!(a_manager_runs_a_review_and_its_actions_become_next_steps);
async fn a_manager_runs_a_review_and_its_actions_become_next_steps(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let state = db.state();
    let morgan = db.actor("morgan").await; // manages Enterprise East: Dana, Luis, Kim
    let priya = db.actor("priya").await; // another team's manager
    let dana = db.actor("dana").await;
    let luis = db.actor("luis").await;
    let rep = dana.id.0;

    // Who may read and run it.
    let v = review::view(&state, &morgan, rep).await.unwrap();
    assert!(v.can_edit && v.current.is_none() && v.last.is_none());
    assert!(!review::view(&state, &dana, rep).await.unwrap().can_edit);
    for who in [&priya, &luis, &db.actor("riley").await] {
        let err = review::view(&state, who, rep).await.unwrap_err();
        assert!(
            matches!(err, AppError::Forbidden { .. }),
            "{}: {err:?}",
            who.name
        );
    }
    assert!(
        !review::view(&state, &db.actor("eleanor").await, rep)
            .await
            .unwrap()
            .can_edit
    );
    assert!(matches!(
        review::view(&state, &morgan, morgan.id.0).await,
        Err(AppError::NotFound { .. })
    ));
    for who in [&dana, &priya] {
        let err = review::start(&state, who, rep).await.unwrap_err();
        assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
    }

    // Starting twice gives the same review.
    let id = review::start(&state, &morgan, rep).await.unwrap();
    assert_eq!(review::start(&state, &morgan, rep).await.unwrap(), id);

    // Notes: saved by version; a stale version names the field and changes nothing.
    let v = review::view(&state, &morgan, rep).await.unwrap();
    let version = v.current.as_ref().unwrap().version;
    let next = review::save_notes(
        &state,
        &morgan,
        id,
        version,
        "Pipeline looks thin in Qualified",
    )
    .await
    .unwrap();
    let err = review::save_notes(&state, &morgan, id, version, "overwritten")
        .await
        .unwrap_err();
    assert!(err.message_for("notes").is_some());
    assert!(matches!(
        review::save_notes(&state, &dana, id, next, "mine").await,
        Err(AppError::Forbidden { .. })
    ));
    let seen = review::view(&state, &dana, rep).await.unwrap();
    assert_eq!(
        seen.current.as_ref().unwrap().notes,
        "Pipeline looks thin in Qualified"
    );

    // An action on one of Dana's open leads becomes its next step, due tomorrow.
    let lead = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == rep)
                && p.get(l.stage_id).unwrap().kind == StageKind::Open
        })
        .await;
    let events = db.event_count().await;
    // Bad input first: no words, a lead without a due date, someone else's lead.
    let bad = |lead_id, text: &str, due| ActionInput {
        lead_id,
        text: text.into(),
        due,
    };
    let err = review::add_action(&state, &morgan, id, bad(None, " ", None))
        .await
        .unwrap_err();
    assert!(err.message_for("text").is_some());
    let err = review::add_action(&state, &morgan, id, bad(Some(lead.id), "Call", None))
        .await
        .unwrap_err();
    assert!(err.message_for("due").is_some());
    let luis_lead = db
        .find(|l, _| l.owner.as_ref().is_some_and(|o| o.id == luis.id.0))
        .await;
    let err = review::add_action(
        &state,
        &morgan,
        id,
        bad(Some(luis_lead.id), "Call", Some(QuickPick::Tomorrow)),
    )
    .await
    .unwrap_err();
    assert!(err.message_for("lead_id").is_some(), "{err:?}");
    assert_eq!(db.event_count().await, events);
    assert_eq!(db.lead(lead.id).await, lead);

    let text = "Book the site visit with their CFO";
    review::add_action(
        &state,
        &morgan,
        id,
        ActionInput {
            lead_id: Some(lead.id),
            text: text.into(),
            due: Some(QuickPick::Tomorrow),
        },
    )
    .await
    .unwrap();
    review::add_action(
        &state,
        &morgan,
        id,
        bad(None, "Clean up the stale leads", None),
    )
    .await
    .unwrap();
    let after = db.lead(lead.id).await;
    let step = after.next_step.clone().unwrap();
    assert_eq!(step.note.as_deref(), Some(text));
    let offset = review::view(&state, &morgan, rep).await.unwrap();
    let actions = &offset.current.as_ref().unwrap().actions;
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0].due_at, Some(step.due_at));
    assert!(actions.iter().all(|a| a.done_at.is_none()));
    // The rep sees it on her own screen of the review.
    let hers = review::view(&state, &dana, rep).await.unwrap();
    assert_eq!(hers.current.unwrap().actions[0].text, text);

    // Finish; the next review starts from its actions. Dana calls the lead: that action is
    // done; Morgan ticks the other off in the new review.
    review::finish(&state, &morgan, id).await.unwrap();
    assert!(
        review::add_action(&state, &morgan, id, bad(None, "late", None))
            .await
            .unwrap_err()
            .message_for("review")
            .is_some()
    );
    work::log_activity(
        &state,
        &dana,
        lead.id,
        LogRequest {
            version: after.version,
            kind: ActivityKind::Call,
            outcome: Some(Outcome::Reached),
            note: None,
            next_step: None,
        },
    )
    .await
    .unwrap();
    let v = review::view(&state, &morgan, rep).await.unwrap();
    assert!(v.current.is_none());
    let last = v.last.clone().unwrap();
    assert_eq!(last.id, id);
    assert!(last.actions[0].done_at.is_some(), "the call did it");
    assert!(last.actions[1].done_at.is_none());
    review::tick(&state, &morgan, last.actions[1].id, true)
        .await
        .unwrap();
    assert!(matches!(
        review::tick(&state, &dana, last.actions[1].id, false).await,
        Err(AppError::Forbidden { .. })
    ));
    let v = review::view(&state, &morgan, rep).await.unwrap();
    assert!(v.last.unwrap().actions.iter().all(|a| a.done_at.is_some()));
    assert_eq!(v.history.len(), 1);
    assert_eq!((v.history[0].actions, v.history[0].done), (2, 2));
    db
}

both_backends!(what_changed_lists_the_reps_moves_wins_and_losses_since_the_last_review);
async fn what_changed_lists_the_reps_moves_wins_and_losses_since_the_last_review(
    db: TestDb,
) -> TestDb {
    let db = db.with_demo(300).await;
    let state = db.state();
    let morgan = db.actor("morgan").await;
    let dana = db.actor("dana").await;
    let rep = dana.id.0;
    let id = review::start(&state, &morgan, rep).await.unwrap();
    review::finish(&state, &morgan, id).await.unwrap();
    // Right after a review, nothing has changed yet.
    let v = review::view(&state, &morgan, rep).await.unwrap();
    assert!(v.changed_leads.is_empty(), "{:?}", v.changed_leads);

    // A move to the next open stage and a loss.
    let p = db.pipeline().await;
    let movable = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == rep)
                && p.get(l.stage_id).unwrap().kind == StageKind::Open
                && p.next(l.stage_id)
                    .is_some_and(|n| n.kind == StageKind::Open)
                && p.next(l.stage_id).unwrap().entry_criteria.is_empty()
                && l.next_step.is_some()
        })
        .await;
    let to = p.next(movable.stage_id).unwrap().clone();
    service::move_lead(&state, &dana, movable.id, move_to(to.id, movable.version))
        .await
        .unwrap();
    let losing = db
        .find(|l, p| {
            l.id != movable.id
                && l.owner.as_ref().is_some_and(|o| o.id == rep)
                && p.get(l.stage_id).unwrap().kind == StageKind::Open
        })
        .await;
    work::close_out(
        &state,
        &dana,
        losing.id,
        app::domain::activity::CloseOut::Lost {
            version: losing.version,
            reason: Some(app::domain::CloseReason::NoBudget),
            note: None,
        },
    )
    .await
    .unwrap();
    let v = review::view(&state, &morgan, rep).await.unwrap();
    assert_eq!((v.counts.moved, v.counts.lost, v.counts.won), (1, 1, 0));
    let changes: Vec<(i64, Vec<String>)> = v
        .changed_leads
        .iter()
        .map(|c| (c.lead.0, c.summary.clone()))
        .collect();
    assert_eq!(
        changes,
        vec![
            (losing.id.0, vec!["Lost: No budget".to_string()]),
            (
                movable.id.0,
                vec![format!(
                    "Moved from {} to {}",
                    p.get(movable.stage_id).unwrap().name,
                    to.name
                )]
            ),
        ]
    );
    assert!(!v.changes_capped);
    // Morgan's reps are his to review; the index lists them.
    let reps = review::reviewable(&state, &morgan).await.unwrap();
    assert!(reps.iter().any(|r| r.id == rep && r.last_review.is_some()));
    assert!(reps.iter().all(|r| r.team == "Enterprise East"));
    assert!(matches!(
        review::reviewable(&state, &dana).await,
        Err(AppError::Forbidden { .. })
    ));
    db
}
