//! Two real server processes on one PostgreSQL database: a move through one reaches a live
//! viewer of the other (LISTEN/NOTIFY carrying event ids), exactly once, and a viewer of the
//! instance that made the move also hears it exactly once.

use crate::support::{free_port, move_to, Kind, TestDb};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// A `closeloop serve` process, killed when dropped.
struct Instance {
    port: u16,
    _child: Child,
}

impl Instance {
    async fn start(database_url: &str) -> Instance {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_closeloop"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .expect("start closeloop");
        let instance = Instance {
            port,
            _child: child,
        };
        // Ready when health answers (polled: the process gives no other signal).
        for _ in 0..300 {
            if let Ok(r) = instance.request("GET", "/api/v1/health", "", "").await {
                if r.starts_with("HTTP/1.0 200") || r.starts_with("HTTP/1.1 200") {
                    return instance;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("instance on port {port} did not become healthy in 30 s");
    }

    /// One HTTP/1.0 request (no chunked encoding, the server closes when done).
    async fn request(
        &self,
        method: &str,
        path: &str,
        cookie: &str,
        body: &str,
    ) -> std::io::Result<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).await?;
        let req = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n\
             Cookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len(),
            port = self.port
        );
        s.write_all(req.as_bytes()).await?;
        let mut out = String::new();
        s.read_to_string(&mut out).await?;
        Ok(out)
    }

    /// Opens the live feed; the returned stream yields the raw SSE text.
    async fn subscribe(&self, cookie: &str) -> TcpStream {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let req = format!(
            "GET /api/v1/events HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nCookie: {cookie}\r\n\
             Accept: text/event-stream\r\n\r\n",
            self.port
        );
        s.write_all(req.as_bytes()).await.unwrap();
        s
    }
}

/// Reads SSE text until `count` events of `kind` have arrived (or 15 s pass); returns their
/// data lines.
async fn read_events(stream: &mut TcpStream, kind: &str, count: usize) -> Vec<String> {
    let mut text = String::new();
    let mut buf = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let found: Vec<String> = text
            .split("\n\n")
            .filter(|block| block.lines().any(|l| l == format!("event: {kind}")))
            .filter_map(|block| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: ").map(str::to_string))
            })
            .collect();
        if found.len() >= count {
            return found;
        }
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buf))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "only {} of {count} {kind} events in 15 s:\n{text}",
                    found.len()
                )
            })
            .unwrap();
        assert!(n > 0, "the live feed closed:\n{text}");
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_through_one_instance_appears_live_on_the_other_exactly_once() {
    let db = TestDb::new(Kind::Postgres).await.with_demo(80).await;
    let url = db.url();
    let a = Instance::start(&url).await;
    let b = Instance::start(&url).await;
    let cookie = db.quick_session("morgan").await;
    let manager = db.actor("morgan").await;
    let (lead, to) = db
        .movable(|l| app::domain::access::edit_lead(&manager, l).is_ok())
        .await;

    let mut on_b = b.subscribe(&cookie).await;
    let mut on_a = a.subscribe(&cookie).await;
    // The feeds are open once their response head arrives; only then is a move sure to be
    // heard rather than replayed (either is delivered, but this test is about the relay).
    for s in [&mut on_a, &mut on_b] {
        let mut head = [0u8; 15];
        s.read_exact(&mut head).await.unwrap();
        assert!(String::from_utf8_lossy(&head).contains("200"));
    }

    let body = serde_json::to_string(&move_to(to, lead.version)).unwrap();
    let reply = a
        .request(
            "POST",
            &format!("/api/v1/leads/{}/move", lead.id),
            &cookie,
            &body,
        )
        .await
        .unwrap();
    assert!(reply.starts_with("HTTP/1.0 200"), "{reply}");
    // A second move back, so "exactly once" is checked against a following event.
    let moved: app::domain::Lead =
        serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let body = serde_json::to_string(&move_to(lead.stage_id, moved.version)).unwrap();
    let reply = a
        .request(
            "POST",
            &format!("/api/v1/leads/{}/move", lead.id),
            &cookie,
            &body,
        )
        .await
        .unwrap();
    assert!(reply.starts_with("HTTP/1.0 200"), "{reply}");

    for (name, stream) in [
        ("B (other instance)", &mut on_b),
        ("A (same instance)", &mut on_a),
    ] {
        let events = read_events(stream, "lead.moved", 2).await;
        let leads: Vec<app::api::LiveEvent> = events
            .iter()
            .map(|d| serde_json::from_str(d).unwrap())
            .collect();
        assert_eq!(leads.len(), 2, "{name}: each move once, no duplicate");
        assert_eq!(leads[0].lead.id, lead.id, "{name}");
        assert_eq!(leads[0].lead.stage_id, to, "{name}: the first move first");
        assert_eq!(leads[1].lead.stage_id, lead.stage_id, "{name}");
        assert!(leads[0].id < leads[1].id, "{name}: in commit order");
    }
    drop((a, b));
    db.finish().await;
}
