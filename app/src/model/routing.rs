//! Wire types of lead distribution: assignment rules, who is available, the tester.

use crate::domain::account::SourceSummary;
use crate::domain::routing::{Person, Rule};
use crate::domain::{TeamId, Timestamp};
use serde::{Deserialize, Serialize};

/// What the distribution settings page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingSettings {
    /// In the order they are tried.
    pub rules: Vec<Rule>,
    pub teams: Vec<(TeamId, String)>,
    pub sources: Vec<SourceSummary>,
    /// The reps rules choose from.
    pub people: Vec<Person>,
    pub can_edit_rules: bool,
    /// Whose availability the viewer may set: every team's (`None`) or these teams'.
    pub availability_teams: Option<Vec<TeamId>>,
    pub now: Timestamp,
}

impl RoutingSettings {
    pub fn team_name(&self, id: TeamId) -> String {
        self.teams
            .iter()
            .find(|(t, _)| *t == id)
            .map_or_else(|| "a removed team".into(), |(_, n)| n.clone())
    }

    pub fn may_set_availability(&self, team: Option<TeamId>) -> bool {
        match &self.availability_teams {
            None => true,
            Some(teams) => team.is_some_and(|t| teams.contains(&t)),
        }
    }
}
