//! The accept loop: HTTP/1.1 connections served by hyper, each in its own task.
//!
//! `axum::serve` sniffs every connection for HTTP/2 first; the sniffed bytes make hyper's first
//! read partial, and its read buffer then doubles to 16 KiB for the life of the connection. An
//! open live feed is an idle connection that lives for hours, so that buffer is most of what a
//! subscriber costs. Browsers speak HTTP/1.1 to a plain-HTTP server (HTTP/2 needs TLS, which a
//! proxy in front terminates), so this loop serves HTTP/1.1 only and keeps the 8 KiB buffer.
//!
//! Limits against slow or greedy clients: at most `max_connections` at once (the rest wait in
//! the listen queue, so the process never runs out of file descriptors), a request head must
//! arrive within `header_timeout`, and a request body may not stall for `body_timeout`.
//!
//! Shutdown: stop accepting, ask every connection to finish its current response, and give
//! them `DRAIN` to do so; live feeds end at the signal (see `LiveHub::close`), anything still
//! open after the drain is cut.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// How long in-flight responses get to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(5);

/// Limits on what clients may hold (`--max-connections`, `--header-timeout-secs`,
/// `--body-timeout-secs`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut conns = JoinSet::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let router = router.layer(RequestBodyTimeoutLayer::new(limits.body_timeout));
    tokio::pin!(shutdown);
    loop {
        // A free slot first: at the limit, new connections wait in the kernel's listen queue.
        let slot = tokio::select! {
            _ = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(s) => s,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Reap finished connections so the set does not grow with the server's lifetime.
        while conns.try_join_next().is_some() {}
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut stop = stop_rx.clone();
        conns.spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                router.clone().oneshot(req)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => log_end(r, peer),
                _ = async { drop(stop.wait_for(|s| *s).await) } => {
                    conn.as_mut().graceful_shutdown();
                    log_end(conn.await, peer);
                }
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    if tokio::time::timeout(DRAIN, async { while conns.join_next().await.is_some() {} })
        .await
        .is_err()
    {
        tracing::info!(
            open = conns.len(),
            "cutting connections still open after the drain"
        );
        conns.shutdown().await;
    }
    Ok(())
}

fn log_end(r: Result<(), hyper::Error>, peer: SocketAddr) {
    if let Err(e) = r {
        // Clients hanging up mid-response are routine; anything else is worth a line.
        if !e.is_incomplete_message() && !e.is_canceled() {
            tracing::debug!(%peer, error = %e, "connection ended with an error");
        }
    }
}
