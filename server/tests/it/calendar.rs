//! Calendar feeds (issue 27): a rep's next steps as an iCalendar subscription, read through the
//! real router and checked with an independent parser (the `ical` crate) and RFC 5545's rules
//! (required properties, CRLF lines of at most 75 octets); a change shows at the next fetch;
//! the address stops working when replaced, turned off, on a password reset, a deactivation
//! or a role without next steps; a manager's feed may add the team's overdue items.

use crate::both_backends;
use crate::http::Client;
use crate::support::TestDb;
use app::domain::account::UserChange;
use app::domain::activity::NextStepChange;
use app::domain::{NextStepKind, Role, StageKind};
use app::ssr::service::{self, calendar};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use ical::parser::ical::component::{IcalCalendar, IcalEvent};

const BASE: &str = "https://crm.example.test";

/// The secret part of a feed's address.
fn secret_of(url: &str) -> String {
    url.strip_prefix(&format!("{BASE}/calendar/"))
        .and_then(|s| s.strip_suffix(".ics"))
        .unwrap_or_else(|| panic!("not a feed address: {url}"))
        .to_string()
}

/// Fetches a feed as a calendar program would (no session): status and body.
async fn fetch(db: &TestDb, secret: &str) -> (StatusCode, String, String) {
    let client = Client::anonymous(db);
    let mut req = Request::get(format!("/calendar/{secret}.ics"))
        .header(header::HOST, "crm.example.test")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = client.send_full(&mut req).await;
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, kind, body)
}

/// Parses a feed with the independent parser, after checking the line rules of RFC 5545.
fn parse(text: &str) -> IcalCalendar {
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text:.200}");
    for line in text.split("\r\n") {
        assert!(!line.contains('\n'), "a bare LF inside a line: {line:?}");
        assert!(line.len() <= 75, "a line longer than 75 octets: {line:?}");
    }
    let mut calendars: Vec<IcalCalendar> =
        ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
            .map(|c| c.expect("the feed parses"))
            .collect();
    assert_eq!(calendars.len(), 1);
    let cal = calendars.remove(0);
    for required in ["VERSION", "PRODID"] {
        assert!(
            cal.properties.iter().any(|p| p.name == required),
            "no {required}"
        );
    }
    for event in &cal.events {
        for required in ["UID", "DTSTAMP", "DTSTART", "SUMMARY"] {
            assert!(
                value(event, required).is_some(),
                "an event without {required}"
            );
        }
    }
    cal
}

fn value<'a>(event: &'a IcalEvent, name: &str) -> Option<&'a str> {
    event
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

fn event_of<'a>(cal: &'a IcalCalendar, lead: i64, what: &str) -> Option<&'a IcalEvent> {
    let uid = format!("lead-{lead}-{what}@closeloop");
    cal.events.iter().find(|e| value(e, "UID") == Some(&uid))
}

both_backends!(a_reps_next_steps_arrive_in_their_calendar_until_the_address_ends);
async fn a_reps_next_steps_arrive_in_their_calendar_until_the_address_ends(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let dana = db.actor("dana").await;
    assert!(calendar::settings(&state, &dana)
        .await
        .unwrap()
        .feed
        .is_none());
    let issued = calendar::turn_on(&state, &dana, false, BASE).await.unwrap();
    let secret = secret_of(&issued.url);
    let (status, kind, text) = fetch(&db, &secret).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(kind, "text/calendar; charset=utf-8");
    let cal = parse(&text);

    // One event per open lead of hers with a next step, each linking back, with an alarm.
    let open: Vec<_> = db
        .all_leads()
        .await
        .into_iter()
        .filter(|l| {
            l.owner.as_ref().is_some_and(|o| o.id == dana.id.0)
                && l.closed_at.is_none()
                && l.next_step.is_some()
        })
        .collect();
    assert!(!open.is_empty());
    assert_eq!(cal.events.len(), open.len());
    for lead in &open {
        let event = event_of(&cal, lead.id.0, "next-step").expect("every next step is listed");
        let step = lead.next_step.as_ref().unwrap();
        let summary = value(event, "SUMMARY").unwrap();
        assert!(summary.contains(step.kind.label()), "{summary}");
        assert_eq!(
            summary.starts_with("First touch"),
            lead.first_touched_at.is_none(),
            "{summary}"
        );
        // Links point where the calendar reached this server (here plain http).
        assert_eq!(
            value(event, "URL"),
            Some(format!("http://crm.example.test/leads/{}", lead.id).as_str())
        );
        let alarm = event.alarms.first().expect("an alarm");
        let trigger = alarm
            .properties
            .iter()
            .find(|p| p.name == "TRIGGER")
            .and_then(|p| p.value.clone());
        assert!(
            matches!(trigger.as_deref(), Some("-PT10M" | "-PT600S")),
            "ten minutes before: {trigger:?}"
        );
    }
    // Nobody else's leads.
    let others = db
        .all_leads()
        .await
        .into_iter()
        .filter(|l| l.owner.as_ref().is_some_and(|o| o.id != dana.id.0))
        .take(50);
    for lead in others {
        assert!(event_of(&cal, lead.id.0, "next-step").is_none());
    }

    // A next step changed in the app: the next fetch has it, as a newer version of the event.
    let lead = &open[0];
    let before = event_of(&cal, lead.id.0, "next-step").unwrap();
    let (old_start, old_seq) = (
        value(before, "DTSTART").unwrap().to_string(),
        value(before, "SEQUENCE").unwrap().parse::<u32>().unwrap(),
    );
    let due = app::domain::Timestamp(4_102_444_800_000); // 2100-01-01T00:00:00Z
    service::work::set_next_step(
        &state,
        &dana,
        lead.id,
        NextStepChange {
            version: lead.version,
            kind: NextStepKind::Meeting,
            due_at: due,
            note: Some("Demo at their office".into()),
        },
    )
    .await
    .unwrap();
    let (_, _, text) = fetch(&db, &secret).await;
    let cal = parse(&text);
    let after = event_of(&cal, lead.id.0, "next-step").unwrap();
    assert_eq!(value(after, "DTSTART"), Some("21000101T000000Z"));
    assert_ne!(value(after, "DTSTART").unwrap(), old_start);
    assert!(value(after, "SEQUENCE").unwrap().parse::<u32>().unwrap() > old_seq);
    assert!(value(after, "SUMMARY").unwrap().contains("Meeting"));
    assert!(value(after, "DESCRIPTION")
        .unwrap()
        .contains("Demo at their office"));
    let settings = calendar::settings(&state, &dana).await.unwrap();
    assert!(settings.feed.unwrap().last_used_at.is_some());

    // Not a feed: malformed, unknown (the secret with its last character changed, to one
    // it is not: a secret may well end in "x").
    let last = if secret.ends_with('x') { 'y' } else { 'x' };
    for wrong in [
        "nothing",
        "clc_short",
        &format!("{}{last}", &secret[..secret.len() - 1]),
    ] {
        assert_eq!(fetch(&db, wrong).await.0, StatusCode::NOT_FOUND, "{wrong}");
    }
    // Replaced: the old address ends.
    let again = calendar::turn_on(&state, &dana, false, BASE).await.unwrap();
    let second = secret_of(&again.url);
    assert_eq!(fetch(&db, &secret).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&db, &second).await.0, StatusCode::OK);
    // Turned off.
    calendar::turn_off(&state, &dana).await.unwrap();
    assert_eq!(fetch(&db, &second).await.0, StatusCode::NOT_FOUND);
    assert!(calendar::settings(&state, &dana)
        .await
        .unwrap()
        .feed
        .is_none());

    // A password reset ends it, like every other credential.
    let third = secret_of(
        &calendar::turn_on(&state, &dana, false, BASE)
            .await
            .unwrap()
            .url,
    );
    assert_eq!(fetch(&db, &third).await.0, StatusCode::OK);
    let admin = db.actor("admin").await;
    service::accounts::reset_password(
        &state,
        Some(&admin),
        "dana@closeloop.example",
        "a brand new passphrase".into(),
    )
    .await
    .unwrap();
    assert_eq!(fetch(&db, &third).await.0, StatusCode::NOT_FOUND);

    // A role without next steps: the feed ends with it (it is read with today's rights).
    let dana = db.actor("dana").await;
    let fourth = secret_of(
        &calendar::turn_on(&state, &dana, false, BASE)
            .await
            .unwrap()
            .url,
    );
    service::accounts::update_user(
        &state,
        &admin,
        dana.id,
        UserChange {
            role: Role::Leadership,
            team_id: None,
            active: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(fetch(&db, &fourth).await.0, StatusCode::NOT_FOUND);
    // Back to rep, then deactivated: gone for good, not back on reactivation.
    service::accounts::update_user(
        &state,
        &admin,
        dana.id,
        UserChange {
            role: Role::Rep,
            team_id: dana.team_id,
            active: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(fetch(&db, &fourth).await.0, StatusCode::OK);
    for active in [false, true] {
        service::accounts::update_user(
            &state,
            &admin,
            dana.id,
            UserChange {
                role: Role::Rep,
                team_id: dana.team_id,
                active,
            },
        )
        .await
        .unwrap();
        assert_eq!(fetch(&db, &fourth).await.0, StatusCode::NOT_FOUND);
    }
    db
}

both_backends!(a_managers_feed_may_add_the_teams_overdue_items);
async fn a_managers_feed_may_add_the_teams_overdue_items(db: TestDb) -> TestDb {
    let db = db.with_demo(150).await;
    let state = db.state();
    let morgan = db.actor("morgan").await;
    let now = app::ssr::store::now();
    let pipeline = db.pipeline().await;
    let overdue: Vec<_> = db
        .all_leads()
        .await
        .into_iter()
        .filter(|l| {
            l.team_id.is_some_and(|t| morgan.managed_teams.contains(&t))
                && l.owner.as_ref().is_some_and(|o| o.id != morgan.id.0)
                && pipeline
                    .get(l.stage_id)
                    .is_some_and(|s| s.kind == StageKind::Open)
                && l.next_step.as_ref().is_some_and(|s| s.due_at < now)
        })
        .collect();
    assert!(!overdue.is_empty(), "the demo has overdue team work");

    let without = secret_of(
        &calendar::turn_on(&state, &morgan, false, BASE)
            .await
            .unwrap()
            .url,
    );
    let cal = parse(&fetch(&db, &without).await.2);
    assert!(cal
        .events
        .iter()
        .all(|e| !value(e, "UID").unwrap().contains("overdue")));

    let with = secret_of(
        &calendar::turn_on(&state, &morgan, true, BASE)
            .await
            .unwrap()
            .url,
    );
    let cal = parse(&fetch(&db, &with).await.2);
    for lead in overdue.iter().take(200) {
        let event = event_of(&cal, lead.id.0, "overdue").expect("each overdue item is listed");
        let owner = &lead.owner.as_ref().unwrap().name;
        assert!(value(event, "SUMMARY")
            .unwrap()
            .starts_with(&format!("Overdue at {owner}")));
        // An all-day event, today.
        let start = event
            .properties
            .iter()
            .find(|p| p.name == "DTSTART")
            .unwrap();
        assert!(start
            .params
            .as_ref()
            .is_some_and(|ps| ps.iter().any(|(k, v)| k == "VALUE" && v == &["DATE"])));
    }
    // Another team's overdue work stays out.
    assert!(cal.events.iter().all(|e| {
        let uid = value(e, "UID").unwrap();
        !uid.contains("overdue")
            || overdue
                .iter()
                .any(|l| uid == format!("lead-{}-overdue@closeloop", l.id))
    }));

    // A rep cannot ask for a team's items; roles without next steps have no feed.
    let dana = db.actor("dana").await;
    let e = calendar::turn_on(&state, &dana, true, BASE)
        .await
        .unwrap_err();
    assert_eq!(e.fields()[0].field, "include_team");
    for who in ["eleanor", "riley", "admin"] {
        let actor = db.actor(who).await;
        assert_eq!(
            calendar::turn_on(&state, &actor, false, BASE)
                .await
                .unwrap_err()
                .status(),
            403,
            "{who}"
        );
        assert_eq!(
            calendar::settings(&state, &actor)
                .await
                .unwrap_err()
                .status(),
            403
        );
    }
    db
}
