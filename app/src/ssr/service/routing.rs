//! Distribution: the assignment rules (settings), who is available, the rule tester, and the
//! routing of each new inquiry inside its intake transaction.

use super::now;
use crate::domain::access::{self, Actor};
use crate::domain::routing::{self, Assignment, Decision, Inquiry, RuleForm};
use crate::domain::time::{days_from_civil, DAY_MS};
use crate::domain::{LeadId, TeamId, Timestamp, UserId};
use crate::error::AppError;
use crate::model::routing::RoutingSettings;
use crate::ssr::store::routing::{self as store, RuleFields};
use crate::ssr::store::{accounts, events, Tx};
use crate::ssr::AppState;
use serde_json::json;

/// Most open leads a rep can be capped at.
pub const MAX_CAPACITY: i64 = 10_000;

/// The rules, teams, sources and reps, as the settings page shows them to `actor`.
pub async fn settings(state: &AppState, actor: &Actor) -> Result<RoutingSettings, AppError> {
    access::view_routing(actor)?;
    let mut conn = state.store.read().await?;
    let rules = store::rules(&mut conn).await?;
    let teams = accounts::teams(&mut conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let sources = accounts::sources(&mut conn).await?;
    let people = store::people(&mut conn).await?;
    Ok(RoutingSettings {
        rules,
        teams,
        sources,
        people,
        can_edit_rules: access::edit_routing(actor).is_ok(),
        availability_teams: match actor.role {
            crate::domain::Role::Admin => None,
            _ => Some(actor.managed_teams.clone()),
        },
        now: now(),
    })
}

/// Adds (`id` none) or changes a rule.
pub async fn save_rule(
    state: &AppState,
    actor: &Actor,
    id: Option<i64>,
    form: RuleForm,
) -> Result<i64, AppError> {
    access::edit_routing(actor)?;
    let at = now();
    let mut tx = state.store.begin().await?;
    let teams: Vec<TeamId> = accounts::teams(&mut tx)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let sources: Vec<i64> = accounts::sources(&mut tx)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let (name, conditions, team_id, strategy) =
        form.check(&teams, &sources).map_err(AppError::fields_of)?;
    let stored = RuleFields {
        name: &name,
        active: form.active,
        conditions: &conditions,
        team_id,
        strategy,
    };
    let id = match id {
        Some(id) => {
            if !store::update_rule(&mut tx, id, &stored, at).await? {
                return Err(AppError::not_found("There is no such rule"));
            }
            id
        }
        None => store::insert_rule(&mut tx, &stored, at).await?,
    };
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "routing.rule_saved",
            lead_id: None,
            payload: json!({"after": {"id": id, "name": name, "active": form.active,
                "conditions": conditions, "team_id": team_id, "strategy": strategy.key()}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_rule(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    access::edit_routing(actor)?;
    let mut tx = state.store.begin().await?;
    if !store::delete_rule(&mut tx, id).await? {
        return Err(AppError::not_found("There is no such rule"));
    }
    events::append(
        &mut tx,
        &events::NewEvent {
            at: now(),
            actor_id: Some(actor.id.0),
            kind: "routing.rule_deleted",
            lead_id: None,
            payload: json!({"before": {"id": id}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a rule one place up or down the order.
pub async fn move_rule(state: &AppState, actor: &Actor, id: i64, up: bool) -> Result<(), AppError> {
    access::edit_routing(actor)?;
    let mut tx = state.store.begin().await?;
    if !store::move_rule(&mut tx, id, up).await? {
        return Err(AppError::field(
            "id",
            if up {
                "That rule is already first"
            } else {
                "That rule is already last"
            },
        ));
    }
    events::append(
        &mut tx,
        &events::NewEvent {
            at: now(),
            actor_id: Some(actor.id.0),
            kind: "routing.rule_moved",
            lead_id: None,
            payload: json!({"after": {"id": id, "up": up}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// "2026-12-24" → the first instant of the next day (UTC): away until and including that day.
fn parse_away(raw: &str) -> Result<Option<Timestamp>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let bad = || format!("\"{raw}\" is not a date like 2026-12-24");
    let mut parts = raw.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let (y, m, d): (i64, u32, u32) = match (y.parse(), m.parse(), d.parse()) {
        (Ok(y), Ok(m), Ok(d)) if (2000..=2200).contains(&y) && (1..=12).contains(&m) => (y, m, d),
        _ => return Err(bad()),
    };
    let days = days_from_civil(y, m, d);
    // Refuses 2026-02-31 and the like: the day must come back as written.
    if crate::domain::time::civil_from_days(days) != (y, m, d) {
        return Err(bad());
    }
    Ok(Some(Timestamp((days + 1) * DAY_MS)))
}

/// Sets a rep's capacity ("" = no cap) and the last day they are away ("" = available).
pub async fn set_availability(
    state: &AppState,
    actor: &Actor,
    user: UserId,
    capacity: &str,
    away_until: &str,
) -> Result<(), AppError> {
    let mut conn = state.store.read().await?;
    let rep = store::people(&mut conn)
        .await?
        .into_iter()
        .find(|p| p.id == user)
        .ok_or_else(|| AppError::not_found("There is no such rep"))?;
    drop(conn);
    access::edit_availability(actor, rep.team_id)?;
    let mut errors = Vec::new();
    let capacity = match capacity.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(n) if (0..=MAX_CAPACITY).contains(&n) => Some(n),
            _ => {
                errors.push((
                    "capacity",
                    format!("Capacity is a whole number of open leads, 0 to {MAX_CAPACITY}, or empty for no cap"),
                ));
                None
            }
        },
    };
    let away = parse_away(away_until).unwrap_or_else(|m| {
        errors.push(("away_until", m));
        None
    });
    if !errors.is_empty() {
        return Err(AppError::fields_of(errors));
    }
    let mut tx = state.store.begin().await?;
    store::set_availability(&mut tx, user, capacity, away).await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at: now(),
            actor_id: Some(actor.id.0),
            kind: "routing.availability_set",
            lead_id: None,
            payload: json!({"after": {"user_id": user.0, "capacity": capacity,
                                      "away_until": away.map(|t| t.0)}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The rule tester: where a lead with these facts would go now, step by step. Changes nothing.
pub async fn test_route(
    state: &AppState,
    actor: &Actor,
    inquiry: Inquiry,
) -> Result<Decision, AppError> {
    access::view_routing(actor)?;
    let mut conn = state.store.read().await?;
    let rules = store::rules(&mut conn).await?;
    let people = store::people(&mut conn).await?;
    Ok(routing::route(&rules, &inquiry, &people, now()))
}

/// Routes a new inquiry inside its intake transaction: the decision, with the rule's turn
/// advanced when a rep was chosen. The caller stores the owner on the lead.
pub async fn decide(
    tx: &mut Tx,
    inquiry: &Inquiry,
    at: Timestamp,
) -> Result<Decision, sqlx::Error> {
    let rules = store::rules(tx).await?;
    if rules.is_empty() {
        return Ok(Decision {
            assigned: None,
            trace: vec!["No assignment rules yet".into()],
        });
    }
    let people = store::people(tx).await?;
    let decision = routing::route(&rules, inquiry, &people, at);
    if let Some(a) = &decision.assigned {
        store::set_last_user(tx, a.rule_id, a.user_id).await?;
    }
    Ok(decision)
}

/// The rules and the reps' loads for a run of many inquiries in one transaction (an import):
/// read once, then kept up to date in memory as leads are given out, instead of re-read (and
/// every rep's open leads re-counted) for every row. Nothing else writes meanwhile: the run
/// holds the write transaction.
#[derive(Default)]
pub struct Batch(std::sync::Mutex<Option<(Vec<routing::Rule>, Vec<routing::Person>)>>);

impl Batch {
    /// Reads the rules and loads once.
    pub async fn load(&self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        let loaded = self.0.lock().map(|g| g.is_some()).unwrap_or(false);
        if !loaded {
            let rules = store::rules(tx).await?;
            let people = store::people(tx).await?;
            if let Ok(mut g) = self.0.lock() {
                *g = Some((rules, people));
            }
        }
        Ok(())
    }

    /// The decision from the batch's copy (loaded first), which it then advances: the rep's
    /// open leads and last assignment, the rule's turn. Writes nothing.
    pub fn decide(&self, inquiry: &Inquiry, at: Timestamp) -> Decision {
        let none = |trace: Vec<String>| Decision {
            assigned: None,
            trace,
        };
        let Ok(mut g) = self.0.lock() else {
            return none(Vec::new());
        };
        let Some((rules, people)) = g.as_mut() else {
            return none(Vec::new());
        };
        if rules.is_empty() {
            return none(vec!["No assignment rules yet".into()]);
        }
        let decision = routing::route(rules, inquiry, people, at);
        if let Some(a) = &decision.assigned {
            if let Some(p) = people.iter_mut().find(|p| p.id == a.user_id) {
                p.open_leads += 1;
                p.last_assigned_at = Some(at);
            }
            if let Some(r) = rules.iter_mut().find(|r| r.id == a.rule_id) {
                r.last_user_id = Some(a.user_id);
            }
        }
        decision
    }

    /// Writes each rule's turn (its last rep) as the batch left it.
    pub async fn save_turns(&self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        let turns: Vec<(i64, crate::domain::UserId)> = self
            .0
            .lock()
            .ok()
            .and_then(|g| {
                g.as_ref().map(|(rules, _)| {
                    rules
                        .iter()
                        .filter_map(|r| r.last_user_id.map(|u| (r.id, u)))
                        .collect()
                })
            })
            .unwrap_or_default();
        for (rule, user) in turns {
            store::set_last_user(tx, rule, user).await?;
        }
        Ok(())
    }
}

/// [`decide`] within a [`Batch`]: the same decision, from the batch's copy of the rules and
/// loads, which it then advances; the rule's turn is written at once.
pub async fn decide_in(
    tx: &mut Tx,
    batch: &Batch,
    inquiry: &Inquiry,
    at: Timestamp,
) -> Result<Decision, sqlx::Error> {
    batch.load(tx).await?;
    let decision = batch.decide(inquiry, at);
    if let Some(a) = &decision.assigned {
        store::set_last_user(tx, a.rule_id, a.user_id).await?;
    }
    Ok(decision)
}

/// The `lead.assigned` event of a routed lead.
pub async fn record(
    tx: &mut Tx,
    lead: LeadId,
    a: &Assignment,
    decision: &Decision,
    at: Timestamp,
) -> Result<i64, sqlx::Error> {
    events::append(tx, &assigned_event(lead, a, decision, at)).await
}

/// The `lead.assigned` event of a lead routed by a rule.
pub fn assigned_event(
    lead: LeadId,
    a: &Assignment,
    decision: &Decision,
    at: Timestamp,
) -> events::NewEvent<'static> {
    events::NewEvent {
        at,
        actor_id: None,
        kind: "lead.assigned",
        lead_id: Some(lead),
        payload: json!({
            "before": {"owner_id": null, "team_id": null},
            "after": {"owner_id": a.user_id.0, "team_id": a.team_id.0},
            "rule": {"id": a.rule_id, "name": a.rule_name, "strategy": a.strategy.key()},
            "trace": decision.trace,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn away_until_a_day_means_back_the_next_morning_utc() {
        let t = parse_away("2026-12-24").unwrap().unwrap();
        assert_eq!(t, Timestamp((days_from_civil(2026, 12, 25)) * DAY_MS));
        assert_eq!(parse_away(" ").unwrap(), None);
        for bad in [
            "24/12/2026",
            "2026-02-31",
            "2026-13-01",
            "tomorrow",
            "1999-01-01",
        ] {
            assert!(parse_away(bad).is_err(), "{bad}");
        }
    }
}
