//! Many clients writing the same few leads at once (issue 9's concurrency suite, short mode):
//! every operation either commits or is refused with a 409; no update is lost (each lead's
//! event log replays to the stored lead, version by version); event ids have no gaps or
//! duplicates; a live subscriber hears every committed event exactly once, in id order.
//!
//! `CLOSELOOP_CONCURRENCY_OPS` sets the total number of operations (default 640: 32 clients ×
//! 20); the long mode in docs/reliability.md runs 100,000.

use crate::both_backends;
use crate::support::{move_to, Lcg, TestDb};
use app::domain::activity::{LeadEdit, NextStepChange};
use app::domain::{LeadId, NextStepKind, Timestamp};
use app::error::AppError;
use app::ssr::service::{self, work};
use std::collections::{BTreeMap, BTreeSet};

const CLIENTS: usize = 32;
/// Leads everyone writes to: few, so that most writes collide.
const LEADS: usize = 4;

#[derive(Default, Debug)]
struct Tally {
    committed: u64,
    conflicts: u64,
    other: Vec<String>,
}

both_backends!(concurrent_writers_lose_nothing_and_the_log_replays_to_the_leads);
async fn concurrent_writers_lose_nothing_and_the_log_replays_to_the_leads(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let total: usize = std::env::var("CLOSELOOP_CONCURRENCY_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CLIENTS * 20);
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    // Leads of one owner, in New or Contacted (moves between the two need nothing), with a
    // next step (so no write leaves one missing).
    // The rep with the most leads in New or Contacted that were touched and have a next step.
    let workable: Vec<app::domain::Lead> = db
        .all_leads()
        .await
        .into_iter()
        .filter(|l| {
            l.owner.is_some()
                && (l.stage_id == new || l.stage_id == contacted)
                && l.next_step.is_some()
                && l.first_touched_at.is_some()
        })
        .collect();
    let mut per_owner: BTreeMap<i64, Vec<LeadId>> = BTreeMap::new();
    for l in &workable {
        per_owner
            .entry(l.owner.as_ref().unwrap().id)
            .or_default()
            .push(l.id);
    }
    let targets: Vec<LeadId> = per_owner
        .into_values()
        .max_by_key(Vec::len)
        .unwrap_or_default()
        .into_iter()
        .take(LEADS)
        .collect();
    assert!(targets.len() >= 2, "the demo has leads to share");
    let editor = db.editor_of(&db.lead(targets[0]).await).await;
    let before: BTreeMap<LeadId, i64> = {
        let mut m = BTreeMap::new();
        for id in &targets {
            m.insert(*id, db.lead(*id).await.version);
        }
        m
    };
    let (start,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM events")
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();

    // A live subscriber, draining as the writers go.
    let mut feed = state.hub.subscribe();
    let listener = tokio::spawn(async move {
        let mut heard = Vec::new();
        loop {
            match tokio::time::timeout(std::time::Duration::from_secs(5), feed.recv()).await {
                Ok(Ok(e)) => heard.push(e.id),
                Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(n))) => {
                    panic!("the subscriber fell {n} events behind")
                }
                _ => return heard,
            }
        }
    });

    let per_client = total.div_ceil(CLIENTS);
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let state = state.clone();
        let editor = editor.clone();
        let targets = targets.clone();
        clients.push(tokio::spawn(async move {
            let mut rng = Lcg(c as u64 + 1);
            let mut tally = Tally::default();
            for i in 0..per_client {
                let id = targets[rng.below(targets.len() as u64) as usize];
                let lead = match service::lead(&state, &editor, id).await {
                    Ok(l) => l,
                    Err(e) => {
                        tally.other.push(format!("read: {e:?}"));
                        continue;
                    }
                };
                let result = match rng.below(3) {
                    0 => {
                        let to = if lead.stage_id == new { contacted } else { new };
                        service::move_lead(&state, &editor, id, move_to(to, lead.version)).await
                    }
                    1 => {
                        let mut edit = LeadEdit::from_lead(&lead);
                        edit.product_interest = Some(format!("client {c} op {i}"));
                        work::edit_lead(&state, &editor, id, edit).await
                    }
                    _ => {
                        let change = NextStepChange {
                            version: lead.version,
                            kind: NextStepKind::Call,
                            due_at: Timestamp(4_102_444_800_000 + (c * 1000 + i) as i64 * 60_000),
                            note: None,
                        };
                        work::set_next_step(&state, &editor, id, change).await
                    }
                };
                match result {
                    Ok(_) => tally.committed += 1,
                    Err(AppError::Conflict { .. }) => tally.conflicts += 1,
                    Err(e) => tally.other.push(format!("{}: {e}", e.status())),
                }
            }
            tally
        }));
    }
    let mut tally = Tally::default();
    for c in clients {
        let t = c.await.unwrap();
        tally.committed += t.committed;
        tally.conflicts += t.conflicts;
        tally.other.extend(t.other);
    }
    assert!(
        tally.other.is_empty(),
        "every operation commits or is a 409; others: {:?}",
        &tally.other[..tally.other.len().min(5)]
    );
    assert_eq!(
        tally.committed + tally.conflicts,
        (per_client * CLIENTS) as u64
    );
    assert!(tally.committed > 0 && tally.conflicts > 0, "{tally:?}");

    // The log: ids without gaps or duplicates, one event per committed write.
    let rows: Vec<(i64, Option<i64>, String, String)> =
        sqlx::query_as("SELECT id, lead_id, kind, payload FROM events WHERE id > $1 ORDER BY id")
            .bind(start)
            .fetch_all(&mut *db.store.read().await.unwrap())
            .await
            .unwrap();
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let writes: Vec<_> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.2.as_str(),
                "lead.moved" | "lead.edited" | "lead.next_step"
            )
        })
        .collect();
    assert_eq!(
        writes.len() as u64,
        tally.committed,
        "one event per committed write"
    );
    let expected: Vec<i64> = (start + 1..=start + ids.len() as i64).collect();
    assert_eq!(ids, expected, "event ids run on without gaps");

    // Replay: each lead's versions advance by one per event, and the last event is the lead.
    for id in &targets {
        let lead = db.lead(*id).await;
        let mut version = before[id];
        let mut stage = None;
        for (_, _, kind, payload) in writes.iter().filter(|r| r.1 == Some(id.0)) {
            let p: serde_json::Value = serde_json::from_str(payload).unwrap();
            // (An edit's `before` lists only the fields it changed.)
            if let Some(v) = p["before"]["version"].as_i64() {
                assert_eq!(v, version, "{kind} {p}");
            }
            version += 1;
            assert_eq!(p["after"]["version"].as_i64(), Some(version), "{kind} {p}");
            if kind == "lead.moved" {
                stage = p["after"]["stage_id"].as_i64();
            }
        }
        assert_eq!(lead.version, version, "no lost update on lead {id}");
        if let Some(s) = stage {
            assert_eq!(lead.stage_id.0, s, "the stage replays");
        }
    }

    // The subscriber heard every committed write once.
    let heard = listener.await.unwrap();
    let unique: BTreeSet<i64> = heard.iter().copied().collect();
    assert_eq!(unique.len(), heard.len(), "no event twice");
    let written: BTreeSet<i64> = writes.iter().map(|r| r.0).collect();
    assert!(
        written.is_subset(&unique),
        "every write reached the live feed"
    );
    let out_of_order = heard.windows(2).filter(|w| w[0] > w[1]).count();
    println!(
        "concurrency {:?}: {} operations, {} committed, {} conflicts (409), {} events, \
         {} heard out of id order",
        db.store.backend(),
        per_client * CLIENTS,
        tally.committed,
        tally.conflicts,
        ids.len(),
        out_of_order
    );
    // In commit order, which is id order (writers take turns): a browser that resumes after
    // an id has missed nothing below it.
    assert_eq!(out_of_order, 0, "the live feed is in id order");
    db
}
