//! The drawer's operations against a real database, on both backends: logging a touch with the
//! next step, editing with field-level errors, closing out, the timeline, and conflicts.

use crate::both_backends;
use crate::support::TestDb;
use app::domain::activity::{
    ActivityKind, CloseOut, LeadEdit, LogRequest, NextStepInput, Outcome, QuickPick,
};
use app::domain::{CloseReason, NextStepKind, StageKind};
use app::error::AppError;
use app::ssr::service::{self, work};

fn fields(err: &AppError) -> Vec<String> {
    err.fields().iter().map(|f| f.field.clone()).collect()
}

both_backends!(a_logged_call_sets_the_next_step_touches_the_lead_and_shows_in_the_timeline);
async fn a_logged_call_sets_the_next_step_touches_the_lead_and_shows_in_the_timeline(
    db: TestDb,
) -> TestDb {
    let db = db.with_demo(60).await;
    let lead = db
        .find(|l, p| p.get(l.stage_id).unwrap().kind == StageKind::Open)
        .await;
    let rep = db.editor_of(&lead).await;
    let state = db.state();
    let mut live = state.hub.subscribe();
    let due = QuickPick::InThreeDays.due(service::now(), 0);
    let after = work::log_activity(
        &state,
        &rep,
        lead.id,
        LogRequest {
            version: lead.version,
            kind: ActivityKind::Call,
            outcome: Some(Outcome::LeftMessage),
            note: Some("Asked for a call back after lunch".into()),
            next_step: Some(NextStepInput {
                kind: NextStepKind::Call,
                due_at: due,
                note: None,
            }),
        },
    )
    .await
    .unwrap();
    assert_eq!(after.version, lead.version + 1);
    assert_eq!(after.next_step.as_ref().unwrap().due_at, due);
    assert!(after.last_touched_at.is_some());
    // Stored, not just returned.
    assert_eq!(db.lead(lead.id).await, after);
    // Published once committed: at once on SQLite, by PostgreSQL's sequencer a moment later.
    let event = tokio::time::timeout(std::time::Duration::from_secs(5), live.recv())
        .await
        .expect("the change is published live")
        .unwrap();
    assert_eq!(event.kind, app::model::LiveKind::Logged);
    assert_eq!(event.lead, after);

    let detail = work::lead_detail(&state, &rep, lead.id).await.unwrap();
    let newest = &detail.timeline[0];
    assert_eq!(newest.title, "Call · Left message");
    assert_eq!(
        newest.detail.as_deref(),
        Some("Asked for a call back after lunch")
    );
    assert_eq!(newest.who.as_deref(), Some(rep.name.as_str()));
    assert!(detail
        .timeline
        .iter()
        .any(|t| t.title.starts_with("Next step: Call")));
    db
}

both_backends!(bad_input_names_every_field_and_changes_nothing);
async fn bad_input_names_every_field_and_changes_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let lead = db
        .find(|l, p| p.get(l.stage_id).unwrap().kind == StageKind::Open)
        .await;
    let rep = db.editor_of(&lead).await;
    let state = db.state();
    let events_before = db.event_count().await;

    let mut edit = LeadEdit::from_lead(&lead);
    edit.email = Some("nobody-at-example".into());
    edit.value = Some("a lot".into());
    edit.currency = Some("DOLLARS".into());
    let err = work::edit_lead(&state, &rep, lead.id, edit)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 422);
    assert_eq!(fields(&err), ["email", "currency", "value"]);

    let err = work::log_activity(
        &state,
        &rep,
        lead.id,
        LogRequest {
            version: lead.version,
            kind: ActivityKind::Call,
            outcome: None,
            note: None,
            next_step: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&err), ["outcome"]);

    let lost_other = CloseOut::Lost {
        version: lead.version,
        reason: Some(CloseReason::Other),
        note: None,
    };
    let err = work::close_out(&state, &rep, lead.id, lost_other)
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["close_note"]);
    let err = work::close_out(
        &state,
        &rep,
        lead.id,
        CloseOut::Won {
            version: lead.version,
            value: "0".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&err), ["value"]);

    assert_eq!(db.lead(lead.id).await, lead, "the lead is unchanged");
    assert_eq!(
        db.event_count().await,
        events_before,
        "no event was written"
    );
    db
}

both_backends!(an_edit_is_logged_with_before_and_after_and_a_won_close_out_keeps_the_value);
async fn an_edit_is_logged_with_before_and_after_and_a_won_close_out_keeps_the_value(
    db: TestDb,
) -> TestDb {
    let db = db.with_demo(60).await;
    let lead = db
        .find(|l, p| p.get(l.stage_id).unwrap().kind == StageKind::Open)
        .await;
    let rep = db.editor_of(&lead).await;
    let state = db.state();
    let mut edit = LeadEdit::from_lead(&lead);
    edit.phone = Some("+44 20 7946 0958".into());
    let edited = work::edit_lead(&state, &rep, lead.id, edit).await.unwrap();
    assert_eq!(edited.phone.as_deref(), Some("+44 20 7946 0958"));
    let detail = work::lead_detail(&state, &rep, lead.id).await.unwrap();
    let change = detail
        .timeline
        .iter()
        .find(|t| t.title == "Edited details")
        .expect("the edit is in the history");
    assert!(change
        .detail
        .as_deref()
        .unwrap()
        .ends_with("→ +44 20 7946 0958"));

    let won = work::close_out(
        &state,
        &rep,
        lead.id,
        CloseOut::Won {
            version: edited.version,
            value: "48,250".into(),
        },
    )
    .await
    .unwrap();
    let pipeline = db.pipeline().await;
    assert_eq!(pipeline.get(won.stage_id).unwrap().kind, StageKind::Won);
    assert_eq!(won.value.unwrap().cents, 4_825_000);
    assert!(won.closed_at.is_some());
    assert!(won.next_step.is_none(), "a closed lead has no next step");
    db
}

both_backends!(a_stale_write_is_a_conflict_carrying_the_current_lead);
async fn a_stale_write_is_a_conflict_carrying_the_current_lead(db: TestDb) -> TestDb {
    let db = db.with_demo(60).await;
    let lead = db
        .find(|l, p| p.get(l.stage_id).unwrap().kind == StageKind::Open)
        .await;
    let rep = db.editor_of(&lead).await;
    let state = db.state();
    let note = |version| LogRequest {
        version,
        kind: ActivityKind::Note,
        outcome: None,
        note: Some("Budget approved in Q1".into()),
        next_step: None,
    };
    let first = work::log_activity(&state, &rep, lead.id, note(lead.version))
        .await
        .unwrap();
    let err = work::log_activity(&state, &rep, lead.id, note(lead.version))
        .await
        .unwrap_err();
    match err {
        AppError::Conflict { current, .. } => assert_eq!(*current, first),
        other => panic!("expected a conflict, got {other:?}"),
    }
    db
}

both_backends!(people_who_may_not_edit_a_lead_cannot_log_on_it_or_read_it);
async fn people_who_may_not_edit_a_lead_cannot_log_on_it_or_read_it(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let dana = db.actor("dana").await;
    let not_danas = db
        .find(|l, _| l.owner.as_ref().is_some_and(|o| o.id != dana.id.0))
        .await;
    let state = db.state();
    let err = work::lead_detail(&state, &dana, not_danas.id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 404, "invisible leads look missing");
    let err = work::edit_lead(&state, &dana, not_danas.id, LeadEdit::from_lead(&not_danas))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 404);
    // Leadership reads every lead but changes none.
    let eleanor = db.actor("eleanor").await;
    assert!(work::lead_detail(&state, &eleanor, not_danas.id)
        .await
        .is_ok());
    let err = work::close_out(
        &state,
        &eleanor,
        not_danas.id,
        CloseOut::Won {
            version: not_danas.version,
            value: "10".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), 403);
    db
}
