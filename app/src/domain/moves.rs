//! The stage-move rule: may this lead enter that stage, and what does it look like afterwards?
//!
//! `apply_move` is the single decision used by the server (which enforces it inside the write
//! transaction) and by the browser (which previews it while a card is dragged).

use super::lead::{CloseReason, Lead};
use super::stage::{Pipelines, StageId, StageKind};
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest close-out note accepted, in characters.
pub const MAX_CLOSE_NOTE: usize = 500;

/// A request to move a lead, as sent by the board or the REST API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    /// The stage to enter.
    pub to_stage: StageId,
    /// The lead version this move was decided on; a stale version is a conflict.
    pub version: i64,
    /// Required when entering a lost stage.
    #[serde(default)]
    pub close_reason: Option<CloseReason>,
    /// Required with the reason `other`; optional otherwise.
    #[serde(default)]
    pub close_note: Option<String>,
}

/// A request to give a lead to another owner, based on the version the client saw.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub owner: super::access::UserId,
    pub version: i64,
}

/// Why a move was refused, against which input field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveRejection {
    /// The request or lead field to point at: `to_stage`, `close_reason`, `value`, …
    pub field: &'static str,
    /// A sentence a rep can act on.
    pub message: String,
}

impl MoveRejection {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        MoveRejection {
            field,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for MoveRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Decides a move and returns the lead as it will be stored (version and timestamps advanced),
/// or the reason it is refused. The version check itself belongs to the store, which sees the
/// committed row; this function judges the rules on the lead it is given.
pub fn apply_move(
    pipeline: &Pipelines,
    lead: &Lead,
    request: &MoveRequest,
    now: Timestamp,
) -> Result<Lead, MoveRejection> {
    let target = pipeline.get(request.to_stage).ok_or_else(|| {
        MoveRejection::new(
            "to_stage",
            format!("Stage {} does not exist in this pipeline", request.to_stage),
        )
    })?;
    if target.retired {
        return Err(MoveRejection::new(
            "to_stage",
            format!("{} is retired: choose another stage", target.name),
        ));
    }
    if let Some(p) = pipeline.pipeline(target.pipeline_id).filter(|p| p.retired) {
        return Err(MoveRejection::new(
            "to_stage",
            format!(
                "The pipeline \"{}\" is retired: choose a stage of another",
                p.name
            ),
        ));
    }
    if lead.stage_id == target.id {
        return Err(MoveRejection::new(
            "to_stage",
            format!("This lead is already in {}", target.name),
        ));
    }

    let note = request
        .close_note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(n) = note {
        if n.chars().count() > MAX_CLOSE_NOTE {
            return Err(MoveRejection::new(
                "close_note",
                format!("The close-out note is longer than {MAX_CLOSE_NOTE} characters"),
            ));
        }
    }

    let mut moved = lead.clone();
    match target.kind {
        StageKind::Lost => {
            let reason = request.close_reason.ok_or_else(|| {
                MoveRejection::new(
                    "close_reason",
                    format!("{} needs a close-out reason", target.name),
                )
            })?;
            if reason == CloseReason::Other && note.is_none() {
                return Err(MoveRejection::new(
                    "close_note",
                    "The reason \"Other\" needs a note saying what happened",
                ));
            }
            moved.close_reason = Some(reason);
            moved.close_note = note.map(str::to_string);
        }
        StageKind::Won | StageKind::Open => {
            if request.close_reason.is_some() {
                return Err(MoveRejection::new(
                    "close_reason",
                    format!(
                        "A close-out reason is only given when a lead is lost, not when it enters {}",
                        target.name
                    ),
                ));
            }
            moved.close_reason = None;
            moved.close_note = if target.kind == StageKind::Won {
                note.map(str::to_string)
            } else {
                None
            };
        }
    }

    if let Some(criterion) = pipeline.unmet_criterion(target, lead) {
        return Err(MoveRejection::new(
            criterion.field(),
            format!("{} needs {}", target.name, criterion.requirement()),
        ));
    }

    if let Some(field) = pipeline.missing_field(target, &lead.fields) {
        return Err(MoveRejection {
            field: "fields",
            message: format!("{} needs {}", target.name, field.label),
        });
    }

    moved.stage_id = target.id;
    moved.stage_entered_at = now;
    moved.updated_at = now;
    moved.version = lead.version + 1;
    if target.kind.is_closed() {
        moved.closed_at = Some(now);
        // Nothing is due on a closed lead; a stale next step would count as overdue.
        moved.next_step = None;
    } else {
        moved.closed_at = None;
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lead::tests::sample_lead;
    use crate::domain::stage::tests::default_pipeline;

    const NOW: Timestamp = Timestamp(1_800_000_000_000);

    fn request(to: i64) -> MoveRequest {
        MoveRequest {
            to_stage: StageId(to),
            version: 3,
            close_reason: None,
            close_note: None,
        }
    }

    #[test]
    fn a_valid_move_changes_the_stage_and_advances_version_and_clock() {
        let lead = sample_lead();
        let moved = apply_move(&default_pipeline(), &lead, &request(2), NOW).unwrap();
        assert_eq!(moved.stage_id, StageId(2));
        assert_eq!(moved.version, lead.version + 1);
        assert_eq!(moved.stage_entered_at, NOW);
        assert_eq!(moved.updated_at, NOW);
        assert_eq!(moved.closed_at, None);
    }

    #[test]
    fn a_move_to_an_unknown_stage_is_rejected_against_to_stage() {
        let err = apply_move(&default_pipeline(), &sample_lead(), &request(99), NOW).unwrap_err();
        assert_eq!(err.field, "to_stage");
        assert!(err.message.contains("does not exist"), "{err}");
    }

    #[test]
    fn a_lead_moves_into_another_pipeline_but_never_into_a_retired_stage() {
        let p = crate::domain::stage::tests::two_pipelines();
        let moved = apply_move(&p, &sample_lead(), &request(11), NOW).unwrap();
        assert_eq!(p.of_stage(moved.stage_id).unwrap().name, "Renewals");
        let err = apply_move(&p, &sample_lead(), &request(14), NOW).unwrap_err();
        assert_eq!(err.field, "to_stage");
        assert_eq!(err.message, "Old is retired: choose another stage");
        // A retired pipeline takes no lead, whatever its stages.
        let mut pipelines = p.pipelines().to_vec();
        pipelines[1].retired = true;
        let p = crate::domain::Pipelines::new(pipelines, p.stages().to_vec());
        let err = apply_move(&p, &sample_lead(), &request(11), NOW).unwrap_err();
        assert_eq!(err.field, "to_stage");
        assert_eq!(
            err.message,
            "The pipeline \"Renewals\" is retired: choose a stage of another"
        );
    }

    #[test]
    fn a_move_to_the_current_stage_is_rejected() {
        let err = apply_move(&default_pipeline(), &sample_lead(), &request(1), NOW).unwrap_err();
        assert_eq!(err.field, "to_stage");
        assert_eq!(err.message, "This lead is already in New");
    }

    #[test]
    fn a_lost_lead_without_a_reason_is_rejected() {
        let err = apply_move(&default_pipeline(), &sample_lead(), &request(7), NOW).unwrap_err();
        assert_eq!(err.field, "close_reason");
        assert_eq!(err.message, "Lost needs a close-out reason");
    }

    #[test]
    fn a_lost_lead_with_a_reason_is_closed_and_its_next_step_cleared() {
        let mut req = request(7);
        req.close_reason = Some(CloseReason::NoBudget);
        req.close_note = Some("  Budget frozen until Q3 ".into());
        let moved = apply_move(&default_pipeline(), &sample_lead(), &req, NOW).unwrap();
        assert_eq!(moved.close_reason, Some(CloseReason::NoBudget));
        assert_eq!(moved.close_note.as_deref(), Some("Budget frozen until Q3"));
        assert_eq!(moved.closed_at, Some(NOW));
        assert_eq!(moved.next_step, None);
    }

    #[test]
    fn the_reason_other_needs_a_note() {
        let mut req = request(7);
        req.close_reason = Some(CloseReason::Other);
        req.close_note = Some("   ".into());
        let err = apply_move(&default_pipeline(), &sample_lead(), &req, NOW).unwrap_err();
        assert_eq!(err.field, "close_note");
    }

    #[test]
    fn an_overlong_close_note_is_rejected() {
        let mut req = request(7);
        req.close_reason = Some(CloseReason::Other);
        req.close_note = Some("x".repeat(MAX_CLOSE_NOTE + 1));
        let err = apply_move(&default_pipeline(), &sample_lead(), &req, NOW).unwrap_err();
        assert_eq!(err.field, "close_note");
    }

    #[test]
    fn a_close_reason_on_a_move_to_an_open_stage_is_rejected() {
        let mut req = request(2);
        req.close_reason = Some(CloseReason::Duplicate);
        let err = apply_move(&default_pipeline(), &sample_lead(), &req, NOW).unwrap_err();
        assert_eq!(err.field, "close_reason");
    }

    #[test]
    fn a_stage_with_a_value_criterion_refuses_a_lead_without_a_value() {
        let mut lead = sample_lead();
        lead.value = None;
        let err = apply_move(&default_pipeline(), &lead, &request(3), NOW).unwrap_err();
        assert_eq!(err.field, "value");
        assert_eq!(err.message, "Qualified needs an estimated value");
    }

    #[test]
    fn a_zero_value_does_not_count_as_a_value() {
        let mut lead = sample_lead();
        lead.value.as_mut().unwrap().cents = 0;
        assert!(apply_move(&default_pipeline(), &lead, &request(6), NOW).is_err());
    }

    #[test]
    fn negotiating_needs_a_next_step() {
        let mut lead = sample_lead();
        lead.next_step = None;
        let err = apply_move(&default_pipeline(), &lead, &request(5), NOW).unwrap_err();
        assert_eq!(err.field, "next_step");
    }

    #[test]
    fn reopening_a_lost_lead_clears_its_close_out() {
        let mut req = request(7);
        req.close_reason = Some(CloseReason::NoResponse);
        let lost = apply_move(&default_pipeline(), &sample_lead(), &req, NOW).unwrap();
        let mut back = request(2);
        back.version = lost.version;
        let reopened = apply_move(&default_pipeline(), &lost, &back, NOW.plus_days(1)).unwrap();
        assert_eq!(reopened.closed_at, None);
        assert_eq!(reopened.close_reason, None);
        assert_eq!(reopened.close_note, None);
        assert_eq!(reopened.version, lost.version + 1);
    }

    #[test]
    fn a_won_lead_is_closed_without_a_reason() {
        let moved = apply_move(&default_pipeline(), &sample_lead(), &request(6), NOW).unwrap();
        assert_eq!(moved.closed_at, Some(NOW));
        assert_eq!(moved.close_reason, None);
    }

    #[test]
    fn unknown_fields_in_a_move_request_are_refused() {
        let json = r#"{"to_stage":2,"version":1,"stage":3}"#;
        assert!(serde_json::from_str::<MoveRequest>(json).is_err());
    }
}
