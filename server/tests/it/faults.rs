//! The database cannot take writes (issue 9): a full disk under SQLite and under PostgreSQL
//! (its tables on a tablespace on a small disk), a PostgreSQL database switched to read-only. Writes are answered 503 `unavailable` with a
//! message saying why and that nothing was saved (never a 500), reads go on being served, and
//! writes work again once the cause is gone, without a restart.
//!
//! SQLite runs on a small tmpfs this test mounts (the test command runs as root; mounting is
//! required, not skipped). A file system turning read-only under a running server cannot be
//! staged here (Linux refuses to remount a file system read-only while files on it are open
//! for writing); SQLite's read-only error is checked in `service::tests` with a real error.

use crate::api::{bearer, editor_token};
use crate::http::{json_of, Client};
use crate::support::{Kind, TestDb};
use app::domain::Lead;
use axum::http::{Method, StatusCode};
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs of `mib` MiB mounted on a fresh directory; unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
    _parent: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(mib: u32) -> Tmpfs {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("disk");
        std::fs::create_dir(&dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "this test mounts a small tmpfs to fill it; run it as root (scripts/test does)"
        );
        Tmpfs {
            dir,
            _parent: parent,
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Fills the file system holding `dir` with a file; returns the file.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    // Whatever fits in less than a chunk too.
    while f.write_all(&chunk[..512]).is_ok() {}
    let _ = f.sync_all();
    path
}

/// A lead to move back and forth between its stage and the next.
async fn movable(db: &TestDb) -> (Lead, i64, i64) {
    let (lead, next) = db.movable(|_| true).await;
    let here = lead.stage_id.0;
    (lead, here, next.0)
}

/// Moves the lead back and forth until a move is refused with 503 (or `max` moves pass);
/// every answer must be 200 or 503. Returns the 503's body.
async fn move_until_refused(
    client: &Client,
    secret: &str,
    db: &TestDb,
    lead: &Lead,
    stages: (i64, i64),
    max: usize,
) -> Option<serde_json::Value> {
    for _ in 0..max {
        let current = db.lead(lead.id).await;
        let to = if current.stage_id.0 == stages.0 {
            stages.1
        } else {
            stages.0
        };
        let mut req = bearer(
            Method::POST,
            &format!("/api/v1/leads/{}/move", lead.id),
            secret,
            Some(json!({"to_stage": to, "version": current.version})),
        );
        let (status, headers, body) = client.send_full(&mut req).await;
        match status {
            StatusCode::OK => continue,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(
                    headers.get("retry-after").map(|v| v.to_str().unwrap()),
                    Some("5"),
                    "a 503 says when to try again"
                );
                let after = db.lead(lead.id).await;
                assert_eq!(
                    after.version, current.version,
                    "a refused move changes nothing"
                );
                return Some(json_of(&body));
            }
            other => panic!("a move answered {other}: {body}"),
        }
    }
    None
}

/// Reads still work: the lead over REST, and readiness.
async fn reads_work(client: &Client, secret: &str, lead: &Lead) {
    let (status, body) = client
        .send(bearer(
            Method::GET,
            &format!("/api/v1/leads/{}", lead.id),
            secret,
            None,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "reads are served: {body}");
    let (status, body) = client
        .send(bearer(Method::GET, "/api/v1/leads?limit=5", secret, None))
        .await;
    assert_eq!(status, StatusCode::OK, "lists are served: {body}");
}

/// With the disk under `db` filled: a write is refused 503 "disk is full" and changes
/// nothing, reads are served, and once the filler is gone the next write goes through, in
/// the same process.
async fn full_disk_then_room(db: &TestDb, disk: &Path) {
    let (lead, a, b) = movable(db).await;
    let secret = editor_token(db, &lead).await;
    let client = Client::anonymous(db);
    let filler = fill(disk);
    let refused = move_until_refused(&client, &secret, db, &lead, (a, b), 400)
        .await
        .expect("with the disk full, a write is refused");
    assert_eq!(refused["error"]["code"], "unavailable", "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("disk is full"), "{message}");
    assert!(message.contains("nothing was saved"), "{message}");
    reads_work(&client, &secret, &lead).await;
    std::fs::remove_file(&filler).unwrap();
    assert!(
        move_until_refused(&client, &secret, db, &lead, (a, b), 3)
            .await
            .is_none(),
        "writes work again once there is room"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_full_disk_refuses_writes_with_503_and_recovers_when_there_is_room() {
    let disk = Tmpfs::mount(24);
    let db = TestDb::sqlite_at(&disk.dir.join("closeloop.db"))
        .await
        .with_demo(40)
        .await;
    full_disk_then_room(&db, &disk.dir).await;
    let (ok,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut *db.store.read().await.unwrap())
        .await
        .unwrap();
    assert_eq!(ok, "ok");
    db.finish().await;
}

/// Runs `sql` in the test cluster as its `postgres` superuser, over the local socket (only
/// a superuser makes tablespaces). The test command runs as root, next to the cluster.
fn as_postgres(sql: &str) {
    use std::io::Write;
    let url = std::env::var("CLOSELOOP_TEST_PG_URL").unwrap();
    let port = url
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next())
        .unwrap_or("5432");
    let mut psql = Command::new("su")
        .args([
            "postgres",
            "-c",
            &format!("psql -q -X -p {port} -v ON_ERROR_STOP=1"),
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("su postgres -c psql");
    psql.stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    assert!(psql.wait().unwrap().success(), "as postgres: {sql}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_full_disk_refuses_writes_with_503_and_recovers_when_there_is_room() {
    let disk = Tmpfs::mount(16);
    // The cluster's own user keeps its files there, and must reach the directory.
    let owned = Command::new("chown")
        .args(["postgres:postgres"])
        .arg(&disk.dir)
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        owned,
        "chown postgres: the test needs root and a local cluster"
    );
    let parent = disk.dir.parent().unwrap();
    std::fs::set_permissions(parent, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let db = TestDb::new(Kind::Postgres).await.with_demo(40).await;
    let url = db.url();
    let name = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    let role = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split([':', '@']).next())
        .unwrap();
    // The database's tables and indexes move to a tablespace on the small disk. The write-
    // ahead log stays on the cluster's own disk, as it would on a server whose data volume
    // filled up.
    let space = format!("{name}_space");
    as_postgres(&format!(
        "CREATE TABLESPACE {space} OWNER {role} LOCATION '{}'",
        disk.dir.display()
    ));
    let mut conn = PgConnection::connect(&url).await.unwrap();
    conn.execute(
        format!(
            "ALTER TABLE ALL IN TABLESPACE pg_default OWNED BY CURRENT_USER SET TABLESPACE {space}; \
             ALTER INDEX ALL IN TABLESPACE pg_default OWNED BY CURRENT_USER SET TABLESPACE {space}"
        )
        .as_str(),
    )
    .await
    .unwrap();
    let (moved,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pg_class c JOIN pg_tablespace t ON t.oid = c.reltablespace \
         WHERE t.spcname = $1 AND c.relname = 'events'",
    )
    .bind(&space)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(moved, 1, "the event log lives on the small disk");
    drop(conn);

    full_disk_then_room(&db, &disk.dir).await;
    db.finish().await;
    as_postgres(&format!("DROP TABLESPACE {space}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_read_only_database_refuses_writes_with_503_and_recovers() {
    let db = TestDb::new(Kind::Postgres).await.with_demo(40).await;
    let (lead, a, b) = movable(&db).await;
    let secret = editor_token(&db, &lead).await;
    let client = Client::anonymous(&db);
    let url = db.url();
    let name = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    let admin_url = std::env::var("CLOSELOOP_TEST_PG_URL").unwrap();
    // As a hot standby is: every transaction read-only. Open connections are cut, as a
    // failover cuts them; the pool opens new ones. (Only ours: an autovacuum worker on the
    // database belongs to the cluster's superuser and may not be cut.)
    let set_read_only = |on: bool| {
        let admin_url = admin_url.clone();
        let name = name.to_string();
        async move {
            let mut admin = PgConnection::connect(&admin_url).await.unwrap();
            admin
                .execute(
                    format!("ALTER DATABASE {name} SET default_transaction_read_only = {on}")
                        .as_str(),
                )
                .await
                .unwrap();
            admin
                .execute(
                    format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = '{name}' AND pid <> pg_backend_pid() \
                         AND usename = current_user"
                    )
                    .as_str(),
                )
                .await
                .unwrap();
        }
    };
    set_read_only(true).await;
    let refused = move_until_refused(&client, &secret, &db, &lead, (a, b), 5)
        .await
        .expect("a read-only database refuses the write");
    assert_eq!(refused["error"]["code"], "unavailable", "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("read-only"), "{message}");
    reads_work(&client, &secret, &lead).await;
    set_read_only(false).await;
    assert!(
        move_until_refused(&client, &secret, &db, &lead, (a, b), 3)
            .await
            .is_none(),
        "writes work again once the database is writable"
    );
    db.finish().await;
}
