//! The wall display: what a token's screen shows and who may change it, the figures it reads,
//! and the live feed that announces wins.

use crate::both_backends;
use crate::support::{move_to, TestDb};
use app::domain::activity::CloseOut;
use app::domain::wall::{WallConfig, WallPanel};
use app::domain::{CloseReason, Principal, StageKind};
use app::ssr::service::{self, wall, work};
use app::ssr::store::accounts::KeyKind;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use std::time::Duration;
use tower::ServiceExt;

/// Reads SSE frames until one is named `kind`; returns its data line.
async fn next_event(body: &mut Body, kind: &str) -> String {
    let mut buf = String::new();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .unwrap_or_else(|_| panic!("a {kind} event within 10 s"))
            .expect("stream still open")
            .expect("frame");
        if let Some(data) = frame.data_ref() {
            buf.push_str(&String::from_utf8_lossy(data));
        }
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            if event.lines().any(|l| l == format!("event: {kind}")) {
                return event
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap_or_default()
                    .to_string();
            }
        }
    }
}

async fn open_feed(
    state: &app::ssr::AppState,
    path: &str,
    cookie: Option<&str>,
) -> (StatusCode, Body) {
    let mut req = Request::get(format!("/api/wall/events{path}"));
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let resp = server::router(state.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    (resp.status(), resp.into_body())
}

both_backends!(an_admin_sets_what_a_wall_shows_and_bad_choices_change_nothing);
async fn an_admin_sets_what_a_wall_shows_and_bad_choices_change_nothing(db: TestDb) -> TestDb {
    let db = db.with_demo(120).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let issued = service::keys::issue(&state, &admin, KeyKind::Wall, "Lobby", None)
        .await
        .unwrap();
    let tokens = service::keys::list(&state, &admin, KeyKind::Wall)
        .await
        .unwrap();
    let id = tokens.iter().find(|t| t.label == "Lobby").unwrap().id;
    let principal = Principal::Wall { token_id: id };
    // A new token shows every panel, 90 days, 20 seconds each.
    let view = wall::view(&state, &principal).await.unwrap();
    assert_eq!(view.config, WallConfig::default());

    let events = db.event_count().await;
    let bad = WallConfig {
        panels: vec![],
        days: 7,
        seconds: 1,
    };
    let err = wall::configure(&state, &admin, id, bad).await.unwrap_err();
    assert_eq!(err.status(), 422);
    let fields: Vec<&str> = err.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["panels", "days", "seconds"]);
    // Only admins choose.
    let eleanor = db.actor("eleanor").await;
    let chosen = WallConfig {
        panels: vec![WallPanel::Wins, WallPanel::Roi],
        days: 30,
        seconds: 12,
    };
    let err = wall::configure(&state, &eleanor, id, chosen.clone())
        .await
        .unwrap_err();
    assert_eq!(err.status(), 403);
    assert_eq!(db.event_count().await, events, "nothing written");
    assert_eq!(
        wall::view(&state, &principal).await.unwrap().config,
        WallConfig::default()
    );

    wall::configure(&state, &admin, id, chosen.clone())
        .await
        .unwrap();
    let view = wall::view(&state, &principal).await.unwrap();
    assert_eq!(view.config, chosen);
    let listed = service::keys::list(&state, &admin, KeyKind::Wall)
        .await
        .unwrap();
    assert_eq!(
        listed.iter().find(|t| t.id == id).unwrap().wall,
        Some(chosen.clone())
    );
    assert_eq!(db.event_count().await, events + 1, "wall_token.configured");

    // A revoked token's screen cannot be changed, and its secret opens nothing.
    service::keys::revoke(&state, &admin, KeyKind::Wall, id)
        .await
        .unwrap();
    let err = wall::configure(&state, &admin, id, WallConfig::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), 404);
    let (status, _) = open_feed(&state, &format!("/{}", issued.secret), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    db
}

both_backends!(the_wall_reads_the_month_the_wins_and_the_pipeline_from_the_data);
async fn the_wall_reads_the_month_the_wins_and_the_pipeline_from_the_data(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let eleanor = db.actor("eleanor").await;
    let view = wall::view(&state, &Principal::User(eleanor.clone()))
        .await
        .unwrap();
    let pipeline = db.pipeline().await;
    let leads = db.all_leads().await;
    let won = |l: &app::domain::Lead| pipeline.get(l.stage_id).unwrap().kind == StageKind::Won;
    // This month's wins (in the organisation's time zone), counted from the leads themselves.
    let zone = state
        .store
        .policies(&mut db.store.read().await.unwrap())
        .await
        .unwrap()
        .org
        .calendar
        .zone
        .clone();
    let (since, name) = app::domain::wall::month_start(view.now, &zone);
    assert_eq!(view.month_name, name);
    let month: Vec<_> = leads
        .iter()
        .filter(|l| won(l) && l.closed_at.is_some_and(|c| c >= since))
        .collect();
    assert_eq!(view.month_wins, month.len() as i64);
    let usd: i64 = month
        .iter()
        .filter_map(|l| l.value.filter(|v| v.currency.code() == "USD"))
        .map(|v| v.cents)
        .sum();
    assert_eq!(
        view.month_won
            .iter()
            .find(|m| m.currency.code() == "USD")
            .map_or(0, |m| m.cents),
        usd
    );
    // The newest wins, newest first, as many as the wall keeps.
    let mut all_won: Vec<_> = leads.iter().filter(|l| won(l)).collect();
    all_won.sort_by_key(|l| std::cmp::Reverse((l.closed_at, l.id.0)));
    assert!(!view.wins.is_empty());
    assert_eq!(
        view.wins.len(),
        all_won.len().min(app::domain::wall::WALL_WINS)
    );
    for (w, l) in view.wins.iter().zip(&all_won) {
        assert_eq!(
            w.name,
            l.company.clone().unwrap_or_else(|| l.contact_name.clone())
        );
        assert_eq!(Some(w.at), l.closed_at);
    }
    // Open leads per stage on the pipeline panel.
    for s in pipeline
        .stages()
        .iter()
        .filter(|s| s.kind == StageKind::Open)
    {
        let n = leads.iter().filter(|l| l.stage_id == s.id).count() as i64;
        let shown = view
            .summaries
            .iter()
            .find(|c| c.stage_id == s.id)
            .map_or(0, |c| c.count);
        assert_eq!(shown, n, "{}", s.name);
    }
    // ROI by channel is the ROI report's, and its chart is drawn.
    let roi = service::roi::report(
        &state,
        &eleanor,
        app::api::roi::RoiQuery::last(view.config.days),
    )
    .await
    .unwrap();
    assert_eq!(view.total, roi.total);
    assert!(view.channel_chart.starts_with("<svg"));
    assert!(view.funnel_chart.starts_with("<svg"));
    // Team compliance: one row per team with leads.
    assert!(!view.teams.is_empty());
    // A rep may not open the wall.
    let dana = db.actor("dana").await;
    let err = wall::view(&state, &Principal::User(dana))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 403);
    db
}

both_backends!(a_win_reaches_an_open_wall_feed_and_other_changes_say_changed);
async fn a_win_reaches_an_open_wall_feed_and_other_changes_say_changed(db: TestDb) -> TestDb {
    let db = db.with_demo(80).await;
    let state = db.state();
    let admin = db.actor("admin").await;
    let token = service::keys::issue(&state, &admin, KeyKind::Wall, "TV", None)
        .await
        .unwrap()
        .secret;
    let token_id = service::keys::list(&state, &admin, KeyKind::Wall)
        .await
        .unwrap()[0]
        .id;
    // Who may listen: the token, leadership and admins; not a rep, not a bad token.
    let (status, _) = open_feed(&state, "/clw_not-a-token", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = open_feed(&state, "", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let rep = db.quick_session("dana").await;
    let (status, _) = open_feed(&state, "", Some(&rep)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let boss = db.quick_session("eleanor").await;
    let (status, _) = open_feed(&state, "", Some(&boss)).await;
    assert_eq!(status, StatusCode::OK);

    let (status, mut feed) = open_feed(&state, &format!("/{token}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let hello = next_event(&mut feed, "hello").await;
    assert_eq!(hello, "{}");

    // A move between open stages: figures changed, nothing to announce.
    let new = db.stage("new").await;
    let contacted = db.stage("contacted").await;
    let lead = db
        .find(|l, _| l.stage_id == new && l.owner.is_some() && l.company.is_some())
        .await;
    let editor = db.editor_of(&lead).await;
    let moved = service::move_lead(&state, &editor, lead.id, move_to(contacted, lead.version))
        .await
        .unwrap();
    assert_eq!(next_event(&mut feed, "changed").await, "{}");

    // A win: announced with the company, the owner and the value, and no contact details.
    let won = work::close_out(
        &state,
        &editor,
        moved.id,
        CloseOut::Won {
            version: moved.version,
            value: "12,400".into(),
        },
    )
    .await
    .unwrap();
    let data = next_event(&mut feed, "win").await;
    let win: app::domain::wall::WallWin = serde_json::from_str(&data).unwrap();
    assert_eq!(Some(win.name.clone()), won.company);
    assert_eq!(win.owner, won.owner.as_ref().map(|o| o.name.clone()));
    assert_eq!(win.value.unwrap().cents, 1_240_000);
    if let Some(email) = &won.email {
        assert!(!data.contains(email.as_str()), "{data}");
    }
    // The wall's next read lists it first.
    let view = wall::view(&state, &Principal::Wall { token_id })
        .await
        .unwrap();
    assert_eq!(view.wins[0].event_id, win.event_id);

    // A loss is a change, not a win.
    let other = db
        .find(|l, p| p.get(l.stage_id).unwrap().kind == StageKind::Open && l.id != won.id)
        .await;
    let editor = db.editor_of(&other).await;
    work::close_out(
        &state,
        &editor,
        other.id,
        CloseOut::Lost {
            version: other.version,
            reason: Some(CloseReason::NoBudget),
            note: None,
        },
    )
    .await
    .unwrap();
    let next = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = String::new();
        loop {
            let frame = feed.frame().await.unwrap().unwrap();
            if let Some(d) = frame.data_ref() {
                buf.push_str(&String::from_utf8_lossy(d));
            }
            if let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                if !event.starts_with(':') {
                    return event;
                }
            }
        }
    })
    .await
    .unwrap();
    assert!(next.contains("event: changed"), "{next}");
    db
}
