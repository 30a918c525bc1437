//! Crash durability (issue 9): the real `closeloop serve` process, under a write load from
//! several REST clients (new leads, moves, logged touches) plus now and then a CSV import run by
//! the CLI, is killed with SIGKILL at a random moment, again and again. After every kill:
//!
//! - every write the server acknowledged is there, exactly once;
//! - nothing is half applied: each touched lead's version is the last version its event log
//!   records, each logged touch has exactly one event, and an import is all rows or none;
//! - on SQLite, `PRAGMA integrity_check` is ok;
//! - the server starts again and serves (the next cycle starts it and waits for it).
//!
//! New leads whose answer was lost in the kill are sent again, with the same `Idempotency-Key`,
//! once the server is back: each must end up as exactly one lead.
//!
//! `CLOSELOOP_CRASH_CYCLES` sets the kills per database (default 25, so 50 in CI); the long mode
//! in docs/reliability.md runs 1,000.

use crate::both_backends;
use crate::support::{free_port, Lcg, TestDb};
use app::domain::account::TokenScope;
use app::domain::LeadId;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

const CLIENTS: usize = 4;
/// Rows of each CSV import.
const IMPORT_ROWS: usize = 400;
/// Every this many cycles, a CLI import runs alongside the load (and is killed with it).
const IMPORT_EVERY: usize = 3;

/// What the server acknowledged (a 2xx reached the client), and what was lost in flight.
#[derive(Default)]
struct Ledger {
    /// New leads by e-mail: the lead id the server answered with.
    created: BTreeMap<String, i64>,
    /// New leads whose answer never came: (e-mail, idempotency key, body), to send again.
    unanswered: Vec<(String, String, Value)>,
    /// Moves and logged touches: (lead, the version the answer carried, kind).
    writes: Vec<(i64, i64, &'static str)>,
    /// Notes of acknowledged touches.
    notes: BTreeSet<String>,
    /// Answers that were neither 2xx, 409 nor 422 (a 5xx fails the suite).
    failures: Vec<String>,
    in_flight: u64,
}

/// A raw HTTP/1.0 exchange: (status, body), or an I/O error when the server is gone.
async fn http(
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    extra: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         {extra}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await?;
    let text = String::from_utf8_lossy(&out);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {text:.80}")))?;
    let json = text
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    Ok((status, json))
}

/// Starts `closeloop serve` on `url` and waits until it answers health; returns it and how
/// long it took.
async fn start(url: &str, port: u16) -> (Child, Duration) {
    let t0 = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_closeloop"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", url)
        .env("CLOSELOOP_SWEEP_SECONDS", "0")
        .env("RUST_LOG", "error")
        .kill_on_drop(true)
        .spawn()
        .expect("start closeloop");
    for _ in 0..1500 {
        if let Ok((200, _)) = http(port, "GET", "/api/v1/health", "", "", None).await {
            return (child, t0.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not answer within 30 s of a restart");
}

/// One client's load until the server goes away.
async fn load(
    port: u16,
    token: String,
    seed: u64,
    tag: String,
    source_id: i64,
    leads: Vec<(i64, i64, i64)>,
    ledger: Arc<Mutex<Ledger>>,
) {
    let mut rng = Lcg(seed);
    for n in 0.. {
        let op = rng.below(3);
        let outcome = match op {
            0 => {
                let email = format!("{tag}-{n}@crash.example");
                let key = format!("{tag}-{n}");
                let body = json!({"source_id": source_id, "contact_name": format!("Crash {tag} {n}"),
                                  "email": email});
                let header = format!("Idempotency-Key: {key}\r\n");
                match http(port, "POST", "/api/v1/leads", &token, &header, Some(&body)).await {
                    Ok((200 | 201, r)) => {
                        let id = r["lead_id"].as_i64().unwrap_or(0);
                        ledger.lock().unwrap().created.insert(email, id);
                        Ok(())
                    }
                    Ok((s, r)) => Err(format!("create: {s} {r}")),
                    Err(_) => {
                        ledger.lock().unwrap().unanswered.push((email, key, body));
                        return;
                    }
                }
            }
            _ => {
                let (id, a, b) = leads[rng.below(leads.len() as u64) as usize];
                let path = format!("/api/v1/leads/{id}");
                let lead = match http(port, "GET", &path, &token, "", None).await {
                    Ok((200, l)) => l,
                    Ok((s, r)) => {
                        ledger
                            .lock()
                            .unwrap()
                            .failures
                            .push(format!("read: {s} {r}"));
                        continue;
                    }
                    Err(_) => return,
                };
                let version = lead["version"].as_i64().unwrap_or(0);
                let note = format!("crash {tag} #{n}");
                let (kind, path, body) = if op == 1 {
                    let to = if lead["stage_id"].as_i64() == Some(a) {
                        b
                    } else {
                        a
                    };
                    (
                        "lead.moved",
                        format!("{path}/move"),
                        json!({"to_stage": to, "version": version}),
                    )
                } else {
                    (
                        "lead.logged",
                        format!("{path}/activities"),
                        json!({"version": version, "kind": "note", "note": note}),
                    )
                };
                match http(port, "POST", &path, &token, "", Some(&body)).await {
                    Ok((200, r)) => {
                        let mut l = ledger.lock().unwrap();
                        l.writes
                            .push((id, r["version"].as_i64().unwrap_or(0), kind));
                        if kind == "lead.logged" {
                            l.notes.insert(note);
                        }
                        Ok(())
                    }
                    Ok((409 | 422, _)) => Ok(()),
                    Ok((s, r)) => Err(format!("{kind}: {s} {r}")),
                    Err(_) => {
                        ledger.lock().unwrap().in_flight += 1;
                        return;
                    }
                }
            }
        };
        if let Err(e) = outcome {
            ledger.lock().unwrap().failures.push(e);
        }
    }
}

both_backends!(acknowledged_writes_survive_sigkill_exactly_once);
async fn acknowledged_writes_survive_sigkill_exactly_once(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let cycles: usize = std::env::var("CLOSELOOP_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25);
    let state = db.state();
    let url = db.url();
    let new = db.stage("new").await.0;
    let contacted = db.stage("contacted").await.0;
    // A rep with leads in New or Contacted that have a next step: moves between the two need
    // nothing more.
    let workable = |l: &app::domain::Lead| {
        (l.stage_id.0 == new || l.stage_id.0 == contacted)
            && l.next_step.is_some()
            && l.first_touched_at.is_some()
    };
    let all = db.all_leads().await;
    let mut per_owner: BTreeMap<i64, usize> = BTreeMap::new();
    for l in all.iter().filter(|l| workable(l)) {
        if let Some(o) = &l.owner {
            *per_owner.entry(o.id).or_default() += 1;
        }
    }
    let busiest = per_owner
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(id, _)| *id)
        .expect("the demo has leads in New or Contacted");
    let lead = all
        .iter()
        .find(|l| workable(l) && l.owner.as_ref().is_some_and(|o| o.id == busiest))
        .unwrap()
        .clone();
    let rep = db.editor_of(&lead).await;
    let token = app::ssr::service::keys::issue_api_token(&state, &rep, "crash", TokenScope::Write)
        .await
        .unwrap()
        .secret;
    let source_id = crate::import::source_id(&db, "Trade shows").await;
    let leads: Vec<(i64, i64, i64)> = db
        .all_leads()
        .await
        .into_iter()
        .filter(|l| {
            l.owner.as_ref().is_some_and(|o| o.id == rep.id.0)
                && (l.stage_id.0 == new || l.stage_id.0 == contacted)
                && l.next_step.is_some()
                && l.first_touched_at.is_some()
        })
        .map(|l| (l.id.0, new, contacted))
        .take(6)
        .collect();
    assert!(leads.len() >= 2, "the demo gives the rep leads to work");
    let mut start_versions = BTreeMap::new();
    for (id, _, _) in &leads {
        start_versions.insert(*id, db.lead(LeadId(*id)).await.version);
    }
    let dir = tempfile::tempdir().unwrap();
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut imports: Vec<(String, bool)> = Vec::new();
    let mut rng = Lcg(0x5eed);
    let t0 = Instant::now();
    let mut restarts = Duration::ZERO;

    for cycle in 0..=cycles {
        let port = free_port();
        let (mut server, took) = start(&url, port).await;
        restarts += took;
        // New leads whose answer was lost: sent again, they must be taken once.
        let unanswered = std::mem::take(&mut ledger.lock().unwrap().unanswered);
        for (email, key, body) in unanswered {
            let header = format!("Idempotency-Key: {key}\r\n");
            let (status, r) = http(port, "POST", "/api/v1/leads", &token, &header, Some(&body))
                .await
                .expect("the restarted server answers");
            assert!(matches!(status, 200 | 201), "{status} {r}");
            ledger
                .lock()
                .unwrap()
                .created
                .insert(email, r["lead_id"].as_i64().unwrap());
        }
        let (status, _) = http(port, "GET", "/api/v1/leads?limit=5", &token, "", None)
            .await
            .unwrap();
        assert_eq!(status, 200, "the server serves after restart {cycle}");
        if cycle == cycles {
            server.start_kill().unwrap();
            server.wait().await.unwrap();
            check(&db, &ledger, &imports, &start_versions, cycle, true).await;
            break;
        }

        // The load, and now and then an import by the CLI.
        let mut clients = Vec::new();
        for c in 0..CLIENTS {
            clients.push(tokio::spawn(load(
                port,
                token.clone(),
                (cycle * CLIENTS + c) as u64 + 1,
                format!("c{cycle}x{c}"),
                source_id,
                leads.clone(),
                ledger.clone(),
            )));
        }
        let mut import = None;
        let mut wait_ms = 30 + rng.below(400);
        if cycle % IMPORT_EVERY == 0 {
            let batch = format!("imp{cycle}");
            let file = dir.path().join(format!("{batch}.csv"));
            let mut csv = String::from("Name,Email\n");
            for i in 0..IMPORT_ROWS {
                csv.push_str(&format!(
                    "Imported {batch} {i},{batch}-{i}@import.example\n"
                ));
            }
            std::fs::write(&file, csv).unwrap();
            let child = Command::new(env!("CARGO_BIN_EXE_closeloop"))
                .args(["import-leads", file.to_str().unwrap(), "--as"])
                .arg(&rep.email)
                .args(["--source", "Trade shows"])
                .env("DATABASE_URL", &url)
                .env("RUST_LOG", "error")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("start the import");
            import = Some((batch, child));
            // Long enough that some imports finish before the kill and some do not.
            wait_ms = 50 + rng.below(900);
        }
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        server.start_kill().unwrap();
        if let Some((batch, mut child)) = import {
            let done = match child.try_wait().unwrap() {
                Some(status) => {
                    assert!(status.success(), "the import {batch} failed: {status}");
                    true
                }
                None => {
                    child.start_kill().unwrap();
                    child.wait().await.unwrap();
                    false
                }
            };
            imports.push((batch, done));
        }
        server.wait().await.unwrap();
        for c in clients {
            c.await.unwrap();
        }
        check(&db, &ledger, &imports, &start_versions, cycle, false).await;
        if (cycle + 1) % 100 == 0 {
            eprintln!(
                "crash: {} kills checked ({:.0} s)",
                cycle + 1,
                t0.elapsed().as_secs_f64()
            );
        }
    }

    let l = ledger.lock().unwrap();
    let moves = l.writes.iter().filter(|w| w.2 == "lead.moved").count();
    println!(
        "crash {:?}: {cycles} kills in {:.1} s (restarts {:.1} s); acknowledged: {} new leads, \
         {moves} moves, {} touches, {} of {} imports ({IMPORT_ROWS} rows each); {} writes cut \
         in flight",
        db.store.backend(),
        t0.elapsed().as_secs_f64(),
        restarts.as_secs_f64(),
        l.created.len(),
        l.notes.len(),
        imports.iter().filter(|i| i.1).count(),
        imports.len(),
        l.in_flight + l.unanswered.len() as u64,
    );
    drop(l);
    db
}

/// Everything the server acknowledged is there exactly once, and nothing is half applied.
async fn check(
    db: &TestDb,
    ledger: &Mutex<Ledger>,
    imports: &[(String, bool)],
    start_versions: &BTreeMap<i64, i64>,
    cycle: usize,
    final_check: bool,
) {
    let mut conn = db.store.read().await.unwrap();
    if db.store.backend() == app::ssr::store::Backend::Sqlite {
        let (ok,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(ok, "ok", "integrity after kill {cycle}");
    }
    let (created, writes, acked_notes, failures) = {
        let l = ledger.lock().unwrap();
        (
            l.created.clone(),
            l.writes.clone(),
            l.notes.clone(),
            l.failures.clone(),
        )
    };
    assert!(
        failures.is_empty(),
        "answers other than 2xx/409/422: {:?}",
        failures
    );

    // New leads: each acknowledged one is there once, under the id it was given; none twice.
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT email, COUNT(*), MIN(id) FROM leads WHERE email LIKE '%@crash.example' GROUP BY email",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let found: BTreeMap<String, (i64, i64)> =
        rows.into_iter().map(|(e, n, id)| (e, (n, id))).collect();
    for (email, (n, _)) in &found {
        assert_eq!(*n, 1, "{email} is one lead (kill {cycle})");
    }
    for (email, id) in &created {
        assert_eq!(
            found.get(email).map(|f| f.1),
            Some(*id),
            "acknowledged lead {email} is there (kill {cycle})"
        );
    }

    // Imports: all rows or none; a finished one has all. (Checked in the cycle that ran it,
    // and all again at the end: a killed import never resumes.)
    let recent = if final_check {
        0
    } else {
        imports.len().saturating_sub(1)
    };
    for (batch, done) in &imports[recent..] {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM leads WHERE email LIKE $1")
            .bind(format!("{batch}-%@import.example"))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let expected = if *done {
            vec![IMPORT_ROWS as i64]
        } else {
            vec![0, IMPORT_ROWS as i64]
        };
        assert!(
            expected.contains(&n),
            "import {batch}: {n} rows (kill {cycle})"
        );
    }

    // Touched leads: the versions their events record since the start run on without gaps or
    // repeats to the row's version (no row change without its event, no event without it),
    // and each acknowledged write is one of them.
    let mut logged_touches = BTreeSet::new();
    for (id, v0) in start_versions {
        let lead = db.lead(LeadId(*id)).await;
        let events: Vec<(String, String)> =
            sqlx::query_as("SELECT kind, payload FROM events WHERE lead_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        let mut versions = Vec::new();
        for (kind, payload) in &events {
            let p: Value = serde_json::from_str(payload).unwrap();
            match p["after"]["version"].as_i64() {
                Some(v) if v > *v0 => versions.push(v),
                _ => continue,
            }
            if kind == "lead.logged" {
                logged_touches.insert(p["activity_id"].as_i64().unwrap());
            }
        }
        let expected: Vec<i64> = (*v0 + 1..=lead.version).collect();
        assert_eq!(
            versions, expected,
            "lead {id}: the log and the row agree (kill {cycle})"
        );
        for (_, v, kind) in writes.iter().filter(|w| w.0 == *id) {
            assert!(
                versions.contains(v),
                "acknowledged {kind} to v{v} of lead {id} (kill {cycle})"
            );
        }
    }
    // Every touch is one activity with its one event; every acknowledged one is there.
    let touches: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, note FROM activities WHERE note LIKE 'crash %'")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let ids: BTreeSet<i64> = touches.iter().map(|t| t.0).collect();
    assert_eq!(
        ids, logged_touches,
        "touches and their events agree (kill {cycle})"
    );
    let notes: BTreeSet<&String> = touches.iter().map(|t| &t.1).collect();
    assert_eq!(notes.len(), touches.len(), "no touch twice (kill {cycle})");
    for note in &acked_notes {
        assert!(notes.contains(note), "acknowledged touch {note} is there");
    }
}
