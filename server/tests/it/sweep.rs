//! The follow-up sweep with an injected clock, on both backends: findings opened and resolved
//! as events, one escalation per rung per breach (also across a restart), exactly one sweeper
//! among instances, and notification e-mails through a local SMTP sink.

use crate::both_backends;
use crate::support::{Kind, TestDb, ANCHOR};
use app::domain::Timestamp;
use app::ssr::service::{self, sweep};
use app::ssr::store::{Store, StoreOptions};
use server::sweeper;
use std::time::Duration;

const HOUR: i64 = 3_600_000;

/// Counts rows of a query returning one number.
async fn count(db: &TestDb, sql: &str) -> i64 {
    let mut conn = db.store.read().await.unwrap();
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&mut *conn).await.unwrap();
    n
}

both_backends!(each_breach_climbs_each_rung_once_even_across_a_restart);
async fn each_breach_climbs_each_rung_once_even_across_a_restart(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let state = db.state();

    let first = sweep::sweep(&state, ANCHOR).await.unwrap();
    assert!(first.judged > 100, "{first:?}");
    assert!(first.opened > 0 && first.reminded > 0, "{first:?}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM findings WHERE resolved_at IS NULL"
        )
        .await,
        first.opened as i64
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM events WHERE kind = 'finding.opened'"
        )
        .await,
        first.opened as i64
    );
    // The same instant again, and again after a "restart" (a new pool on the same database):
    // nothing new.
    let again = sweep::sweep(&state, ANCHOR).await.unwrap();
    assert_eq!(
        (
            again.opened,
            again.resolved,
            again.reminded,
            again.alerted,
            again.reassigned
        ),
        (0, 0, 0, 0, 0),
        "{again:?}"
    );
    let restarted = Store::connect(&StoreOptions::new(db.url())).await.unwrap();
    let state2 = server::state(
        restarted.clone(),
        server::leptos_options(
            std::path::Path::new("target/site"),
            ([127, 0, 0, 1], 0).into(),
        ),
        Default::default(),
    );
    let after_restart = sweep::sweep(&state2, ANCHOR).await.unwrap();
    assert_eq!(
        after_restart.opened + after_restart.reminded,
        0,
        "{after_restart:?}"
    );

    // Two business days later the managers' alerts (after 4 business hours) are due, once.
    let later = Timestamp(ANCHOR.0 + 50 * HOUR);
    let second = sweep::sweep(&state2, later).await.unwrap();
    assert!(second.alerted > 0, "{second:?}");
    let third = sweep::sweep(&state, later).await.unwrap();
    assert_eq!(third.alerted + third.reminded, 0, "{third:?}");
    restarted.close().await;

    // No rung was taken twice for one finding, and every step left its event and notice.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM (SELECT e.lead_id FROM events e WHERE e.kind = 'finding.escalated'
             GROUP BY e.lead_id, e.payload HAVING COUNT(*) > 1) dup"
        )
        .await,
        0
    );
    let notices = count(&db, "SELECT COUNT(*) FROM notifications").await;
    assert_eq!(
        notices as usize,
        first.reminded + second.alerted + second.reminded + first.alerted + second.reassigned
    );
    // Alerts went to the lead's team manager, reminders to its owner.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM notifications n JOIN leads l ON l.id = n.lead_id
             JOIN teams t ON t.id = l.team_id
             WHERE n.kind = 'alert' AND n.user_id <> t.manager_id"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM notifications n JOIN leads l ON l.id = n.lead_id
             WHERE n.kind = 'reminder' AND n.user_id <> l.owner_id"
        )
        .await,
        0
    );

    // The rep fixes one: the next sweep resolves its finding, as an event.
    let mut conn = db.store.read().await.unwrap();
    let (lead_id, kind): (i64, String) = sqlx::query_as(
        "SELECT f.lead_id, f.kind FROM findings f JOIN leads l ON l.id = f.lead_id
         WHERE f.resolved_at IS NULL AND f.kind = 'sla_breached' ORDER BY f.id LIMIT 1",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    db.log_reached_call(
        &state,
        app::domain::LeadId(lead_id),
        service::now().plus_days(3),
    )
    .await;
    let fixed = sweep::sweep(&state, service::now()).await.unwrap();
    assert!(fixed.resolved >= 1, "{fixed:?}");
    let open_of_lead = count(
        &db,
        &format!(
            "SELECT COUNT(*) FROM findings WHERE lead_id = {lead_id} AND kind = '{kind}'
             AND resolved_at IS NULL"
        ),
    )
    .await;
    assert_eq!(open_of_lead, 0);
    db
}

both_backends!(sweeps_of_the_due_leads_keep_the_findings_of_judging_every_lead);
async fn sweeps_of_the_due_leads_keep_the_findings_of_judging_every_lead(db: TestDb) -> TestDb {
    let db = db.with_demo(300).await;
    let state = db.state();
    let every = db.all_leads().await.len();

    // The first sweep judges every lead; the same instant again, none.
    let first = sweep::sweep(&state, ANCHOR).await.unwrap();
    assert_eq!(first.judged, every, "{first:?}");
    same_as_judging_every_lead(&db, ANCHOR).await;
    let again = sweep::sweep(&state, ANCHOR).await.unwrap();
    assert_eq!(again.judged, 0, "{again:?}");

    // Later sweeps judge only the leads whose clocks ran out, and still find what judging
    // every lead finds, escalations included.
    let mut at = ANCHOR;
    let mut judged_later = 0;
    for step in [60_000, 2 * HOUR, 24 * HOUR, 72 * HOUR] {
        at = Timestamp(at.0 + step);
        let r = sweep::sweep(&state, at).await.unwrap();
        assert!(r.judged < every, "{r:?}");
        judged_later += r.judged;
        same_as_judging_every_lead(&db, at).await;
    }
    assert!(judged_later > 0, "no clock ran out in three days");
    let minute = sweep::sweep(&state, Timestamp(at.0 + 60_000))
        .await
        .unwrap();
    assert!(minute.judged * 10 < every, "{minute:?}");

    // West's first-touch time drops from 2 hours to 30 minutes: its open leads are due.
    let west = db.set_west_first_touch(&state, 30).await;
    let west_open = db
        .all_leads()
        .await
        .iter()
        .filter(|l| l.team_id == Some(west) && l.closed_at.is_none())
        .count();
    at = Timestamp(at.0 + 120_000);
    let saved = sweep::sweep(&state, at).await.unwrap();
    assert!(
        saved.judged >= west_open,
        "{saved:?}, {west_open} open in West"
    );
    same_as_judging_every_lead(&db, at).await;

    // A rep fixes a lead: it is judged at the next sweep, whatever its clocks say.
    let mut conn = db.store.read().await.unwrap();
    let (lead_id,): (i64,) = sqlx::query_as(
        "SELECT lead_id FROM findings WHERE resolved_at IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    // (Due three days after the later of the test's clock and the wall clock: a next step
    // may not be due on a day already past.)
    db.log_reached_call(
        &state,
        app::domain::LeadId(lead_id),
        Timestamp(at.0.max(service::now().0) + 72 * HOUR),
    )
    .await;
    at = Timestamp(at.0 + 60_000);
    let fixed = sweep::sweep(&state, at).await.unwrap();
    assert!(fixed.judged >= 1 && fixed.resolved >= 1, "{fixed:?}");
    same_as_judging_every_lead(&db, at).await;
    db
}

/// The open findings (lead, kind) and the escalation step of each are what judging every lead
/// at `at` gives: the breaches the sweep records, each at the highest rung due since it began.
async fn same_as_judging_every_lead(db: &TestDb, at: Timestamp) {
    use app::domain::{escalation_due, evaluate, FindingKind};
    use std::collections::BTreeMap;
    let all = db.all_leads().await;
    let mut conn = db.store.read().await.unwrap();
    let policies = db.store.read_policies(&mut conn).await.unwrap();
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT lead_id, kind, began_at, step FROM findings WHERE resolved_at IS NULL",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let stored: BTreeMap<(i64, String), (i64, i64)> = rows
        .into_iter()
        .map(|(lead, kind, began, step)| ((lead, kind), (began, step)))
        .collect();
    let mut want = BTreeMap::new();
    for lead in all.iter().filter(|l| l.closed_at.is_none()) {
        let policy = policies.for_team(lead.team_id);
        for f in evaluate(policy, lead, at) {
            if matches!(
                f.kind,
                FindingKind::SlaAtRisk | FindingKind::CloseReasonMissing
            ) {
                continue;
            }
            let key = (lead.id.0, f.kind.key().to_string());
            // A breach keeps the instant it was first seen to begin.
            let began = stored.get(&key).map_or(f.at, |(b, _)| Timestamp(*b));
            let step = escalation_due(policy, began, at, 0)
                .last()
                .map_or(0, |s| s.number());
            want.insert(key, (began.0, step));
        }
    }
    let missing: Vec<_> = want.keys().filter(|k| !stored.contains_key(*k)).collect();
    let extra: Vec<_> = stored.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "at {at:?}: findings missing {missing:?}, left open {extra:?}"
    );
    assert_eq!(stored, want, "at {at:?}: escalation steps");
}

both_backends!(a_lead_put_under_new_rules_mid_sweep_stays_due);
async fn a_lead_put_under_new_rules_mid_sweep_stays_due(db: TestDb) -> TestDb {
    use app::ssr::store::{compliance, leads};
    let db = db.with_demo(40).await;
    let state = db.state();
    sweep::sweep(&state, ANCHOR).await.unwrap();
    let later = Timestamp(ANCHOR.0 + 365 * 24 * HOUR);
    let mark = |n: i64| {
        let store = db.store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            compliance::invalidate_facts(&mut tx, None, n)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    };
    let judge = |due: Vec<leads::Due>| {
        let store = db.store.clone();
        async move {
            let rows: Vec<_> = due
                .iter()
                .map(|d| (d.lead.id, d.lead.version, d.seen, Some(later)))
                .collect();
            let mut tx = store.begin().await.unwrap();
            leads::write_judged(&mut tx, &rows).await.unwrap();
            tx.commit().await.unwrap();
        }
    };
    let due = || {
        let store = db.store.clone();
        async move {
            leads::due_for_judging(&mut store.read().await.unwrap(), ANCHOR)
                .await
                .unwrap()
        }
    };
    let open = count(&db, "SELECT COUNT(*) FROM leads WHERE closed_at IS NULL").await as usize;

    // Rules saved: every open lead is due (closed ones wait for a write).
    mark(-1).await;
    let read = due().await;
    assert_eq!(read.len(), open);
    // Saved again after a sweep read them: the sweep cannot mark them judged.
    mark(-2).await;
    judge(read).await;
    assert_eq!(due().await.len(), open);
    // Read after the last save: marked judged until `later`.
    judge(due().await).await;
    assert_eq!(due().await.len(), 0);
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM leads WHERE judge_at = {}", later.0)
        )
        .await as usize,
        open
    );
    db
}

#[tokio::test]
async fn exactly_one_of_two_instances_sweeps_on_postgres() {
    let db = TestDb::new(Kind::Postgres).await.with_demo(120).await;
    let other = Store::connect(&StoreOptions::new(db.url())).await.unwrap();
    let a = db.state();
    let b = server::state(
        other.clone(),
        server::leptos_options(
            std::path::Path::new("target/site"),
            ([127, 0, 0, 1], 0).into(),
        ),
        Default::default(),
    );
    let every = Duration::from_secs(60);
    // Both tick at the same instant, many times over: one sweeps each time, always the same.
    for i in 0..5 {
        let at = Timestamp(ANCHOR.0 + i * 60_000);
        let (ra, rb) = tokio::join!(
            sweeper::tick(&a, "instance-a", at, every),
            sweeper::tick(&b, "instance-b", at, every)
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert!(ra.is_some() != rb.is_some(), "tick {i}: {ra:?} / {rb:?}");
    }
    let winner_is_a = sweeper::tick(&a, "instance-a", Timestamp(ANCHOR.0 + 300_000), every)
        .await
        .unwrap()
        .is_some();
    let (winner, loser, loser_name) = if winner_is_a {
        (&a, &b, "instance-b")
    } else {
        (&b, &a, "instance-a")
    };
    let _ = winner;
    // The holder stops (its lease runs out after three intervals): the other takes over.
    let late = Timestamp(ANCHOR.0 + 300_000 + 3 * 60_000 + 1);
    assert!(sweeper::tick(loser, loser_name, late, every)
        .await
        .unwrap()
        .is_some());
    // One sweep per tick means each finding was opened once.
    let mut conn = db.store.read().await.unwrap();
    let (dups,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT lead_id, kind FROM findings WHERE resolved_at IS NULL
         GROUP BY lead_id, kind HAVING COUNT(*) > 1) d",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(dups, 0);
    drop(conn);
    other.close().await;
    db.finish().await;
}

/// A minimal SMTP server that accepts every message and hands back (recipients, data).
async fn smtp_sink() -> (
    u16,
    tokio::sync::mpsc::UnboundedReceiver<(Vec<String>, String)>,
) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        rcpt.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go on\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        let _ = tx.send((std::mem::take(&mut rcpt), data));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, rx)
}

both_backends!(notifications_are_emailed_once_through_smtp);
async fn notifications_are_emailed_once_through_smtp(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let report = sweep::sweep(&state, ANCHOR).await.unwrap();
    let notices = report.reminded + report.alerted + report.reassigned;
    assert!(notices > 0, "{report:?}");
    let (port, mut inbox) = smtp_sink().await;
    let mailer = sweeper::Mailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Closeloop <cl@example.com>",
    )
    .unwrap();
    assert_eq!(mailer.deliver(&state, 1000).await.unwrap(), notices);
    let mut got = Vec::new();
    while let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(500), inbox.recv()).await {
        got.push(m);
    }
    assert_eq!(got.len(), notices);
    // Each went to the person notified, with the notice in it.
    let mut conn = db.store.read().await.unwrap();
    let (to, message): (String, String) = sqlx::query_as(
        "SELECT u.email, n.message FROM notifications n JOIN users u ON u.id = n.user_id
         ORDER BY n.id LIMIT 1",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    assert_eq!(got[0].0, vec![to]);
    assert!(got[0].1.contains("Subject: Closeloop:"), "{}", got[0].1);
    let first_words: String = message.chars().take(20).collect();
    assert!(got[0].1.contains(&first_words), "{}", got[0].1);
    // Sent once: a second round has nothing to send.
    assert_eq!(mailer.deliver(&state, 1000).await.unwrap(), 0);
    db
}
