//! A pipeline as its settings page edits it: the name, the teams working in it and the stages
//! in order, as typed. The same checks run in the browser while an admin edits and on the
//! server when they save; [`describe_changes`] puts a saved version into words for the history.

use super::ids::{PipelineId, StageId, TeamId};
use super::stage::{Criterion, Pipelines, StageKind};
use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// Longest pipeline name, in characters.
pub const MAX_PIPELINE_NAME: usize = 60;
/// Longest stage name, in characters (a board column's heading).
pub const MAX_STAGE_NAME: usize = 40;
/// Most stages one pipeline may have on its board.
pub const MAX_STAGES: usize = 20;

/// One stage as typed. `id` is `None` for a stage added in this edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StageForm {
    pub id: Option<StageId>,
    pub name: String,
    pub kind: StageKind,
    /// Win probability in whole percent (open stages), as typed.
    pub probability: String,
    /// Stale limit in days, as typed; empty for none.
    pub stale_days: String,
    pub entry_criteria: Vec<Criterion>,
}

/// A pipeline as typed: stages in board order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PipelineForm {
    pub name: String,
    pub teams: Vec<TeamId>,
    pub stages: Vec<StageForm>,
}

/// A stage that passed the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedStage {
    pub id: Option<StageId>,
    pub name: String,
    pub kind: StageKind,
    pub probability: Option<u8>,
    pub stale_days: Option<u32>,
    pub entry_criteria: Vec<Criterion>,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

impl StageForm {
    /// A new open stage with no rules yet.
    pub fn blank(name: &str, kind: StageKind, probability: &str) -> Self {
        StageForm {
            id: None,
            name: name.into(),
            kind,
            probability: probability.into(),
            stale_days: String::new(),
            entry_criteria: Vec::new(),
        }
    }
}

impl PipelineForm {
    /// The form of pipeline `id` as it stands (its stages on the board, in order).
    pub fn of(pipelines: &Pipelines, id: PipelineId) -> Option<Self> {
        let p = pipelines.pipeline(id)?;
        Some(PipelineForm {
            name: p.name.clone(),
            teams: p.teams.clone(),
            stages: pipelines
                .board(id)
                .into_iter()
                .map(|s| StageForm {
                    id: Some(s.id),
                    name: s.name.clone(),
                    kind: s.kind,
                    probability: s.probability.map(|p| p.to_string()).unwrap_or_default(),
                    stale_days: s.stale_days.map(|d| d.to_string()).unwrap_or_default(),
                    entry_criteria: s.entry_criteria.clone(),
                })
                .collect(),
        })
    }

    /// A new pipeline's starting point: one open stage, won and lost.
    pub fn starter(name: &str) -> Self {
        PipelineForm {
            name: name.into(),
            teams: Vec::new(),
            stages: vec![
                StageForm::blank("New", StageKind::Open, "10"),
                StageForm {
                    entry_criteria: vec![Criterion::Value],
                    ..StageForm::blank("Won", StageKind::Won, "")
                },
                StageForm::blank("Lost", StageKind::Lost, ""),
            ],
        }
    }

    /// Adds an open stage after the last open one (closed stages stay at the end); returns
    /// its index.
    pub fn add_stage(&mut self) -> usize {
        let at = self
            .stages
            .iter()
            .rposition(|s| s.kind == StageKind::Open)
            .map_or(0, |i| i + 1);
        let mut n = self.stages.len() + 1;
        let taken = |name: &str, stages: &[StageForm]| {
            stages
                .iter()
                .any(|s| s.name.trim().eq_ignore_ascii_case(name))
        };
        while taken(&format!("Stage {n}"), &self.stages) {
            n += 1;
        }
        self.stages.insert(
            at,
            StageForm::blank(&format!("Stage {n}"), StageKind::Open, "50"),
        );
        at
    }

    /// Swaps stage `i` with its neighbour above (`up`) or below; false at the ends.
    pub fn move_stage(&mut self, i: usize, up: bool) -> bool {
        let j = if up { i.checked_sub(1) } else { Some(i + 1) };
        match j.filter(|j| *j < self.stages.len() && i < self.stages.len()) {
            Some(j) => {
                self.stages.swap(i, j);
                true
            }
            None => false,
        }
    }

    /// Checks every field; each problem names its field (`name`, `stages.2.probability`, …).
    pub fn check(&self) -> Result<Vec<CheckedStage>, Vec<FieldError>> {
        let mut problems = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            problems.push(err("name", "Give the pipeline a name"));
        } else if name.chars().count() > MAX_PIPELINE_NAME {
            problems.push(err(
                "name",
                format!("The pipeline's name is longer than {MAX_PIPELINE_NAME} characters"),
            ));
        }
        if self.stages.len() > MAX_STAGES {
            problems.push(err(
                "stages",
                format!("A pipeline has at most {MAX_STAGES} stages"),
            ));
        }
        let mut out = Vec::with_capacity(self.stages.len());
        let mut closed_seen: Option<&str> = None;
        for (i, s) in self.stages.iter().enumerate() {
            let field = |f: &str| format!("stages.{i}.{f}");
            let stage_name = s.name.trim();
            if stage_name.is_empty() {
                problems.push(err(field("name"), format!("Stage {} needs a name", i + 1)));
            } else if stage_name.chars().count() > MAX_STAGE_NAME {
                problems.push(err(
                    field("name"),
                    format!("\"{stage_name}\" is longer than {MAX_STAGE_NAME} characters"),
                ));
            } else if self.stages[..i]
                .iter()
                .any(|o| o.name.trim().eq_ignore_ascii_case(stage_name))
            {
                problems.push(err(
                    field("name"),
                    format!("There is already a stage called \"{stage_name}\" in this pipeline"),
                ));
            }
            match (s.kind, closed_seen) {
                (StageKind::Open, Some(closed)) => problems.push(err(
                    field("kind"),
                    format!(
                        "Open stages come before the won and lost ones: move \"{stage_name}\" above \"{closed}\""
                    ),
                )),
                (StageKind::Won | StageKind::Lost, None) => closed_seen = Some(stage_name),
                _ => {}
            }
            let probability = if s.kind == StageKind::Open {
                match s
                    .probability
                    .trim()
                    .trim_end_matches('%')
                    .trim()
                    .parse::<u8>()
                {
                    Ok(p) if p <= 100 => Some(p),
                    _ => {
                        problems.push(err(
                            field("probability"),
                            format!(
                                "The win probability of \"{stage_name}\" is a whole percent from 0 to 100"
                            ),
                        ));
                        None
                    }
                }
            } else {
                None
            };
            let stale = s.stale_days.trim();
            let stale_days = if stale.is_empty() {
                None
            } else {
                match stale.parse::<u32>() {
                    Ok(d) if (1..=365).contains(&d) => Some(d),
                    _ => {
                        problems.push(err(
                            field("stale_days"),
                            format!(
                                "The stale limit of \"{stage_name}\" is a number of days from 1 to 365, or empty for none"
                            ),
                        ));
                        None
                    }
                }
            };
            let mut criteria = s.entry_criteria.clone();
            criteria.dedup();
            out.push(CheckedStage {
                id: s.id,
                name: stage_name.to_string(),
                kind: s.kind,
                probability,
                stale_days,
                entry_criteria: criteria,
            });
        }
        for (kind, what) in [
            (StageKind::Open, "an open stage"),
            (StageKind::Won, "a won stage"),
            (StageKind::Lost, "a lost stage"),
        ] {
            if !self.stages.iter().any(|s| s.kind == kind) {
                problems.push(err("stages", format!("A pipeline needs {what}")));
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }
}

/// What saving `after` over pipeline `id` as it is in `before` changes, in words, in the order
/// an admin reads a change list: the name, the teams, then stage by stage. `team_names` names
/// the teams.
pub fn describe_changes(
    before: &Pipelines,
    id: PipelineId,
    name: &str,
    teams: &[TeamId],
    after: &[CheckedStage],
    team_names: &[(TeamId, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    let Some(old) = before.pipeline(id) else {
        out.push(format!("Created the pipeline \"{name}\""));
        return out;
    };
    if old.name != name {
        out.push(format!(
            "Renamed the pipeline \"{}\" to \"{name}\"",
            old.name
        ));
    }
    let team_name = |t: &TeamId| {
        team_names
            .iter()
            .find(|(id, _)| id == t)
            .map_or_else(|| format!("team {}", t.0), |(_, n)| n.clone())
    };
    for t in teams.iter().filter(|t| !old.teams.contains(t)) {
        out.push(format!("{} works in it", team_name(t)));
    }
    for t in old.teams.iter().filter(|t| !teams.contains(t)) {
        out.push(format!("{} no longer works in it", team_name(t)));
    }
    let board = before.board(id);
    for s in after {
        let Some(was) = s.id.and_then(|sid| board.iter().find(|b| b.id == sid)) else {
            out.push(format!("Added the {} stage \"{}\"", s.kind.key(), s.name));
            continue;
        };
        if was.name != s.name {
            out.push(format!("Renamed \"{}\" to \"{}\"", was.name, s.name));
        }
        if was.kind != s.kind {
            out.push(format!(
                "\"{}\" is now a {} stage (was {})",
                s.name,
                s.kind.key(),
                was.kind.key()
            ));
        }
        if was.probability != s.probability {
            out.push(format!(
                "Win probability of \"{}\": {} → {}",
                s.name,
                percent(was.probability),
                percent(s.probability)
            ));
        }
        if was.stale_days != s.stale_days {
            out.push(format!(
                "Stale limit of \"{}\": {} → {}",
                s.name,
                days(was.stale_days),
                days(s.stale_days)
            ));
        }
        if was.entry_criteria != s.entry_criteria {
            out.push(format!(
                "Entry criteria of \"{}\": {} → {}",
                s.name,
                criteria(&was.entry_criteria),
                criteria(&s.entry_criteria)
            ));
        }
    }
    for was in board
        .iter()
        .filter(|b| !after.iter().any(|s| s.id == Some(b.id)))
    {
        out.push(format!("Deleted the stage \"{}\"", was.name));
    }
    let old_order: Vec<StageId> = board
        .iter()
        .map(|s| s.id)
        .filter(|id| after.iter().any(|s| s.id == Some(*id)))
        .collect();
    let new_order: Vec<StageId> = after.iter().filter_map(|s| s.id).collect();
    if old_order != new_order {
        let names: Vec<&str> = after.iter().map(|s| s.name.as_str()).collect();
        out.push(format!("New order: {}", names.join(" → ")));
    }
    out
}

fn percent(p: Option<u8>) -> String {
    p.map_or_else(|| "none".into(), |p| format!("{p}%"))
}

fn days(d: Option<u32>) -> String {
    match d {
        None => "none".into(),
        Some(1) => "1 day".into(),
        Some(d) => format!("{d} days"),
    }
}

fn criteria(c: &[Criterion]) -> String {
    if c.is_empty() {
        "none".into()
    } else {
        c.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stage::tests::default_pipeline;

    fn form() -> PipelineForm {
        PipelineForm::of(&default_pipeline(), PipelineId(1)).unwrap()
    }

    fn fields(f: &PipelineForm) -> Vec<String> {
        f.check()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn the_default_pipeline_as_a_form_passes_its_own_checks_unchanged() {
        let checked = form().check().unwrap();
        assert_eq!(checked.len(), 7);
        assert!(describe_changes(
            &default_pipeline(),
            PipelineId(1),
            "Sales",
            &[],
            &checked,
            &[]
        )
        .is_empty());
    }

    #[test]
    fn each_bad_field_is_named_and_nothing_passes() {
        let mut f = form();
        f.name = "  ".into();
        f.stages[1].name = "new".into();
        f.stages[2].probability = "140".into();
        f.stages[3].stale_days = "0".into();
        assert_eq!(
            fields(&f),
            [
                "name",
                "stages.1.name",
                "stages.2.probability",
                "stages.3.stale_days"
            ]
        );
    }

    #[test]
    fn an_open_stage_below_a_closed_one_is_refused_naming_both() {
        let mut f = form();
        assert!(f.move_stage(4, false));
        let e = f.check().unwrap_err();
        assert_eq!(e[0].field, "stages.5.kind");
        assert!(
            e[0].message.contains("\"Negotiating\" above \"Won\""),
            "{e:?}"
        );
    }

    #[test]
    fn a_pipeline_without_a_won_or_lost_stage_is_refused() {
        let mut f = form();
        f.stages.retain(|s| s.kind != StageKind::Lost);
        let e = f.check().unwrap_err();
        assert_eq!(e[0].message, "A pipeline needs a lost stage");
    }

    #[test]
    fn a_new_stage_goes_after_the_open_ones_under_a_free_name() {
        let mut f = PipelineForm::starter("Renewals");
        let i = f.add_stage();
        assert_eq!(i, 1);
        assert_eq!(f.stages[1].name, "Stage 4");
        assert!(f.check().is_ok());
        assert!(!f.move_stage(0, true));
        assert!(!f.move_stage(3, false));
    }

    #[test]
    fn changes_are_put_in_words_stage_by_stage() {
        let before = default_pipeline();
        let mut f = form();
        f.stages[2].name = "Qualified lead".into();
        f.stages[2].probability = "50".into();
        f.stages[1].stale_days = "7".into();
        f.stages.remove(3);
        f.stages
            .insert(1, StageForm::blank("Demo", StageKind::Open, "30"));
        f.stages.swap(2, 3);
        let checked = f.check().unwrap();
        let words = describe_changes(
            &before,
            PipelineId(1),
            "Sales",
            &[TeamId(2)],
            &checked,
            &[(TeamId(2), "West".into())],
        );
        assert_eq!(
            words,
            [
                "West works in it",
                "Added the open stage \"Demo\"",
                "Renamed \"Qualified\" to \"Qualified lead\"",
                "Win probability of \"Qualified lead\": 45% → 50%",
                "Stale limit of \"Contacted\": none → 7 days",
                "Deleted the stage \"Quoted\"",
                "New order: New → Demo → Qualified lead → Contacted → Negotiating → Won → Lost",
            ]
        );
    }
}
