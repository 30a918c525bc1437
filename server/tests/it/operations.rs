//! Operations: an online SQLite backup taken while leads are being moved is consistent and
//! restores; bad backups are refused with a reason; PostgreSQL points to pg_dump; readiness.

use crate::both_backends;
use crate::http::Client;
use crate::support::{move_to, TestDb};
use app::ssr::service;
use app::ssr::store::backup::{self, BackupError};
use app::ssr::store::Backend;
use axum::body::Body;
use axum::http::{Request, StatusCode};

both_backends!(a_backup_taken_under_writes_is_consistent_and_restores);
async fn a_backup_taken_under_writes_is_consistent_and_restores(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("backup.db");
    if db.store.backend() == Backend::Postgres {
        let e = backup::backup(&db.store, &to).await.unwrap_err();
        assert!(e.to_string().contains("pg_dump"), "{e}");
        return db;
    }
    // A writer moves leads back and forth while the backup runs.
    let state = db.state();
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let lead = db
        .find(|l, _| l.stage_id == new && l.next_step.is_some())
        .await;
    let editor = db.editor_of(&lead).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (state, stop) = (state.clone(), stop.clone());
        tokio::spawn(async move {
            let mut moves = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let l = service::lead(&state, &editor, lead.id).await.unwrap();
                let to = if l.stage_id == new { contacted } else { new };
                service::move_lead(&state, &editor, lead.id, move_to(to, l.version))
                    .await
                    .unwrap();
                moves += 1;
            }
            moves
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let taken = backup::backup(&db.store, &to).await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let moves = writer.await.unwrap();
    assert!(moves > 0);
    assert_eq!(taken.leads as usize, db.all_leads().await.len());
    assert!(taken.events > 0 && taken.bytes > 0);
    // The copy agrees with itself: its lead is at the version its last move event says.
    let restored_url = format!("sqlite:{}", dir.path().join("restored.db").display());
    // A stale WAL next to the target must not survive the restore.
    std::fs::write(dir.path().join("restored.db-wal"), b"stale").unwrap();
    let restored = backup::restore(&to, &restored_url).await.unwrap();
    assert_eq!(
        (restored.leads, restored.events),
        (taken.leads, taken.events)
    );
    assert!(!dir.path().join("restored.db-wal").exists());
    let store = app::ssr::store::Store::connect(&app::ssr::store::StoreOptions::new(&restored_url))
        .await
        .unwrap();
    let mut conn = store.read().await.unwrap();
    let (version,): (i64,) = sqlx::query_as("SELECT version FROM leads WHERE id = $1")
        .bind(lead.id.0)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let (last,): (String,) = sqlx::query_as(
        "SELECT payload FROM events WHERE lead_id = $1 AND kind = 'lead.moved'
         ORDER BY id DESC LIMIT 1",
    )
    .bind(lead.id.0)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let last: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(last["after"]["version"].as_i64(), Some(version));
    drop(conn);
    store.close().await;

    // Refusals, each with its reason, and nothing overwritten.
    let again = backup::backup(&db.store, &to).await.unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let e = backup::restore(&junk, &restored_url).await.unwrap_err();
    assert!(matches!(e, BackupError::Refused(_)), "{e}");
    let e = backup::restore(&to, "postgres://x@localhost/db")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("pg_restore"), "{e}");
    assert_eq!(
        backup::check(&dir.path().join("restored.db"))
            .await
            .unwrap()
            .leads,
        taken.leads
    );
    db
}

both_backends!(readiness_is_200_while_the_database_answers_and_503_after);
async fn readiness_is_200_while_the_database_answers_and_503_after(db: TestDb) -> TestDb {
    let client = Client::anonymous(&db);
    let get = || Request::get("/api/v1/ready").body(Body::empty()).unwrap();
    let (status, body) = client.send(get()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"ready\""), "{body}");
    // The pools closed: the server is up but cannot serve.
    db.store.close().await;
    let (status, body) = client.send(get()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("does not answer"), "{body}");
    db
}
