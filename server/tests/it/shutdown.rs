//! Graceful shutdown of the real server process (issue 9): on SIGTERM it stops accepting, ends
//! the live streams (so browsers reconnect elsewhere at once instead of being cut after the
//! drain), finishes the request in flight, and exits 0 well within the drain time.

use crate::api::editor_token;
use crate::support::{free_port, Kind, TestDb};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::Command;

/// Reads one HTTP/1.1 response (head and a Content-Length body) from a kept-alive connection.
async fn response(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).await.expect("read the head");
        assert!(
            n > 0,
            "closed before a response: {}",
            String::from_utf8_lossy(&buf)
        );
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).await.expect("read the body");
    head + &String::from_utf8_lossy(&body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_live_streams_finishes_the_request_in_flight_and_exits_cleanly() {
    let db = TestDb::new(Kind::Sqlite).await.with_demo(40).await;
    let (lead, to) = db.movable(|_| true).await;
    let secret = editor_token(&db, &lead).await;
    let cookie = db.quick_session("morgan").await;
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_closeloop"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", db.url())
        .env("CLOSELOOP_SWEEP_SECONDS", "0")
        .env("RUST_LOG", "error")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // A kept-alive connection, once the server answers on it.
    let mut conn = loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await {
            s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            if response(&mut s).await.starts_with("HTTP/1.1 200") {
                break s;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // A live stream, open.
    let mut live = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    live.write_all(
        format!(
            "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\
             Accept: text/event-stream\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut head = [0u8; 15];
    live.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200 OK", "the live feed is open");

    // A move sent, then the signal while it is in flight.
    let body = format!(r#"{{"to_stage":{},"version":{}}}"#, to.0, lead.version);
    conn.write_all(
        format!(
            "POST /api/v1/leads/{}/move HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {secret}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            lead.id,
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    let signalled = Instant::now();
    let pid = server.id().unwrap().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap()
        .success());

    let answer = response(&mut conn).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the move in flight is answered: {answer}"
    );
    assert_eq!(db.lead(lead.id).await.stage_id, to, "and it is saved");

    // The live stream ends by itself, well before the 5 s drain would cut it.
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), live.read_to_end(&mut rest))
        .await
        .expect("the live stream ends within 3 s of the signal")
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(4), server.wait())
        .await
        .expect("the server exits within 4 s of the signal")
        .unwrap();
    assert!(status.success(), "exit status {status}");
    println!(
        "shutdown: exited {:.0} ms after SIGTERM",
        signalled.elapsed().as_secs_f64() * 1000.0
    );
    db.finish().await;
}
