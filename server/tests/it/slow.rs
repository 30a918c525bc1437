//! Slow and greedy clients against the real server process (issue 9): slow-header and
//! slow-body clients (slowloris) are cut after the timeouts while others are served at once,
//! and beyond the connection limit new connections wait their turn instead of exhausting the
//! process's file descriptors. Timeouts are set short here (2 s) through the same settings an
//! operator uses.

use crate::support::{free_port, Kind, TestDb};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

const LIMIT: usize = 96;

async fn start(db: &TestDb) -> (Child, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_closeloop"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", db.url())
        .env("CLOSELOOP_SWEEP_SECONDS", "0")
        .env("CLOSELOOP_MAX_CONNECTIONS", LIMIT.to_string())
        .env("CLOSELOOP_HEADER_TIMEOUT_SECS", "2")
        .env("CLOSELOOP_BODY_TIMEOUT_SECS", "2")
        .env("RUST_LOG", "error")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..300 {
        if let Ok(r) = health(port).await {
            if r.starts_with("HTTP/1.0 200") {
                return (child, port);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

async fn health(port: u16) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await?;
    s.write_all(b"GET /api/v1/health HTTP/1.0\r\nHost: x\r\n\r\n")
        .await?;
    let mut out = String::new();
    s.read_to_string(&mut out).await?;
    Ok(out)
}

/// Whether the server has closed `s` (reads to the end within `within`).
async fn closed_by_server(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // a 408 or similar before the close
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_and_the_connection_limit_holds_the_rest_in_line() {
    let db = TestDb::new(Kind::Sqlite).await.with_demo(20).await;
    let (_server, port) = start(&db).await;

    // Slowloris: 40 clients dribbling a request head, 20 stalling mid-body.
    let mut slow = Vec::new();
    for i in 0..60 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        if i < 40 {
            s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .await
                .unwrap();
        } else {
            s.write_all(
                b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                  Content-Length: 1000\r\n\r\n{\"email\":",
            )
            .await
            .unwrap();
        }
        slow.push(s);
    }
    // A head that keeps trickling in: a byte every 300 ms does not reset the head's clock.
    let trickle = tokio::spawn({
        async move {
            for _ in 0..20 {
                for s in slow.iter_mut().take(40) {
                    let _ = s.write_all(b"a").await;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            slow
        }
    });
    // Meanwhile everyone else is served at once.
    let t0 = Instant::now();
    let answer = health(port).await.unwrap();
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    let served_in = t0.elapsed();
    assert!(
        served_in < Duration::from_secs(1),
        "served in {served_in:?} beside 60 slow clients"
    );
    let mut slow = trickle.await.unwrap();
    // By now (6 s in) every slow client has been cut.
    let mut cut = 0;
    for s in &mut slow {
        if closed_by_server(s, Duration::from_millis(500)).await {
            cut += 1;
        }
    }
    assert_eq!(
        cut, 60,
        "all 60 slow clients are cut after the 2 s timeouts"
    );

    // The limit: LIMIT idle connections take every slot; the next one waits until the head
    // timeout frees them, then is served.
    let mut idle = Vec::new();
    for _ in 0..LIMIT {
        idle.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t0 = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(15), health(port))
        .await
        .expect("served once the idle connections are cut")
        .unwrap();
    let waited = t0.elapsed();
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    assert!(
        waited >= Duration::from_millis(1200),
        "beyond the limit a connection waits its turn (waited {waited:?})"
    );
    println!(
        "slow clients: 60 cut; a normal request beside them served in {} ms; beyond the \
         {LIMIT}-connection limit one waited {} ms for a slot",
        served_in.as_millis(),
        waited.as_millis()
    );
    drop(idle);
    db.finish().await;
}
