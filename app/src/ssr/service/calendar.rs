//! Private calendar feeds: a rep's next steps (first-touch deadlines marked as such) as an
//! iCalendar subscription (RFC 5545) at `/calendar/<secret>.ics`, with an alarm before each;
//! a manager's feed may add the overdue next steps of the teams they manage.
//!
//! The secret is a credential of its own, shown once and stored hashed. The feed is built at
//! each fetch from the owner's current rights, so a role change shows at the next refresh; it
//! ends when turned off or replaced, and with the account's other credentials on a password
//! reset or deactivation.

use super::now;
use crate::domain::access::{self, Actor, Role};
use crate::domain::{Lead, NextStepKind, Timestamp};
use crate::error::AppError;
use crate::model::calendar::{CalendarFeedSettings, IssuedFeed};
use crate::ssr::auth::secret;
use crate::ssr::store::{calendar as store, events, leads};
use crate::ssr::AppState;
use chrono::{DateTime, TimeDelta, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, Trigger};
use serde_json::json;

/// What every feed secret starts with.
pub const FEED_PREFIX: &str = "clc_";
/// Random bytes in a feed secret (192 bits).
const FEED_BYTES: usize = 24;
/// How long before a next step its alarm goes off.
const ALARM_MINUTES: i64 = 10;
/// How often calendars are asked to fetch the feed again.
const REFRESH_MINUTES: i64 = 15;

/// The feed settings of `actor`.
pub async fn settings(state: &AppState, actor: &Actor) -> Result<CalendarFeedSettings, AppError> {
    access::calendar_feed(actor)?;
    let mut conn = state.store.read().await?;
    Ok(CalendarFeedSettings {
        feed: store::live_of(&mut conn, actor.id).await?,
        manages_team: actor.role == Role::Manager && !actor.managed_teams.is_empty(),
    })
}

/// Turns `actor`'s feed on (a new secret; the old address stops working): its address under
/// `base` (`https://crm.example.com`), shown this once.
pub async fn turn_on(
    state: &AppState,
    actor: &Actor,
    include_team: bool,
    base: &str,
) -> Result<IssuedFeed, AppError> {
    access::calendar_feed(actor)?;
    if include_team && actor.role != Role::Manager {
        return Err(AppError::field(
            "include_team",
            "Only a manager's feed can list the team's overdue items",
        ));
    }
    let secret = secret::random_secret(FEED_PREFIX, FEED_BYTES);
    let prefix: String = secret.chars().take(10).collect();
    let at = now();
    let mut tx = state.store.begin().await?;
    let id = store::replace(
        &mut tx,
        actor.id,
        &secret::digest(&secret),
        &prefix,
        include_team,
        at,
    )
    .await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "calendar_feed.issued",
            lead_id: None,
            payload: json!({"after": {"id": id, "prefix": prefix, "include_team": include_team}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedFeed {
        url: format!("{base}/calendar/{secret}.ics"),
    })
}

/// Turns `actor`'s feed off: its address stops working at once.
pub async fn turn_off(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    access::calendar_feed(actor)?;
    let at = now();
    let mut tx = state.store.begin().await?;
    let ended = store::revoke(&mut tx, actor.id, at).await?;
    if ended > 0 {
        events::append(
            &mut tx,
            &events::NewEvent {
                at,
                actor_id: Some(actor.id.0),
                kind: "calendar_feed.revoked",
                lead_id: None,
                payload: json!({"before": {"live": true}, "after": {"live": false}}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The feed behind `presented` (the secret from the address), as iCalendar text with links
/// under `base`; `None` for a secret that is malformed, unknown, turned off, or whose owner
/// may no longer have one.
pub async fn feed(
    state: &AppState,
    presented: &str,
    base: &str,
) -> Result<Option<String>, AppError> {
    if !secret::well_formed(presented, FEED_PREFIX, FEED_BYTES) {
        return Ok(None);
    }
    let at = now();
    let mut conn = state.store.read().await?;
    let Some((id, actor, include_team, used)) =
        store::by_hash(&mut conn, &secret::digest(presented)).await?
    else {
        return Ok(None);
    };
    if access::calendar_feed(&actor).is_err() {
        return Ok(None);
    }
    let mine = leads::open_owned_by(&mut conn, actor.id.0).await?;
    let team = match (include_team, actor.role) {
        (true, Role::Manager) => {
            let teams: Vec<i64> = actor.managed_teams.iter().map(|t| t.0).collect();
            leads::overdue_in_teams(&mut conn, &teams, actor.id.0, at).await?
        }
        _ => Vec::new(),
    };
    drop(conn);
    if used.is_none_or(|u| at.0 - u.0 > 60_000) {
        if let Ok(mut tx) = state.store.begin().await {
            if store::touch(&mut tx, id, at).await.is_ok() {
                let _ = tx.commit().await;
            }
        }
    }
    Ok(Some(render(&actor, &mine, &team, base, at)))
}

fn utc(t: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.0).unwrap_or_default()
}

/// The feed's text: one event per next step of `mine`, and one all-day event today per lead
/// of `team_overdue`.
pub fn render(
    actor: &Actor,
    mine: &[Lead],
    team_overdue: &[Lead],
    base: &str,
    at: Timestamp,
) -> String {
    let mut cal = Calendar::new();
    cal.name(&format!("Closeloop: {}", actor.name))
        .description("Next steps from Closeloop")
        .ttl(&TimeDelta::minutes(REFRESH_MINUTES));
    for lead in mine {
        let Some(step) = &lead.next_step else {
            continue;
        };
        let first = lead.first_touched_at.is_none();
        let summary = format!(
            "{}{}: {}",
            if first { "First touch · " } else { "" },
            step.kind.label(),
            lead.title()
        );
        let minutes = match step.kind {
            NextStepKind::Meeting => 30,
            _ => 15,
        };
        let url = format!("{base}/leads/{}", lead.id);
        let event = Event::new()
            .uid(&format!("lead-{}-next-step@closeloop", lead.id))
            .summary(&summary)
            .description(&describe(lead, step.note.as_deref(), &url))
            .starts(utc(step.due_at))
            .ends(utc(step.due_at.plus_ms(minutes * 60_000)))
            .url(&url)
            .sequence(u32::try_from(lead.version).unwrap_or(0))
            .last_modified(utc(lead.updated_at))
            .timestamp(utc(at))
            .alarm(Alarm::display(
                &summary,
                Trigger::before_start(TimeDelta::minutes(ALARM_MINUTES)),
            ))
            .done();
        cal.push(event);
    }
    let today = utc(at).date_naive();
    for lead in team_overdue {
        let Some(step) = &lead.next_step else {
            continue;
        };
        let owner = lead
            .owner
            .as_ref()
            .map_or("nobody", |o| o.name.as_str())
            .to_string();
        let url = format!("{base}/leads/{}", lead.id);
        let event = Event::new()
            .uid(&format!("lead-{}-overdue@closeloop", lead.id))
            .summary(&format!(
                "Overdue at {owner}: {} {} (due {})",
                step.kind.label(),
                lead.title(),
                step.due_at.short_date(0)
            ))
            .description(&describe(lead, step.note.as_deref(), &url))
            .all_day(today)
            .url(&url)
            .sequence(u32::try_from(lead.version).unwrap_or(0))
            .timestamp(utc(at))
            .done();
        cal.push(event);
    }
    cal.done().to_string()
}

/// An event's description: who, how to reach them, the step's note, and the way back.
fn describe(lead: &Lead, note: Option<&str>, url: &str) -> String {
    let mut lines = vec![match &lead.company {
        Some(c) => format!("{} at {c}", lead.contact_name),
        None => lead.contact_name.clone(),
    }];
    if let Some(p) = &lead.phone {
        lines.push(format!("Phone: {p}"));
    }
    if let Some(e) = &lead.email {
        lines.push(format!("E-mail: {e}"));
    }
    if let Some(n) = note.filter(|n| !n.trim().is_empty()) {
        lines.push(format!("Note: {n}"));
    }
    lines.push(format!("Open in Closeloop: {url}"));
    lines.join("\n")
}
