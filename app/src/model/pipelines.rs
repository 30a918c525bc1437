//! The pipeline settings page as the server sends it, and what its actions answer.

use crate::domain::{PipelineId, Pipelines, StageId, TeamId, Timestamp};
use serde::{Deserialize, Serialize};

/// One saved change of a pipeline, for the history list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineChange {
    pub pipeline: PipelineId,
    pub version: i64,
    pub changes: Vec<String>,
    pub author: Option<String>,
    pub at: Timestamp,
}

/// Everything `/settings/pipelines` shows to one viewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineSettings {
    pub pipelines: Pipelines,
    /// The pipelines this viewer may change (admins: all; managers: their teams' when allowed).
    pub editable: Vec<PipelineId>,
    /// Whether the viewer creates pipelines, chooses their teams and lets managers edit.
    pub admin: bool,
    pub managers_may_edit: bool,
    pub teams: Vec<(TeamId, String)>,
    /// Leads in each stage now (a stage with leads is retired after they are moved).
    pub leads_in: Vec<(StageId, i64)>,
    /// The latest saved changes, newest first.
    pub history: Vec<PipelineChange>,
}

impl PipelineSettings {
    pub fn leads_in(&self, stage: StageId) -> i64 {
        self.leads_in
            .iter()
            .find(|(s, _)| *s == stage)
            .map_or(0, |(_, n)| *n)
    }
}

/// What retiring a stage did: its leads moved (or why some could not be), and whether the
/// stage is now off the board.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetireReport {
    pub moved: i64,
    /// (lead id, title, why it stayed)
    pub refused: Vec<(i64, String, String)>,
    pub retired: bool,
}
