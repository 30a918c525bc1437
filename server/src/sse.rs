//! `GET /api/v1/events`: the live feed as server-sent events.
//!
//! Subscribes to the hub first, then replays the log after the client's position
//! (`Last-Event-ID` on reconnect, `?after=` on first connect), then streams live events,
//! skipping any the replay already sent. A subscriber that lags behind the hub is disconnected;
//! its browser reconnects and replays from the log.
//!
//! Each subscriber receives only events about leads it may see (`access::view_lead`), checked
//! per event against the actor as of connecting; every feed here ends once the credential it
//! was opened with is signed out, revoked or its rights change ([`guarded`]).

use crate::rest::SignedIn;
use app::api::LiveEvent;
use app::domain::{access, Actor, Principal};
use app::error::AppError;
use app::ssr::auth::watch::{Held, Watch};
use app::ssr::auth::Identity;
use app::ssr::{service, AppState};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use futures::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_stream::wrappers::BroadcastStream;

/// A client this far behind is told to reload instead of being replayed to.
const MAX_REPLAY: usize = 5_000;
/// Most stored events one connect examines (in chunks of 1,000, each loading its leads): a
/// client further behind than that, or asking from the very start (`after=0`), is told to
/// reload instead, so a connect costs a bounded amount whatever the log's length.
const MAX_EXAMINED: usize = 5_000;

/// Ends `inner` once its credential no longer stands for who opened it (signed out, reset,
/// deactivated, revoked, or rights changed): checked at once when this instance changes a
/// credential or right, and every `recheck` in any case.
pub fn guarded<T: Send + 'static>(
    inner: impl Stream<Item = T> + Send + 'static,
    watch: Watch,
) -> impl Stream<Item = T> + Send {
    let every = watch.every();
    let mut tick = tokio::time::interval_at(Instant::now() + every, every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let inner = Box::pin(inner);
    stream::unfold(
        (inner, watch, tick),
        |(mut inner, mut watch, mut tick)| async move {
            loop {
                tokio::select! {
                    item = inner.next() => {
                        let item = item?;
                        if watch.changed() && !watch.still_valid().await {
                            return None;
                        }
                        return Some((item, (inner, watch, tick)));
                    }
                    _ = watch.next_change() => {
                        if !watch.still_valid().await {
                            return None;
                        }
                    }
                    _ = tick.tick() => {
                        if !watch.still_valid().await {
                            return None;
                        }
                    }
                }
            }
        },
    )
}

/// The watch over a signed-in request's credential.
fn watch_user(state: &AppState, identity: &Identity, actor: &Actor) -> Result<Watch, AppError> {
    let held = identity
        .credential
        .clone()
        .ok_or_else(|| AppError::Unauthorized {
            message: "Sign in to continue".into(),
        })?;
    Ok(Watch::new(state, held, Principal::User(actor.clone())))
}

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    after: Option<i64>,
}

/// The live feed: every committed change to a lead the asker may see, as server-sent events
/// named by kind (`lead.moved`, `lead.created`, …) whose data is the lead after the change.
/// Resumes after `Last-Event-ID` (or `?after=`).
#[utoipa::path(get, path = "/events", tag = "Live",
    params(("after" = Option<i64>, Query, description = "Event id to resume after")),
    responses((status = 200, description = "An endless event stream",
               content_type = "text/event-stream", body = String)))]
pub async fn events(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
    Query(query): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let header_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let after = header_id.or(query.after);
    // The feed carries lead changes: only people with a board may subscribe.
    access::view_board(&actor)?;
    let watch = watch_user(&state, &identity, &actor)?;

    let live = state.hub.subscribe();
    let mut backlog: Vec<LiveEvent> = Vec::new();
    let mut resync = false;
    // The newest event examined, visible to this subscriber or not: live events at or below it
    // were either replayed or are not for this subscriber.
    let mut last_sent = 0;
    if let Some(mut cursor) = after {
        let mut examined = 0;
        loop {
            if examined >= MAX_EXAMINED {
                resync = true;
                break;
            }
            let (chunk, last, rows) = service::replay_since(&state, &actor, cursor).await?;
            let Some(last) = last else { break };
            cursor = last;
            examined += rows;
            backlog.extend(chunk);
            if backlog.len() >= MAX_REPLAY {
                resync = true;
                break;
            }
        }
        last_sent = cursor;
    }

    let head: Vec<Result<Event, Infallible>> = if resync {
        vec![Ok(Event::default().event("resync").data("{}"))]
    } else {
        backlog.iter().map(|e| Ok(to_sse(e))).collect()
    };
    let tail = BroadcastStream::new(live)
        // A lagged receiver has lost events: end the stream so the client reconnects.
        .take_while(|r| futures::future::ready(r.is_ok()))
        .filter_map(move |r| {
            futures::future::ready(match r {
                Ok(e) if e.id > last_sent && service::visible_to(&actor, &e) => {
                    Some(Ok(to_sse(&e)))
                }
                _ => None,
            })
        });
    // Ends at shutdown, so the connection drains; the browser reconnects with its last id.
    let stream = guarded(stream::iter(head).chain(tail), watch).take_until(state.hub.closed());
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn to_sse(e: &LiveEvent) -> Event {
    let data = serde_json::to_string(e).unwrap_or_else(|_| "{}".into());
    Event::default()
        .id(e.id.to_string())
        .event(e.kind.key())
        .data(data)
}

/// `GET /api/imports/{id}/progress`: an import job's status as server-sent events named
/// `progress`: the current status first, then every change (a finished run's carries its
/// report). The stream lasts while the upload is kept; only the uploader may follow it.
pub async fn import_progress(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Extension(identity): Extension<Identity>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let rx = service::import_jobs::watch(&state, &actor, &id)?;
    let watch = watch_user(&state, &identity, &actor)?;
    let closed = state.hub.closed();
    let stream = stream::unfold((rx, true), |(mut rx, first)| async move {
        if !first && rx.changed().await.is_err() {
            return None;
        }
        let status = rx.borrow_and_update().clone();
        let data = serde_json::to_string(&status).unwrap_or_else(|_| "{}".into());
        Some((
            Ok(Event::default().event("progress").data(data)),
            (rx, false),
        ))
    });
    let stream = guarded(stream, watch).take_until(closed);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// `GET /api/wall/events/{token}` (a wall display) or `GET /api/wall/events` (signed in as
/// someone who may see the wall): what a wall hears live. Events named `win` carry a win to
/// announce (`domain::wall::WallWin`); `changed` says figures moved (the wall re-reads them).
/// Nothing is replayed: a wall that reconnects re-reads its whole view. The token is a path
/// segment, never a query string, and the access log writes only its first characters; the
/// feed ends when the token is revoked.
pub async fn wall_events_with_token(
    State(state): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let principal =
        app::ssr::auth::key_principal(&state, app::ssr::store::accounts::KeyKind::Wall, &token)
            .await?
            .ok_or_else(|| AppError::Unauthorized {
                message: "This wall link is not valid (revoked or mistyped)".into(),
            })?;
    let watch = Watch::new(&state, Held::wall(&token), principal.clone());
    wall_feed(state, principal, watch).await
}

/// The wall's live feed for a signed-in viewer (see [`wall_events_with_token`]).
pub async fn wall_events(
    State(state): State<AppState>,
    identity: Option<Extension<Identity>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let identity = identity.map(|Extension(i)| i).unwrap_or_default();
    let actor = app::ssr::auth::require(identity.actor.as_ref())?.clone();
    let watch = watch_user(&state, &identity, &actor)?;
    wall_feed(state, Principal::User(actor), watch).await
}

async fn wall_feed(
    state: AppState,
    principal: Principal,
    watch: Watch,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    use app::ssr::service::wall::{news_of, WallNews};
    access::view_wall(&principal)?;
    let pipeline = {
        let mut conn = state.store.read().await.map_err(|e| {
            tracing::error!("wall feed: acquire: {e}");
            AppError::internal()
        })?;
        state.store.pipeline(&mut conn).await.map_err(|e| {
            tracing::error!("wall feed: stages: {e}");
            AppError::internal()
        })?
    };
    let live = state.hub.subscribe();
    // Reconnect quickly after a restart; say hello so the wall knows it is connected.
    let hello = stream::iter([Ok(Event::default()
        .event("hello")
        .retry(std::time::Duration::from_millis(1_000))
        .data("{}"))]);
    let tail = BroadcastStream::new(live)
        .take_while(|r| futures::future::ready(r.is_ok()))
        .filter_map(move |r| {
            let news = r.ok().and_then(|e| news_of(&pipeline, &e));
            futures::future::ready(news.map(|n| {
                Ok(match n {
                    WallNews::Win(win) => Event::default()
                        .event("win")
                        .data(serde_json::to_string(&win).unwrap_or_else(|_| "{}".into())),
                    WallNews::Changed => Event::default().event("changed").data("{}"),
                })
            }))
        });
    let stream = guarded(hello.chain(tail), watch).take_until(state.hub.closed());
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
