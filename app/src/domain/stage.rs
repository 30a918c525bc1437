//! Pipeline stages: ordered, of kind open / won / lost, each with entry criteria held as data.

use super::lead::Lead;
use serde::{Deserialize, Serialize};

pub use super::ids::{PipelineId, StageId, TeamId};

/// Whether a lead in the stage is still being worked, or closed out one way or the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

impl StageKind {
    pub fn key(self) -> &'static str {
        match self {
            StageKind::Open => "open",
            StageKind::Won => "won",
            StageKind::Lost => "lost",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        match key {
            "open" => Some(StageKind::Open),
            "won" => Some(StageKind::Won),
            "lost" => Some(StageKind::Lost),
            _ => None,
        }
    }

    pub fn is_closed(self) -> bool {
        self != StageKind::Open
    }
}

crate::keyed! {
    /// Something that must hold of a lead before it may enter a stage (the stage's exit criteria,
    /// checked at the door of the next one). Stored as its key in the stage's `entry_criteria`.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum Criterion {
        /// An estimated value (or, once quotes exist, an accepted quote) is recorded.
        Value => "value", "Value";
        /// A next step with a due time is set.
        NextStep => "next_step", "Next step";
        /// The lead can be reached: an email address or a phone number.
        Contact => "contact", "Contact";
        /// An expected close date is set (the forecast's month).
        CloseDate => "close_date", "Expected close date";
    }
}

impl Criterion {
    /// The lead field a failure is reported against.
    pub fn field(self) -> &'static str {
        match self {
            Criterion::Value => "value",
            Criterion::NextStep => "next_step",
            Criterion::Contact => "email",
            Criterion::CloseDate => "expected_close",
        }
    }

    /// What the lead needs, completing "<stage> needs …".
    pub fn requirement(self) -> &'static str {
        match self {
            Criterion::Value => "an estimated value",
            Criterion::NextStep => "a next step",
            Criterion::Contact => "an email address or phone number",
            Criterion::CloseDate => "an expected close date",
        }
    }

    pub fn holds(self, lead: &Lead) -> bool {
        match self {
            Criterion::Value => lead.value.is_some_and(|v| v.cents > 0),
            Criterion::NextStep => lead.next_step.is_some(),
            Criterion::Contact => lead.email.is_some() || lead.phone.is_some(),
            Criterion::CloseDate => lead.expected_close.is_some(),
        }
    }
}

/// One column of a pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Stage {
    pub id: StageId,
    /// Stable slug, e.g. `qualified`, unique across pipelines.
    pub key: String,
    pub name: String,
    /// Order on the board, ascending.
    pub position: i64,
    pub kind: StageKind,
    /// Must all hold for a lead to enter this stage.
    pub entry_criteria: Vec<Criterion>,
    pub pipeline_id: PipelineId,
    /// Chance, in percent, that a lead in this open stage is won: the forecast's weight.
    #[serde(default)]
    pub probability: Option<u8>,
    /// Days without a touch after which a lead here is stale, unless the follow-up policy
    /// sets a limit of its own for the stage.
    #[serde(default)]
    pub stale_days: Option<u32>,
    /// Taken off the board after its leads were moved: no lead may enter it, and its history
    /// keeps its name.
    #[serde(default)]
    pub retired: bool,
}

impl Stage {
    /// The chance a lead here is won, in percent: certain once won, none once lost.
    pub fn win_percent(&self) -> u8 {
        match self.kind {
            StageKind::Won => 100,
            StageKind::Lost => 0,
            StageKind::Open => self.probability.unwrap_or(0),
        }
    }
}

/// A sequence of stages some of the organisation's teams work their leads through, e.g. "New
/// business" or "Renewals".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Pipeline {
    pub id: PipelineId,
    pub name: String,
    /// Order in the board's pipeline switcher, ascending.
    pub position: i64,
    /// Increases by one with every saved change of the pipeline or its stages.
    pub version: i64,
    /// Retired pipelines take no new leads and are left off the switcher.
    pub retired: bool,
    /// The teams that work in it.
    pub teams: Vec<TeamId>,
}

/// The organisation's pipelines and all their stages. Stage ids are unique across pipelines,
/// so a lead's stage also names its pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Pipelines {
    pipelines: Vec<Pipeline>,
    stages: Vec<Stage>,
    /// Every custom field definition (of leads, contacts and companies, retired ones too):
    /// lead fields can be entry criteria of stages.
    #[serde(default)]
    fields: Vec<super::fields::FieldDef>,
}

impl Pipelines {
    /// Builds the set, pipelines by position and each pipeline's stages by position.
    pub fn new(mut pipelines: Vec<Pipeline>, mut stages: Vec<Stage>) -> Self {
        pipelines.sort_by_key(|p| (p.position, p.id));
        let rank = |id: PipelineId| pipelines.iter().position(|p| p.id == id);
        stages.sort_by_key(|s| (rank(s.pipeline_id), s.position, s.id));
        Pipelines {
            pipelines,
            stages,
            fields: Vec::new(),
        }
    }

    /// The same pipelines with these custom field definitions.
    pub fn with_fields(mut self, mut fields: Vec<super::fields::FieldDef>) -> Self {
        fields.sort_by_key(|f| (f.position, f.id));
        self.fields = fields;
        self
    }

    /// Every custom field definition, in drawer order.
    pub fn fields(&self) -> &[super::fields::FieldDef] {
        &self.fields
    }

    /// An organisation with one pipeline (id 1, "Sales") holding `stages`, worked by every team.
    pub fn single(stages: Vec<Stage>) -> Self {
        let sales = Pipeline {
            id: PipelineId(1),
            name: "Sales".into(),
            position: 10,
            version: 1,
            retired: false,
            teams: Vec::new(),
        };
        Pipelines::new(vec![sales], stages)
    }

    /// Every pipeline, retired ones included, in order.
    pub fn pipelines(&self) -> &[Pipeline] {
        &self.pipelines
    }

    /// The pipelines that take leads, in order.
    pub fn active(&self) -> impl Iterator<Item = &Pipeline> {
        self.pipelines.iter().filter(|p| !p.retired)
    }

    /// The stages leads can be in from now on: not retired, of a pipeline not retired.
    pub fn live_stages(&self) -> impl Iterator<Item = &Stage> {
        self.stages
            .iter()
            .filter(|s| !s.retired && self.pipeline(s.pipeline_id).is_none_or(|p| !p.retired))
    }

    /// True when there is more than one pipeline to tell apart.
    pub fn several(&self) -> bool {
        self.active().nth(1).is_some()
    }

    pub fn pipeline(&self, id: PipelineId) -> Option<&Pipeline> {
        self.pipelines.iter().find(|p| p.id == id)
    }

    /// The first pipeline that takes leads: where leads without a team start.
    pub fn default_pipeline(&self) -> Option<&Pipeline> {
        self.active().next()
    }

    /// The pipeline `team` works in first (the default one for no team, or a team listed in
    /// none).
    pub fn pipeline_for_team(&self, team: Option<TeamId>) -> Option<&Pipeline> {
        team.and_then(|t| self.active().find(|p| p.teams.contains(&t)))
            .or_else(|| self.default_pipeline())
    }

    /// The pipeline the stage belongs to.
    pub fn of_stage(&self, stage: StageId) -> Option<&Pipeline> {
        self.get(stage).and_then(|s| self.pipeline(s.pipeline_id))
    }

    /// Every stage of every pipeline, retired ones included, pipeline by pipeline in order.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The columns of `pipeline`'s board, in order (retired stages left out).
    pub fn board(&self, pipeline: PipelineId) -> Vec<&Stage> {
        self.stages
            .iter()
            .filter(|s| s.pipeline_id == pipeline && !s.retired)
            .collect()
    }

    pub fn get(&self, id: StageId) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The stage's name, after its pipeline's when there are several ("Renewals · Won").
    pub fn label(&self, id: StageId) -> String {
        let Some(stage) = self.get(id) else {
            return format!("stage {id}");
        };
        match self.of_stage(id).filter(|_| self.several()) {
            Some(p) => format!("{} · {}", p.name, stage.name),
            None => stage.name.clone(),
        }
    }

    /// The first stage of `kind` on `pipeline`'s board (where a close-out as won or lost goes).
    pub fn first_of(&self, pipeline: PipelineId, kind: StageKind) -> Option<&Stage> {
        self.board(pipeline).into_iter().find(|s| s.kind == kind)
    }

    /// Where a lead in `stage` goes when closed out as `kind`: the first such stage of its
    /// own pipeline.
    pub fn close_out(&self, stage: StageId, kind: StageKind) -> Option<&Stage> {
        let pipeline = self.get(stage)?.pipeline_id;
        self.first_of(pipeline, kind)
    }

    /// Where a new lead of `team` starts: the first open stage of its pipeline.
    pub fn entry_stage(&self, team: Option<TeamId>) -> Option<&Stage> {
        self.pipeline_for_team(team)
            .and_then(|p| self.first_of(p.id, StageKind::Open))
    }

    pub fn by_key(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key == key)
    }

    /// `id`'s board (its pipeline's columns) and its place on it.
    fn place_of(&self, id: StageId) -> Option<(Vec<&Stage>, usize)> {
        let stage = self.get(id)?;
        let board = self.board(stage.pipeline_id);
        let i = board.iter().position(|s| s.id == id)?;
        Some((board, i))
    }

    /// The stage after `id` on its pipeline's board, if any.
    pub fn next(&self, id: StageId) -> Option<&Stage> {
        let (board, i) = self.place_of(id)?;
        board.get(i + 1).copied()
    }

    /// The stage before `id` on its pipeline's board, if any.
    pub fn previous(&self, id: StageId) -> Option<&Stage> {
        let (board, i) = self.place_of(id)?;
        i.checked_sub(1).and_then(|i| board.get(i).copied())
    }

    /// The first criterion of `stage` that `lead` does not meet.
    pub fn unmet_criterion(&self, stage: &Stage, lead: &Lead) -> Option<Criterion> {
        stage
            .entry_criteria
            .iter()
            .copied()
            .find(|c| !c.holds(lead))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The default pipeline of DESIGN.md, with ids 1..=7.
    pub fn default_pipeline() -> Pipelines {
        let s = |id: i64, key: &str, name: &str, kind, criteria: Vec<Criterion>| Stage {
            id: StageId(id),
            key: key.into(),
            name: name.into(),
            position: id * 10,
            kind,
            entry_criteria: criteria,
            pipeline_id: PipelineId(1),
            probability: (kind == StageKind::Open).then_some(id as u8 * 15),
            stale_days: None,
            retired: false,
        };
        Pipelines::single(vec![
            s(
                3,
                "qualified",
                "Qualified",
                StageKind::Open,
                vec![Criterion::Value],
            ),
            s(1, "new", "New", StageKind::Open, vec![]),
            s(2, "contacted", "Contacted", StageKind::Open, vec![]),
            s(
                4,
                "quoted",
                "Quoted",
                StageKind::Open,
                vec![Criterion::Value],
            ),
            s(
                5,
                "negotiating",
                "Negotiating",
                StageKind::Open,
                vec![Criterion::NextStep],
            ),
            s(6, "won", "Won", StageKind::Won, vec![Criterion::Value]),
            s(7, "lost", "Lost", StageKind::Lost, vec![]),
        ])
    }

    #[test]
    fn stages_are_ordered_by_position_whatever_order_they_arrive_in() {
        let p = default_pipeline();
        let keys: Vec<_> = p.stages().iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "new",
                "contacted",
                "qualified",
                "quoted",
                "negotiating",
                "won",
                "lost"
            ]
        );
    }

    #[test]
    fn next_and_previous_follow_the_board_order_and_stop_at_the_ends() {
        let p = default_pipeline();
        assert_eq!(p.next(StageId(2)).unwrap().key, "qualified");
        assert_eq!(p.previous(StageId(2)).unwrap().key, "new");
        assert!(p.previous(StageId(1)).is_none());
        assert!(p.next(StageId(7)).is_none());
        assert!(p.next(StageId(99)).is_none());
    }

    /// The default pipeline plus "Renewals" (id 2, worked by team 2): Due, Renewed, Churned,
    /// and a retired stage between them.
    pub fn two_pipelines() -> Pipelines {
        let mut stages = default_pipeline().stages().to_vec();
        let s = |id: i64, name: &str, kind, position: i64, retired: bool| Stage {
            id: StageId(id),
            key: name.to_lowercase(),
            name: name.into(),
            position,
            kind,
            entry_criteria: vec![],
            pipeline_id: PipelineId(2),
            probability: (kind == StageKind::Open).then_some(30),
            stale_days: None,
            retired,
        };
        stages.extend([
            s(11, "Due", StageKind::Open, 1010, false),
            s(14, "Old", StageKind::Open, 1015, true),
            s(12, "Renewed", StageKind::Won, 1020, false),
            s(13, "Churned", StageKind::Lost, 1030, false),
        ]);
        let mut pipelines = Pipelines::single(Vec::new()).pipelines;
        pipelines[0].teams = vec![TeamId(1)];
        pipelines.push(Pipeline {
            id: PipelineId(2),
            name: "Renewals".into(),
            position: 20,
            version: 3,
            retired: false,
            teams: vec![TeamId(2)],
        });
        Pipelines::new(pipelines, stages)
    }

    #[test]
    fn each_pipeline_has_its_own_board_order_and_close_out_stages() {
        let p = two_pipelines();
        let due = StageId(11);
        let names = |id| {
            p.board(id)
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(PipelineId(2)), ["Due", "Renewed", "Churned"]);
        assert_eq!(names(PipelineId(1)).len(), 7);
        assert_eq!(
            p.next(due).unwrap().name,
            "Renewed",
            "the retired stage is skipped"
        );
        assert!(
            p.previous(due).is_none(),
            "no step back into another pipeline"
        );
        assert_eq!(p.close_out(due, StageKind::Lost).unwrap().name, "Churned");
        assert_eq!(
            p.close_out(StageId(2), StageKind::Lost).unwrap().name,
            "Lost"
        );
        assert_eq!(p.of_stage(due).unwrap().name, "Renewals");
        assert_eq!(p.label(due), "Renewals · Due");
        assert_eq!(p.label(StageId(1)), "Sales · New");
    }

    #[test]
    fn a_new_lead_starts_in_its_teams_first_pipeline_or_the_default_one() {
        let p = two_pipelines();
        assert_eq!(p.entry_stage(Some(TeamId(2))).unwrap().name, "Due");
        assert_eq!(p.entry_stage(Some(TeamId(1))).unwrap().name, "New");
        assert_eq!(p.entry_stage(Some(TeamId(9))).unwrap().name, "New");
        assert_eq!(p.entry_stage(None).unwrap().name, "New");
        assert!(!Pipelines::single(default_pipeline().stages().to_vec()).several());
        assert_eq!(
            default_pipeline().label(StageId(1)),
            "New",
            "one pipeline needs no name"
        );
    }

    #[test]
    fn a_stages_win_chance_is_its_probability_certain_once_won_none_once_lost() {
        let p = two_pipelines();
        assert_eq!(p.get(StageId(11)).unwrap().win_percent(), 30);
        assert_eq!(p.get(StageId(12)).unwrap().win_percent(), 100);
        assert_eq!(p.get(StageId(13)).unwrap().win_percent(), 0);
    }

    #[test]
    fn criteria_round_trip_through_their_keys() {
        for c in Criterion::ALL {
            assert_eq!(Criterion::parse(c.key()), Some(c));
        }
        assert_eq!(Criterion::parse("budget"), None);
    }
}
