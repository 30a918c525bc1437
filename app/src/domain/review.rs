//! One-on-one reviews: what changed on a rep's leads since the last review (from the event
//! log), and the actions agreed in a review.

use super::lead::{CloseReason, LeadId};
use super::policy::FindingKind;
use super::stage::{Pipelines, StageId, StageKind};
use super::time::Timestamp;
use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// The longest action text.
pub const MAX_ACTION: usize = 500;
/// The longest review notes.
pub const MAX_NOTES: usize = 20_000;
/// With no earlier review, "what changed" looks back this many days.
pub const FIRST_REVIEW_DAYS: i64 = 14;

/// One event about one of the rep's leads, as the review reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub at: Timestamp,
    pub kind: String,
    pub lead: LeadId,
    /// The lead's company, or its contact.
    pub title: String,
    pub payload: serde_json::Value,
}

/// What happened to a lead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    New,
    Moved {
        from: String,
        to: String,
    },
    Won,
    Lost {
        reason: Option<String>,
    },
    /// The policy flagged it (SLA breached, stale, no next step…).
    Breach {
        what: String,
    },
    /// Its next step went overdue, or was pushed to later.
    Slipped {
        why: String,
    },
    /// Its expected close date or commitment changed: the forecast moved.
    Forecast {
        what: String,
    },
}

impl Change {
    /// CSS modifier and filter key.
    pub fn class(&self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Moved { .. } => "moved",
            Change::Won => "won",
            Change::Lost { .. } => "lost",
            Change::Breach { .. } => "breach",
            Change::Slipped { .. } => "slipped",
            Change::Forecast { .. } => "forecast",
        }
    }

    /// The change in words: "Moved from Contacted to Qualified".
    pub fn text(&self) -> String {
        match self {
            Change::New => "New lead".into(),
            Change::Moved { from, to } => format!("Moved from {from} to {to}"),
            Change::Won => "Won".into(),
            Change::Lost { reason: Some(r) } => format!("Lost: {r}"),
            Change::Lost { reason: None } => "Lost".into(),
            Change::Breach { what } => format!("Flagged: {what}"),
            Change::Slipped { why } => format!("Slipped: {why}"),
            Change::Forecast { what } => format!("Forecast: {what}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeItem {
    pub at: Timestamp,
    pub lead: LeadId,
    pub title: String,
    pub change: Change,
}

/// How many of each change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeCounts {
    pub new: u32,
    pub moved: u32,
    pub won: u32,
    pub lost: u32,
    pub breaches: u32,
    pub slipped: u32,
    /// Expected close dates moved and commitments made or taken off.
    #[serde(default)]
    pub forecast: u32,
}

/// What changed in `entries` (any order), newest first, with the counts. A move into a won
/// or lost stage is a win or a loss, not a move; escalations, resolved findings, notes and
/// other bookkeeping are left out.
pub fn what_changed(entries: &[LogEntry], pipeline: &Pipelines) -> (ChangeCounts, Vec<ChangeItem>) {
    let stage = |v: &serde_json::Value| v.as_i64().and_then(|s| pipeline.get(StageId(s)));
    let mut counts = ChangeCounts::default();
    let mut items = Vec::new();
    for e in entries {
        let change = match e.kind.as_str() {
            "lead.created" => {
                counts.new += 1;
                Change::New
            }
            "lead.moved" => {
                let to = stage(&e.payload["after"]["stage_id"]);
                match to.map(|s| s.kind) {
                    Some(StageKind::Won) => {
                        counts.won += 1;
                        Change::Won
                    }
                    Some(StageKind::Lost) => {
                        counts.lost += 1;
                        Change::Lost {
                            reason: e.payload["after"]["close_reason"]
                                .as_str()
                                .and_then(CloseReason::parse)
                                .map(|r| r.label().to_string()),
                        }
                    }
                    _ => {
                        counts.moved += 1;
                        let name = |s: Option<&super::stage::Stage>| {
                            s.map_or_else(|| "another stage".to_string(), |s| s.name.clone())
                        };
                        Change::Moved {
                            from: name(stage(&e.payload["before"]["stage_id"])),
                            to: name(to),
                        }
                    }
                }
            }
            "finding.opened" => {
                match e.payload["kind"].as_str().and_then(FindingKind::parse) {
                    Some(FindingKind::NextStepOverdue) => {
                        counts.slipped += 1;
                        Change::Slipped {
                            why: "the next step went overdue".into(),
                        }
                    }
                    // "At risk" is a warning, not a breach.
                    Some(FindingKind::SlaAtRisk) | None => continue,
                    Some(k) => {
                        counts.breaches += 1;
                        Change::Breach {
                            what: k.label().to_string(),
                        }
                    }
                }
            }
            "lead.next_step" if e.payload["snoozed"].is_string() => {
                counts.slipped += 1;
                Change::Slipped {
                    why: format!(
                        "snoozed ({})",
                        e.payload["snoozed"].as_str().unwrap_or_default()
                    ),
                }
            }
            "lead.edited" => match forecast_change(&e.payload) {
                Some(what) => {
                    counts.forecast += 1;
                    Change::Forecast { what }
                }
                None => continue,
            },
            _ => continue,
        };
        items.push(ChangeItem {
            at: e.at,
            lead: e.lead,
            title: e.title.clone(),
            change,
        });
    }
    items.sort_by_key(|i| std::cmp::Reverse(i.at));
    (counts, items)
}

/// What an edit changed in the forecast, in words ("close date Jan 15 → Mar 31, committed"),
/// if anything: only the expected close date and the commitment count.
fn forecast_change(payload: &serde_json::Value) -> Option<String> {
    let (before, after) = (&payload["before"], &payload["after"]);
    let mut parts = Vec::new();
    if let Some(to) = after.get("expected_close") {
        let day = |v: &serde_json::Value| {
            v.as_str()
                .map_or_else(|| "none".to_string(), super::forecast::day_label)
        };
        parts.push(format!(
            "close date {} → {}",
            day(&before["expected_close"]),
            day(to)
        ));
    }
    match after.get("committed").and_then(|v| v.as_str()) {
        Some("Yes") => parts.push("committed".into()),
        Some(_) => parts.push("commitment taken off".into()),
        None => {}
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Everything that changed on one lead, in a line or two: a lead moved back and forth a
/// thousand times is one row ("Moved 1,000 times, now Quoted"), not a thousand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadChanges {
    pub lead: LeadId,
    pub title: String,
    /// The newest of its changes.
    pub at: Timestamp,
    /// How many changes, in all.
    pub count: u32,
    /// The changes in words, the most telling first.
    pub summary: Vec<String>,
    /// CSS modifier of the most telling change (`won`, `lost`, `breach`, `slipped`, `moved`,
    /// `new`).
    pub class: String,
}

/// `items` (newest first, as [`what_changed`] gives them) grouped by lead, the lead changed
/// most recently first.
pub fn by_lead(items: &[ChangeItem]) -> Vec<LeadChanges> {
    let mut order: Vec<LeadId> = Vec::new();
    let mut groups: std::collections::HashMap<LeadId, Vec<&ChangeItem>> =
        std::collections::HashMap::new();
    for i in items {
        let g = groups.entry(i.lead).or_default();
        if g.is_empty() {
            order.push(i.lead);
        }
        g.push(i);
    }
    let mut out: Vec<LeadChanges> = order
        .into_iter()
        .map(|lead| {
            let g = &groups[&lead];
            let mut summary = Vec::new();
            let mut class = "new";
            // The newest close-out says how the lead ended.
            if let Some(c) = g
                .iter()
                .find(|i| matches!(i.change, Change::Won | Change::Lost { .. }))
            {
                summary.push(c.change.text());
                class = c.change.class();
            }
            let moves: Vec<&ChangeItem> = g
                .iter()
                .copied()
                .filter(|i| matches!(i.change, Change::Moved { .. }))
                .collect();
            match moves.as_slice() {
                [] => {}
                [one] => summary.push(one.change.text()),
                [newest, ..] => {
                    if let Change::Moved { to, .. } = &newest.change {
                        summary.push(format!(
                            "Moved {} times, now in {to}",
                            super::roi::count_text(moves.len() as u32)
                        ));
                    }
                }
            }
            let mut flagged: Vec<(String, u32)> = Vec::new();
            for i in g.iter() {
                if let Change::Breach { what } = &i.change {
                    match flagged.iter_mut().find(|(w, _)| w == what) {
                        Some((_, n)) => *n += 1,
                        None => flagged.push((what.clone(), 1)),
                    }
                }
            }
            for (what, n) in &flagged {
                summary.push(if *n == 1 {
                    format!("Flagged: {what}")
                } else {
                    format!("Flagged: {what} ×{}", super::roi::count_text(*n))
                });
            }
            let slips: Vec<&ChangeItem> = g
                .iter()
                .copied()
                .filter(|i| matches!(i.change, Change::Slipped { .. }))
                .collect();
            match slips.as_slice() {
                [] => {}
                [one] => summary.push(one.change.text()),
                many => summary.push(format!(
                    "Slipped {} times",
                    super::roi::count_text(many.len() as u32)
                )),
            }
            let forecasts: Vec<&ChangeItem> = g
                .iter()
                .copied()
                .filter(|i| matches!(i.change, Change::Forecast { .. }))
                .collect();
            match forecasts.as_slice() {
                [] => {}
                [one] => summary.push(one.change.text()),
                [newest, ..] => {
                    if let Change::Forecast { what } = &newest.change {
                        summary.push(format!(
                            "Forecast changed {} times, last: {what}",
                            super::roi::count_text(forecasts.len() as u32)
                        ));
                    }
                }
            }
            if g.iter().any(|i| i.change == Change::New) {
                summary.push("New lead".into());
            }
            if class == "new" {
                class = if !flagged.is_empty() {
                    "breach"
                } else if !slips.is_empty() {
                    "slipped"
                } else if !moves.is_empty() {
                    "moved"
                } else if !forecasts.is_empty() {
                    "forecast"
                } else {
                    "new"
                };
            }
            LeadChanges {
                lead,
                title: g[0].title.clone(),
                at: g.iter().map(|i| i.at).max().unwrap_or(g[0].at),
                count: g.len() as u32,
                summary,
                class: class.to_string(),
            }
        })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.at));
    out
}

/// An action agreed in a review, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionInput {
    /// The lead it is about; it becomes that lead's next step.
    #[serde(default)]
    pub lead_id: Option<LeadId>,
    pub text: String,
    /// When it is due: a quick pick key (`tomorrow`, `in_three_days`, `next_week`); required
    /// with a lead (it is the next step's due date), optional without.
    #[serde(default)]
    pub due: Option<super::activity::QuickPick>,
}

impl ActionInput {
    /// The trimmed text, or the problems by field.
    pub fn check(&self) -> Result<String, Vec<FieldError>> {
        let text = self.text.trim();
        let mut problems = Vec::new();
        if text.is_empty() {
            problems.push(FieldError {
                field: "text".into(),
                message: "Say what was agreed".into(),
            });
        } else if text.chars().count() > MAX_ACTION {
            problems.push(FieldError {
                field: "text".into(),
                message: format!("At most {MAX_ACTION} characters"),
            });
        }
        if self.lead_id.is_some() && self.due.is_none() {
            problems.push(FieldError {
                field: "due".into(),
                message: "An action on a lead becomes its next step: pick when it is due".into(),
            });
        }
        if problems.is_empty() {
            Ok(text.to_string())
        } else {
            Err(problems)
        }
    }
}

/// Whether an agreed action is done: ticked, or (on a lead) the lead was touched or closed
/// after the action was agreed.
pub fn action_done(
    created_at: Timestamp,
    ticked_at: Option<Timestamp>,
    lead_touched_at: Option<Timestamp>,
    lead_closed_at: Option<Timestamp>,
) -> Option<Timestamp> {
    ticked_at.or_else(|| {
        [lead_touched_at, lead_closed_at]
            .into_iter()
            .flatten()
            .filter(|t| *t > created_at)
            .min()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stage::Stage;
    use serde_json::json;

    fn pipeline() -> Pipelines {
        let stage = |id: i64, name: &str, kind: StageKind| Stage {
            id: StageId(id),
            key: name.to_lowercase(),
            name: name.into(),
            position: id,
            kind,
            entry_criteria: Vec::new(),
            pipeline_id: crate::domain::PipelineId(1),
            probability: None,
            stale_days: None,
            retired: false,
        };
        Pipelines::single(vec![
            stage(1, "New", StageKind::Open),
            stage(2, "Contacted", StageKind::Open),
            stage(3, "Qualified", StageKind::Open),
            stage(8, "Won", StageKind::Won),
            stage(9, "Lost", StageKind::Lost),
        ])
    }

    fn entry(hours: i64, kind: &str, lead: i64, payload: serde_json::Value) -> LogEntry {
        LogEntry {
            at: Timestamp(hours * 3_600_000),
            kind: kind.into(),
            lead: LeadId(lead),
            title: format!("Lead {lead}"),
            payload,
        }
    }

    #[test]
    fn a_moved_close_date_or_commitment_is_a_forecast_change_other_edits_are_not() {
        let entries = vec![
            entry(
                1,
                "lead.edited",
                1,
                json!({"before": {"expected_close": "2027-01-15"}, "after": {"expected_close": "2027-03-31", "version": 4}}),
            ),
            entry(
                2,
                "lead.edited",
                1,
                json!({"before": {"committed": "No", "expected_close": null}, "after": {"committed": "Yes", "expected_close": "2027-02-01"}}),
            ),
            entry(
                3,
                "lead.edited",
                2,
                json!({"before": {"phone": null}, "after": {"phone": "555 0100"}}),
            ),
            entry(
                4,
                "lead.edited",
                3,
                json!({"before": {"committed": "Yes"}, "after": {"committed": "No"}}),
            ),
        ];
        let (counts, items) = what_changed(&entries, &pipeline());
        assert_eq!(counts.forecast, 3);
        let texts: Vec<String> = items.iter().map(|i| i.change.text()).collect();
        assert_eq!(
            texts,
            [
                "Forecast: commitment taken off",
                "Forecast: close date none → Feb 1, 2027, committed",
                "Forecast: close date Jan 15, 2027 → Mar 31, 2027",
            ]
        );
        let rows = by_lead(&items);
        assert_eq!(rows[1].class, "forecast");
        assert_eq!(
            rows[1].summary,
            ["Forecast changed 2 times, last: close date none → Feb 1, 2027, committed"]
        );
    }

    #[test]
    fn a_lead_moved_back_and_forth_a_thousand_times_is_one_row() {
        let moved =
            |from: i64, to: i64| json!({"before": {"stage_id": from}, "after": {"stage_id": to}});
        let mut entries = vec![entry(
            0,
            "lead.created",
            7,
            json!({"before": null, "after": {"stage_id": 1}}),
        )];
        for i in 0..1_000 {
            let (from, to) = if i % 2 == 0 { (1, 2) } else { (2, 1) };
            entries.push(entry(1 + i, "lead.moved", 7, moved(from, to)));
        }
        entries.push(entry(2_000, "finding.opened", 7, json!({"kind": "stale"})));
        entries.push(entry(2_001, "finding.opened", 7, json!({"kind": "stale"})));
        entries.push(entry(5, "lead.moved", 8, moved(2, 3)));
        let (counts, items) = what_changed(&entries, &pipeline());
        assert_eq!(counts.moved, 1_001, "true counts, not capped");
        let rows = by_lead(&items);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].lead, LeadId(7));
        assert_eq!(rows[0].count, 1_003);
        assert_eq!(
            rows[0].summary,
            [
                "Moved 1,000 times, now in New",
                "Flagged: Stale ×2",
                "New lead"
            ]
        );
        assert_eq!(rows[0].class, "breach");
        assert_eq!(rows[1].summary, ["Moved from Contacted to Qualified"]);
        assert_eq!(rows[1].class, "moved");
    }

    #[test]
    fn what_changed_counts_new_moves_wins_losses_breaches_and_slips() {
        let moved =
            |from: i64, to: i64| json!({"before": {"stage_id": from}, "after": {"stage_id": to}});
        let entries = vec![
            entry(
                1,
                "lead.created",
                1,
                json!({"before": null, "after": {"stage_id": 1}}),
            ),
            entry(2, "lead.moved", 1, moved(1, 2)),
            entry(3, "lead.moved", 2, moved(3, 8)),
            entry(
                4,
                "lead.moved",
                3,
                json!({"before": {"stage_id": 2}, "after": {"stage_id": 9, "close_reason": "no_budget"}}),
            ),
            entry(
                5,
                "finding.opened",
                4,
                json!({"kind": "sla_breached", "message": "…"}),
            ),
            entry(6, "finding.opened", 4, json!({"kind": "sla_at_risk"})),
            entry(7, "finding.opened", 5, json!({"kind": "next_step_overdue"})),
            entry(8, "lead.next_step", 6, json!({"snoozed": "They are away"})),
            // Bookkeeping the review leaves out.
            entry(9, "lead.next_step", 6, json!({"before": {}, "after": {}})),
            entry(10, "finding.resolved", 4, json!({"kind": "sla_breached"})),
            entry(11, "lead.logged", 1, json!({})),
            entry(12, "finding.escalated", 4, json!({"step": "remind_rep"})),
        ];
        let (counts, items) = what_changed(&entries, &pipeline());
        assert_eq!(
            counts,
            ChangeCounts {
                new: 1,
                moved: 1,
                won: 1,
                lost: 1,
                breaches: 1,
                slipped: 2,
                forecast: 0,
            }
        );
        let texts: Vec<(i64, String)> = items.iter().map(|i| (i.lead.0, i.change.text())).collect();
        assert_eq!(
            texts,
            vec![
                (6, "Slipped: snoozed (They are away)".to_string()),
                (5, "Slipped: the next step went overdue".to_string()),
                (4, "Flagged: SLA breached".to_string()),
                (3, "Lost: No budget".to_string()),
                (2, "Won".to_string()),
                (1, "Moved from New to Contacted".to_string()),
                (1, "New lead".to_string()),
            ]
        );
    }

    #[test]
    fn an_action_needs_words_and_a_due_date_when_it_is_on_a_lead() {
        let mut a = ActionInput {
            lead_id: None,
            text: "  Call the CFO  ".into(),
            due: None,
        };
        assert_eq!(a.check(), Ok("Call the CFO".to_string()));
        a.lead_id = Some(LeadId(7));
        assert_eq!(a.check().unwrap_err()[0].field, "due");
        a.due = Some(super::super::activity::QuickPick::Tomorrow);
        assert!(a.check().is_ok());
        a.text = " ".into();
        assert_eq!(a.check().unwrap_err()[0].field, "text");
        a.text = "x".repeat(MAX_ACTION + 1);
        assert_eq!(a.check().unwrap_err()[0].field, "text");
    }

    #[test]
    fn an_action_is_done_when_ticked_or_its_lead_was_touched_or_closed_after_it() {
        let t = |h: i64| Timestamp(h * 3_600_000);
        assert_eq!(action_done(t(10), None, None, None), None);
        assert_eq!(action_done(t(10), Some(t(12)), None, None), Some(t(12)));
        // A touch before the action does not count; one after does.
        assert_eq!(action_done(t(10), None, Some(t(9)), None), None);
        assert_eq!(action_done(t(10), None, Some(t(11)), None), Some(t(11)));
        assert_eq!(
            action_done(t(10), None, Some(t(9)), Some(t(15))),
            Some(t(15))
        );
    }
}
