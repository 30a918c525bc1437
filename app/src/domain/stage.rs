//! Pipeline stages: ordered, of kind open / won / lost, each with entry criteria held as data.

use super::lead::Lead;
use serde::{Deserialize, Serialize};

pub use super::ids::StageId;

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
    }
}

impl Criterion {
    /// The lead field a failure is reported against.
    pub fn field(self) -> &'static str {
        match self {
            Criterion::Value => "value",
            Criterion::NextStep => "next_step",
            Criterion::Contact => "email",
        }
    }

    /// What the lead needs, completing "<stage> needs …".
    pub fn requirement(self) -> &'static str {
        match self {
            Criterion::Value => "an estimated value",
            Criterion::NextStep => "a next step",
            Criterion::Contact => "an email address or phone number",
        }
    }

    pub fn holds(self, lead: &Lead) -> bool {
        match self {
            Criterion::Value => lead.value.is_some_and(|v| v.cents > 0),
            Criterion::NextStep => lead.next_step.is_some(),
            Criterion::Contact => lead.email.is_some() || lead.phone.is_some(),
        }
    }
}

/// One column of the pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Stage {
    pub id: StageId,
    /// Stable slug, e.g. `qualified`.
    pub key: String,
    pub name: String,
    /// Order on the board, ascending.
    pub position: i64,
    pub kind: StageKind,
    /// Must all hold for a lead to enter this stage.
    pub entry_criteria: Vec<Criterion>,
}

/// The ordered stages a lead moves through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Pipeline {
    stages: Vec<Stage>,
}

impl Pipeline {
    /// Builds a pipeline, ordering the stages by position.
    pub fn new(mut stages: Vec<Stage>) -> Self {
        stages.sort_by_key(|s| (s.position, s.id));
        Pipeline { stages }
    }

    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    pub fn get(&self, id: StageId) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The first stage of `kind` in pipeline order (where a close-out as won or lost goes).
    pub fn first_of(&self, kind: StageKind) -> Option<&Stage> {
        self.stages().iter().find(|s| s.kind == kind)
    }

    pub fn by_key(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key == key)
    }

    fn index_of(&self, id: StageId) -> Option<usize> {
        self.stages.iter().position(|s| s.id == id)
    }

    /// The stage after `id` on the board, if any.
    pub fn next(&self, id: StageId) -> Option<&Stage> {
        self.index_of(id).and_then(|i| self.stages.get(i + 1))
    }

    /// The stage before `id` on the board, if any.
    pub fn previous(&self, id: StageId) -> Option<&Stage> {
        self.index_of(id)
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| self.stages.get(i))
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
    pub fn default_pipeline() -> Pipeline {
        let s = |id: i64, key: &str, name: &str, kind, criteria: Vec<Criterion>| Stage {
            id: StageId(id),
            key: key.into(),
            name: name.into(),
            position: id * 10,
            kind,
            entry_criteria: criteria,
        };
        Pipeline::new(vec![
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

    #[test]
    fn criteria_round_trip_through_their_keys() {
        for c in Criterion::ALL {
            assert_eq!(Criterion::parse(c.key()), Some(c));
        }
        assert_eq!(Criterion::parse("budget"), None);
    }
}
