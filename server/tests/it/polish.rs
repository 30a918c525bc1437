//! What people read on everyday pages (issue 25): words instead of internal names, lists that
//! stay readable at volume, drafts that are not made by accident, errors that name the field
//! as it was sent.

use crate::both_backends;
use crate::support::TestDb;
use app::domain::event::{event_label, KINDS};
use app::domain::LeadId;
use app::ssr::service;

/// True for text that looks like an event kind (`lead.logged`, `activity.logged`).
fn looks_like_a_kind(text: &str) -> bool {
    text.split_whitespace().any(|w| {
        let mut parts = w.split('.');
        matches!((parts.next(), parts.next(), parts.next()),
            (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty()
                && a.chars().all(|c| c.is_ascii_lowercase())
                && b.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    })
}

both_backends!(every_event_in_a_lead_history_reads_as_words);
async fn every_event_in_a_lead_history_reads_as_words(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let kinds: Vec<(String,)> = {
        let mut conn = db.store.read().await.unwrap();
        sqlx::query_as("SELECT DISTINCT kind FROM events ORDER BY kind")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
    };
    assert!(kinds.len() >= 3, "the demo writes several kinds: {kinds:?}");
    for (kind,) in &kinds {
        assert!(
            KINDS.iter().any(|(k, _)| k == kind),
            "the demo writes {kind}, which has no label"
        );
    }
    let state = db.state();
    let eleanor = db.actor("eleanor").await;
    let mut entries = 0;
    for id in 1..=40 {
        let Ok(detail) = service::work::lead_detail(&state, &eleanor, LeadId(id)).await else {
            continue;
        };
        for t in &detail.timeline {
            entries += 1;
            assert!(
                !looks_like_a_kind(&t.title),
                "lead {id}: history line {:?}",
                t.title
            );
        }
    }
    assert!(entries > 100, "only {entries} history lines read");
    assert_eq!(event_label("something.new"), "Changed");
    db
}

both_backends!(what_changed_is_one_row_per_lead_with_true_counts_at_thousands_of_events);
async fn what_changed_is_one_row_per_lead_with_true_counts_at_thousands_of_events(
    db: TestDb,
) -> TestDb {
    use app::ssr::store::events::{append_many, NewEvent};
    let db = db.with_demo(150).await;
    let state = db.state();
    let morgan = db.actor("morgan").await;
    let dana = db.actor("dana").await;
    let review_id = service::review::start(&state, &morgan, dana.id.0)
        .await
        .unwrap();
    service::review::finish(&state, &morgan, review_id)
        .await
        .unwrap();
    let pipeline = db.pipeline().await;
    let lead = db
        .find(|l, p| {
            l.owner.as_ref().is_some_and(|o| o.id == dana.id.0)
                && p.get(l.stage_id).unwrap().kind == app::domain::StageKind::Open
        })
        .await;
    let other = pipeline
        .stages()
        .iter()
        .find(|s| s.kind == app::domain::StageKind::Open && s.id != lead.stage_id)
        .unwrap()
        .clone();
    // 3,000 moves back and forth since the review, as a busy week (or a script) leaves them.
    let start = app::domain::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
            + 1_000,
    );
    let moves: Vec<NewEvent> = (0..3_000)
        .map(|i| {
            let (from, to) = if i % 2 == 0 {
                (lead.stage_id, other.id)
            } else {
                (other.id, lead.stage_id)
            };
            NewEvent {
                at: start.plus_ms(i),
                actor_id: Some(dana.id.0),
                kind: "lead.moved",
                lead_id: Some(lead.id),
                payload: serde_json::json!({"before": {"stage_id": from.0}, "after": {"stage_id": to.0}}),
            }
        })
        .collect();
    {
        let mut tx = db.store.begin().await.unwrap();
        append_many(&mut tx, &moves).await.unwrap();
        tx.commit().await.unwrap();
    }
    let v = service::review::view(&state, &morgan, dana.id.0)
        .await
        .unwrap();
    assert_eq!(v.counts.moved, 3_000, "the true count, not a capped one");
    assert!(!v.changes_capped);
    assert_eq!(v.changed_leads.len(), 1, "one row for the one lead");
    let row = &v.changed_leads[0];
    assert_eq!(row.lead, lead.id);
    assert_eq!(row.count, 3_000);
    let now_in = &pipeline.get(lead.stage_id).unwrap().name;
    assert_eq!(row.summary, [format!("Moved 3,000 times, now in {now_in}")]);
    db
}

both_backends!(a_check_never_waits_and_an_import_waiting_for_the_database_says_so);
async fn a_check_never_waits_and_an_import_waiting_for_the_database_says_so(db: TestDb) -> TestDb {
    use app::domain::import::{ImportPhase, ImportRun, ImportStatus};
    use service::import_jobs as jobs;
    let db = db.with_demo(40).await;
    let state = db.state();
    let riley = db.actor("riley").await;
    let csv = "Name,E-mail\nAda Lovelace,ada@wait.example\nAlan Turing,alan@wait.example\n";
    let draft = jobs::upload(&state, &riley, "wait.csv", csv).unwrap();
    let source_id = crate::import::source_id(&db, "Trade shows").await;
    let run = |commit| ImportRun {
        custom: Vec::new(),
        source_id,
        campaign_id: None,
        mapping: draft.mapping.clone(),
        commit,
    };
    let until = |phase: ImportPhase| {
        let (state, riley, id) = (state.clone(), riley.clone(), draft.id.clone());
        async move {
            for _ in 0..100 {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                let s = jobs::status(&state, &riley, &id).unwrap();
                if s.phase == phase {
                    return Some(s);
                }
            }
            None::<ImportStatus>
        }
    };
    // Another writer holds the database, as a long import would.
    let held = db.store.begin().await.unwrap();
    // The check reads a snapshot: done within moments, the writer still busy.
    jobs::start(&state, &riley, &draft.id, run(false))
        .await
        .unwrap();
    let checked = until(ImportPhase::Checked)
        .await
        .expect("the check finished beside the writer");
    assert_eq!(checked.waiting_secs, None);
    assert_eq!(checked.report.unwrap().new, 2);
    // The import needs the write turn: it says it waits, and for how long.
    jobs::start(&state, &riley, &draft.id, run(true))
        .await
        .unwrap();
    let mut waited = None;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let s = jobs::status(&state, &riley, &draft.id).unwrap();
        assert_eq!(s.phase, ImportPhase::Importing);
        assert_eq!(s.done, 0);
        if let Some(secs) = s.waiting_secs {
            waited = Some(secs);
            if secs >= 2 {
                break;
            }
        }
    }
    assert!(
        waited.is_some_and(|s| s >= 2),
        "the import said it was waiting, and for how long: {waited:?}"
    );
    drop(held);
    let s = until(ImportPhase::Done)
        .await
        .expect("the import ran once the database was free");
    assert_eq!(s.waiting_secs, None);
    assert_eq!(s.report.unwrap().new, 2);
    db
}

both_backends!(a_new_wall_turns_through_its_five_panels_in_a_minute);
async fn a_new_wall_turns_through_its_five_panels_in_a_minute(db: TestDb) -> TestDb {
    use app::ssr::store::accounts::KeyKind;
    let db = db.with_demo(20).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    service::keys::issue(&state, &admin, KeyKind::Wall, "Lobby", None)
        .await
        .unwrap();
    let (panels, seconds): (String, i64) = {
        let mut conn = db.store.read().await.unwrap();
        sqlx::query_as("SELECT panels, seconds FROM wall_tokens ORDER BY id DESC LIMIT 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    let panels = panels.split(',').count() as i64;
    assert_eq!(panels, 5);
    assert_eq!(panels * seconds, 60, "the README's one-minute turn");
    db
}
