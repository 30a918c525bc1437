//! Who may do what: roles, the signed-in actor, and one policy function per action.
//!
//! These functions are the only place access is decided. The service layer calls them before
//! every read and write; the UI calls the same functions only to hide what would be refused
//! anyway (a card a rep may not move is not draggable), never instead of the server.

use super::lead::Lead;
use serde::{Deserialize, Serialize};

pub use super::ids::{TeamId, UserId};

crate::keyed! {
    /// What a user is for. One role per user.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        /// Works their own leads.
        Rep => "rep", "Sales rep";
        /// Owns one or more teams: sees and edits their leads, reassigns within them.
        Manager => "manager", "Manager";
        /// Campaigns, spend, intake keys, ROI. No access to individual leads.
        Marketing => "marketing", "Marketing";
        /// Reads everything, changes nothing.
        Leadership => "leadership", "Leadership";
        /// Users, teams, stages and settings; reads leads to support people, changes none.
        Admin => "admin", "Admin";
    }
}

/// The signed-in user as every policy sees them. Built by the server from the database on each
/// request; sent to the client (it holds no secret) so the UI can ask the same questions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Actor {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The team the user belongs to (reps, usually managers too).
    pub team_id: Option<TeamId>,
    /// Teams this user manages (managers).
    pub managed_teams: Vec<TeamId>,
    /// The user's team lets reps see its whole board, read-only.
    pub sees_team_board: bool,
}

impl Actor {
    fn manages(&self, team: Option<TeamId>) -> bool {
        self.role == Role::Manager && team.is_some_and(|t| self.managed_teams.contains(&t))
    }
}

/// Which leads a reader may see; the store turns this into a WHERE clause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum LeadScope {
    All,
    /// Leads of these teams (and, for a rep, their own leads wherever they are).
    Teams {
        teams: Vec<TeamId>,
        also_owner: Option<UserId>,
    },
    /// Only leads this user owns.
    Owner(UserId),
}

impl LeadScope {
    /// Whether a lead falls inside the scope.
    pub fn contains(&self, lead: &Lead) -> bool {
        let owner = lead.owner.as_ref().map(|o| UserId(o.id));
        match self {
            LeadScope::All => true,
            LeadScope::Teams { teams, also_owner } => {
                lead.team_id.is_some_and(|t| teams.contains(&t))
                    || (also_owner.is_some() && owner == *also_owner)
            }
            LeadScope::Owner(user) => owner == Some(*user),
        }
    }
}

/// Why an action was refused; becomes a 403 with this message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denied(pub &'static str);

/// Who is asking: the same policy functions answer for people, wall displays and intake keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    User(Actor),
    /// A wall-display token: may read the wall view and nothing else.
    Wall {
        token_id: i64,
    },
    /// An intake API key: may create leads in its source and nothing else.
    Intake {
        key_id: i64,
        source_id: i64,
    },
}

/// May this person open the board, and which leads does it show?
pub fn view_board(actor: &Actor) -> Result<LeadScope, Denied> {
    match actor.role {
        Role::Rep => Ok(match (actor.sees_team_board, actor.team_id) {
            (true, Some(team)) => LeadScope::Teams {
                teams: vec![team],
                also_owner: Some(actor.id),
            },
            _ => LeadScope::Owner(actor.id),
        }),
        Role::Manager => Ok(LeadScope::Teams {
            teams: actor.managed_teams.clone(),
            also_owner: Some(actor.id),
        }),
        Role::Leadership | Role::Admin => Ok(LeadScope::All),
        Role::Marketing => Err(Denied(
            "Marketing sees leads in aggregate (campaigns and ROI), not on the board",
        )),
    }
}

/// May this person see this lead (its card, its detail, its live updates)?
pub fn view_lead(actor: &Actor, lead: &Lead) -> Result<(), Denied> {
    let scope = view_board(actor)?;
    if scope.contains(lead) {
        Ok(())
    } else {
        Err(Denied("This lead is not yours or your team's"))
    }
}

/// May this person change this lead (move it, log a follow-up, set its next step)?
///
/// Reps change their own leads, managers the leads of the teams they manage. Leadership and
/// admins read but never edit; a rep who may see the team board still edits only their own.
pub fn edit_lead(actor: &Actor, lead: &Lead) -> Result<(), Denied> {
    let owner = lead.owner.as_ref().map(|o| UserId(o.id));
    match actor.role {
        Role::Rep if owner == Some(actor.id) => Ok(()),
        Role::Rep => Err(Denied(
            "Only the lead's owner or their manager can change it",
        )),
        Role::Manager if actor.manages(lead.team_id) || owner == Some(actor.id) => Ok(()),
        Role::Manager => Err(Denied("This lead belongs to a team you do not manage")),
        Role::Leadership | Role::Admin => Err(Denied(
            "Your role reads the pipeline but does not change leads",
        )),
        Role::Marketing => Err(Denied("Marketing does not work individual leads")),
    }
}

/// May this person say two flagged leads are different people (dismissing the flag, writing
/// neither lead)? Whoever may change one of them, and admins, who keep the data tidy and are
/// the ones who see a pair across teams whole. Both leads must be visible to them first.
pub fn dismiss_duplicate(actor: &Actor, lead: &Lead, other: &Lead) -> Result<(), Denied> {
    if actor.role == Role::Admin
        || edit_lead(actor, lead).is_ok()
        || edit_lead(actor, other).is_ok()
    {
        Ok(())
    } else {
        Err(Denied(
            "Only someone who works one of these leads, or an admin, can dismiss the pair",
        ))
    }
}

/// The user a lead would be reassigned to, as far as the policy needs to know them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignee {
    pub id: UserId,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub active: bool,
}

/// May this person give this lead to `to`? Managers only, within the teams they manage.
pub fn reassign_lead(actor: &Actor, lead: &Lead, to: &Assignee) -> Result<(), Denied> {
    if actor.role != Role::Manager {
        return Err(Denied("Only a manager can reassign leads"));
    }
    if !actor.manages(lead.team_id) {
        return Err(Denied("This lead belongs to a team you do not manage"));
    }
    if !to.active {
        return Err(Denied("That user is deactivated"));
    }
    if !matches!(to.role, Role::Rep | Role::Manager) || !actor.manages(to.team_id) {
        return Err(Denied(
            "Leads can only be given to reps and managers of your teams",
        ));
    }
    Ok(())
}

/// Users, teams and their settings: admins only.
pub fn manage_accounts(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        _ => Err(Denied("Only an admin manages users and teams")),
    }
}

/// The pipeline settings page: admins, and managers (who see their teams' pipelines there and
/// change them when an admin allows it).
pub fn view_pipeline_settings(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin | Role::Manager => Ok(()),
        _ => Err(Denied("Only managers and admins shape the pipelines")),
    }
}

/// Adding pipelines, choosing the teams that work in them and letting managers change stages:
/// admins.
pub fn manage_pipelines(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        _ => Err(Denied(
            "Only an admin adds pipelines and chooses their teams",
        )),
    }
}

/// The custom field settings page: admins change it; managers read it (to know what their
/// reps are asked for).
pub fn view_field_settings(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin | Role::Manager => Ok(()),
        _ => Err(Denied(
            "Only managers and admins see the custom field settings",
        )),
    }
}

/// Defining, changing, ordering and retiring custom fields: admins.
pub fn manage_fields(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        _ => Err(Denied("Only an admin defines custom fields")),
    }
}

/// May this person change the stages of a pipeline worked by `teams`? Admins; a manager of one
/// of those teams when `managers_allowed` (an admin's setting).
pub fn edit_pipeline(
    actor: &Actor,
    teams: &[TeamId],
    managers_allowed: bool,
) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        Role::Manager if !managers_allowed => Err(Denied(
            "An admin has not allowed managers to change pipelines",
        )),
        Role::Manager if teams.iter().any(|t| actor.managed_teams.contains(t)) => Ok(()),
        Role::Manager => Err(Denied("None of your teams works in this pipeline")),
        _ => Err(Denied("Only managers and admins shape the pipelines")),
    }
}

/// The product catalogue quotes draw on: admins keep it (everyone who quotes reads it).
pub fn manage_catalogue(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        _ => Err(Denied("Only an admin keeps the product catalogue")),
    }
}

/// My day, the queue of one's own leads: for the people who work leads (reps and managers).
pub fn view_today(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Rep | Role::Manager => Ok(()),
        _ => Err(Denied("My day is for the people who work leads")),
    }
}

/// May this person subscribe to their next steps as a calendar feed? The people who have next
/// steps: reps and managers.
pub fn calendar_feed(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Rep | Role::Manager => Ok(()),
        _ => Err(Denied(
            "A calendar feed lists your next steps: it is for the people who work leads",
        )),
    }
}

/// A rep's one-on-one reviews, given the rep and their team: their team's manager runs them
/// (`Ok(true)`: may write); the rep reads their own, leadership and admins read any
/// (`Ok(false)`).
pub fn view_reviews(actor: &Actor, rep: UserId, rep_team: Option<TeamId>) -> Result<bool, Denied> {
    match actor.role {
        Role::Manager if rep_team.is_some_and(|t| actor.managed_teams.contains(&t)) => Ok(true),
        _ if actor.id == rep => Ok(false),
        Role::Leadership | Role::Admin => Ok(false),
        Role::Manager => Err(Denied("Managers review the reps of their own teams")),
        _ => Err(Denied("Only the rep and their manager see a review")),
    }
}

/// A review page at all (which rep's, `view_reviews` decides with the rep in hand): everyone
/// who works with the pipeline, not marketing.
pub fn open_reviews(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Marketing => Err(Denied("Marketing sees campaigns, not the reps' reviews")),
        _ => Ok(()),
    }
}

/// The reviews index (the reps one may review): managers.
pub fn run_reviews(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Manager => Ok(()),
        _ => Err(Denied("Managers run one-on-one reviews")),
    }
}

/// The leaderboard page: everyone but marketing (who may see it further depends on the
/// admin's visibility setting, checked by the service).
pub fn view_leaderboard(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Marketing => Err(Denied("Marketing sees campaigns, not the reps' standings")),
        _ => Ok(()),
    }
}

/// Intake API keys per source: marketing and admins.
pub fn manage_intake_keys(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Marketing | Role::Admin => Ok(()),
        _ => Err(Denied("Only marketing or an admin manages intake keys")),
    }
}

/// Wall-display tokens: admins (a token is a standing read grant on org-wide figures).
pub fn manage_wall_tokens(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        _ => Err(Denied("Only an admin manages wall-display tokens")),
    }
}

/// Whose forecast a person reads: a rep their own leads', a manager their teams' (and their
/// own), leadership and admins everyone's. Marketing reads returns per channel, not deals.
pub fn view_forecast(actor: &Actor) -> Result<LeadScope, Denied> {
    match actor.role {
        Role::Rep => Ok(LeadScope::Owner(actor.id)),
        Role::Marketing => Err(Denied(
            "Marketing sees campaigns and ROI; the forecast is sales' own",
        )),
        Role::Manager => Ok(LeadScope::Teams {
            teams: actor.managed_teams.clone(),
            also_owner: Some(actor.id),
        }),
        Role::Leadership | Role::Admin => Ok(LeadScope::All),
    }
}

/// Whose quotas a person reads on the quotas page: a manager her teams' reps and herself,
/// leadership and admins everyone's. Reps read their own on My day and their review;
/// marketing has none.
pub fn view_quotas(actor: &Actor) -> Result<LeadScope, Denied> {
    match actor.role {
        Role::Rep | Role::Marketing => Err(Denied(
            "Quotas are set by managers; a rep sees their own on My day",
        )),
        Role::Manager => Ok(LeadScope::Teams {
            teams: actor.managed_teams.clone(),
            also_owner: Some(actor.id),
        }),
        Role::Leadership | Role::Admin => Ok(LeadScope::All),
    }
}

/// Who sets a quota for `person` (with their role and team): a manager for a rep of a team
/// she manages, an admin for any rep or manager; nobody for themselves, and nobody for
/// leadership, marketing or other admins.
pub fn set_quota(
    actor: &Actor,
    person: UserId,
    role: Role,
    team: Option<TeamId>,
) -> Result<(), Denied> {
    if person == actor.id {
        return Err(Denied("Nobody sets their own quota"));
    }
    match (actor.role, role) {
        (Role::Admin, Role::Rep | Role::Manager) => Ok(()),
        (Role::Admin, _) => Err(Denied("Quotas are for reps and managers")),
        (Role::Manager, Role::Rep) if actor.manages(team) => Ok(()),
        (Role::Manager, Role::Rep) => Err(Denied("This rep is not on a team you manage")),
        (Role::Manager, _) => Err(Denied("An admin sets a manager's quota")),
        _ => Err(Denied(
            "Managers set their reps' quotas; admins set managers'",
        )),
    }
}

/// Whose follow-up compliance a person sees: a rep their own (exactly what their manager sees
/// of them), a manager their teams', leadership and admins everyone's.
pub fn view_compliance(actor: &Actor) -> Result<LeadScope, Denied> {
    match actor.role {
        Role::Rep => Ok(LeadScope::Owner(actor.id)),
        Role::Marketing => Err(Denied(
            "Marketing sees campaigns and ROI, not the reps' follow-up",
        )),
        _ => view_board(actor),
    }
}

/// The follow-up rules: everyone who works or oversees leads may read the rules they are
/// held to (a rep sees what their manager sees).
pub fn view_policies(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Marketing => Err(Denied("Marketing does not work to the follow-up policy")),
        _ => Ok(()),
    }
}

/// Changing the follow-up rules of `team` (`None`: the organisation default). Admins change
/// any; a manager changes the override of a team they manage, never the organisation's.
pub fn edit_policy(actor: &Actor, team: Option<TeamId>) -> Result<(), Denied> {
    match (actor.role, team) {
        (Role::Admin, _) => Ok(()),
        (Role::Manager, Some(t)) if actor.managed_teams.contains(&t) => Ok(()),
        (Role::Manager, Some(_)) => Err(Denied("You can change the policy of your own teams only")),
        (Role::Manager, None) => Err(Denied(
            "Only an admin changes the organisation's default policy",
        )),
        _ => Err(Denied("Only managers and admins change follow-up policies")),
    }
}

/// The assignment rules and who is available: managers, leadership and admins read them.
pub fn view_routing(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Manager | Role::Leadership | Role::Admin => Ok(()),
        _ => Err(Denied(
            "Only managers, leadership and admins see lead distribution",
        )),
    }
}

/// Changing the assignment rules (they route every team's leads): admins.
pub fn edit_routing(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        _ => Err(Denied("Only an admin changes the assignment rules")),
    }
}

/// A rep's capacity and absence: admins, and the managers of the rep's team.
pub fn edit_availability(actor: &Actor, rep_team: Option<TeamId>) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        Role::Manager if actor.manages(rep_team) => Ok(()),
        Role::Manager => Err(Denied("This rep is not in a team you manage")),
        _ => Err(Denied("Only managers and admins set who is available")),
    }
}

/// Erasing a person's data on their request (a privacy request): admins.
pub fn erase_personal_data(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        _ => Err(Denied("Only an admin erases a person's data")),
    }
}

/// The wall view: a wall token, or a signed-in person who reads org-wide figures.
pub fn view_wall(principal: &Principal) -> Result<(), Denied> {
    match principal {
        Principal::Wall { .. } => Ok(()),
        Principal::User(a) if matches!(a.role, Role::Leadership | Role::Admin) => Ok(()),
        _ => Err(Denied("The wall needs a wall-display token")),
    }
}

/// Creating a lead through the intake API: a key, and only into the key's own source.
pub fn create_intake_lead(principal: &Principal, source_id: i64) -> Result<(), Denied> {
    match principal {
        Principal::Intake { source_id: s, .. } if *s == source_id => Ok(()),
        Principal::Intake { .. } => Err(Denied("This key creates leads for another source")),
        _ => Err(Denied("Lead intake needs an intake API key")),
    }
}

/// Marketing's return (`/roi`): marketing, who answers for it; leadership, who watches it;
/// managers, whose reps work the leads; admins. Reps work leads, not budgets.
pub fn view_roi(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Rep => Err(Denied("ROI is for marketing, managers and leadership")),
        _ => Ok(()),
    }
}

/// Campaigns, their budgets and spend: marketing and admins.
pub fn manage_campaigns(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Marketing | Role::Admin => Ok(()),
        _ => Err(Denied("Marketing keeps campaigns and their spend")),
    }
}

/// Importing leads from a file: reps (the leads are theirs), managers and marketing (the
/// leads go through the assignment rules).
pub fn import_leads(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Rep | Role::Manager | Role::Marketing => Ok(()),
        _ => Err(Denied("Reps, managers and marketing import leads")),
    }
}

/// Personal API tokens: everyone signed in manages their own (a token never has more rights
/// than its owner).
pub fn manage_own_api_tokens(_actor: &Actor) -> Result<(), Denied> {
    Ok(())
}

/// Entering a lead by hand (REST API): the people who work leads. A rep's lead is theirs, a
/// manager's goes through the assignment rules. Marketing brings leads in through intake
/// keys and imports; leadership and admins change no leads.
pub fn create_lead(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Rep | Role::Manager => Ok(()),
        _ => Err(Denied("Only reps and managers enter leads by hand")),
    }
}

/// Whom a person entering a lead may give it to: a rep keeps theirs; a manager may give it to
/// an active rep or manager of a team they manage (themselves included).
pub fn give_new_lead(actor: &Actor, to: &Assignee) -> Result<(), Denied> {
    create_lead(actor)?;
    if to.id == actor.id {
        return Ok(());
    }
    if actor.role != Role::Manager {
        return Err(Denied(
            "A lead you enter is yours; a manager can give it to someone else",
        ));
    }
    if !to.active {
        return Err(Denied("That user is deactivated"));
    }
    if !matches!(to.role, Role::Rep | Role::Manager) || !actor.manages(to.team_id) {
        return Err(Denied(
            "Leads can only be given to reps and managers of your teams",
        ));
    }
    Ok(())
}

/// May this person, taking an inquiry by hand, add it to this lead instead of entering a new
/// one? Whoever enters leads and may see this one (the person wrote again: nothing about the
/// lead is changed but its history, and the owner is told).
pub fn add_inquiry(actor: &Actor, lead: &Lead) -> Result<(), Denied> {
    create_lead(actor)?;
    view_lead(actor, lead)
}

/// Connecting the shared mailbox, and seeing what it filed and skipped (not the messages):
/// admins.
pub fn manage_mailbox(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        _ => Err(Denied("Only an admin connects the shared mailbox")),
    }
}

/// Registering outbound webhooks and reading their delivery logs: admins.
pub fn manage_webhooks(actor: &Actor) -> Result<(), Denied> {
    match actor.role {
        Role::Admin => Ok(()),
        _ => Err(Denied("Only an admin connects other systems")),
    }
}

/// Filing a message waiting for `user` (of team `team`): they file their own, a manager files
/// those of the teams they manage. Reps and managers only (they enter leads).
pub fn file_mail(actor: &Actor, user: UserId, team: Option<TeamId>) -> Result<(), Denied> {
    create_lead(actor)?;
    if actor.id == user || actor.manages(team) {
        Ok(())
    } else {
        Err(Denied("That message waits for someone else"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lead::tests::sample_lead;
    use crate::domain::lead::UserRef;

    fn actor(id: i64, role: Role, team: Option<i64>, manages: &[i64]) -> Actor {
        Actor {
            id: UserId(id),
            name: format!("User {id}"),
            email: format!("u{id}@example.com"),
            role,
            team_id: team.map(TeamId),
            managed_teams: manages.iter().copied().map(TeamId).collect(),
            sees_team_board: false,
        }
    }

    /// A lead owned by user `owner` in team `team`.
    fn lead_of(owner: i64, team: i64) -> Lead {
        let mut lead = sample_lead();
        lead.owner = Some(UserRef {
            id: owner,
            name: "Owner".into(),
        });
        lead.team_id = Some(TeamId(team));
        lead
    }

    #[test]
    fn a_manager_shapes_only_their_teams_pipelines_and_only_when_an_admin_allows_it() {
        let manager = actor(3, Role::Manager, Some(1), &[1]);
        let theirs = [TeamId(1), TeamId(2)];
        let others = [TeamId(2)];
        assert!(edit_pipeline(&manager, &theirs, true).is_ok());
        assert!(edit_pipeline(&manager, &theirs, false).is_err());
        assert!(edit_pipeline(&manager, &others, true).is_err());
        assert!(manage_pipelines(&manager).is_err());
        let admin = actor(1, Role::Admin, None, &[]);
        assert!(edit_pipeline(&admin, &[], false).is_ok());
        assert!(manage_pipelines(&admin).is_ok());
        for role in [Role::Rep, Role::Leadership, Role::Marketing] {
            let who = actor(9, role, Some(1), &[1]);
            assert!(edit_pipeline(&who, &theirs, true).is_err());
            assert!(view_pipeline_settings(&who).is_err());
        }
    }

    #[test]
    fn a_rep_sees_and_edits_only_their_own_leads() {
        let rep = actor(7, Role::Rep, Some(1), &[]);
        assert!(view_lead(&rep, &lead_of(7, 1)).is_ok());
        assert!(edit_lead(&rep, &lead_of(7, 1)).is_ok());
        assert!(view_lead(&rep, &lead_of(8, 1)).is_err());
        assert!(edit_lead(&rep, &lead_of(8, 1)).is_err());
    }

    #[test]
    fn a_rep_on_a_team_board_sees_teammates_leads_but_cannot_change_them() {
        let mut rep = actor(7, Role::Rep, Some(1), &[]);
        rep.sees_team_board = true;
        assert!(view_lead(&rep, &lead_of(8, 1)).is_ok());
        assert!(edit_lead(&rep, &lead_of(8, 1)).is_err());
        assert!(view_lead(&rep, &lead_of(9, 2)).is_err());
    }

    #[test]
    fn a_manager_sees_and_edits_the_leads_of_every_team_they_manage() {
        let manager = actor(3, Role::Manager, Some(1), &[1, 2]);
        for team in [1, 2] {
            assert!(view_lead(&manager, &lead_of(9, team)).is_ok());
            assert!(edit_lead(&manager, &lead_of(9, team)).is_ok());
        }
        assert!(view_lead(&manager, &lead_of(9, 3)).is_err());
        assert!(edit_lead(&manager, &lead_of(9, 3)).is_err());
    }

    #[test]
    fn leadership_and_admins_read_everything_and_edit_nothing() {
        for role in [Role::Leadership, Role::Admin] {
            let reader = actor(1, role, None, &[]);
            assert_eq!(view_board(&reader), Ok(LeadScope::All));
            assert!(view_lead(&reader, &lead_of(9, 3)).is_ok());
            assert!(edit_lead(&reader, &lead_of(9, 3)).is_err());
        }
    }

    #[test]
    fn marketing_has_no_board() {
        let marketer = actor(2, Role::Marketing, None, &[]);
        assert!(view_board(&marketer).is_err());
        assert!(view_lead(&marketer, &lead_of(9, 1)).is_err());
        assert!(manage_intake_keys(&marketer).is_ok());
    }

    #[test]
    fn a_manager_reassigns_only_within_their_teams_to_active_sellers() {
        let manager = actor(3, Role::Manager, Some(1), &[1, 2]);
        let lead = lead_of(9, 1);
        let to = |team: i64, role: Role, active: bool| Assignee {
            id: UserId(10),
            role,
            team_id: Some(TeamId(team)),
            active,
        };
        assert!(reassign_lead(&manager, &lead, &to(2, Role::Rep, true)).is_ok());
        assert!(reassign_lead(&manager, &lead, &to(3, Role::Rep, true)).is_err());
        assert!(reassign_lead(&manager, &lead, &to(1, Role::Rep, false)).is_err());
        assert!(reassign_lead(&manager, &lead, &to(1, Role::Marketing, true)).is_err());
        assert!(reassign_lead(&manager, &lead_of(9, 3), &to(1, Role::Rep, true)).is_err());
        let rep = actor(9, Role::Rep, Some(1), &[]);
        assert!(reassign_lead(&rep, &lead, &to(1, Role::Rep, true)).is_err());
    }

    #[test]
    fn only_admins_manage_accounts_and_wall_tokens() {
        for role in Role::ALL {
            let a = actor(1, role, None, &[]);
            assert_eq!(manage_accounts(&a).is_ok(), role == Role::Admin, "{role:?}");
            assert_eq!(
                manage_wall_tokens(&a).is_ok(),
                role == Role::Admin,
                "{role:?}"
            );
        }
    }

    #[test]
    fn a_wall_token_reads_the_wall_and_an_intake_key_creates_leads_in_its_source_only() {
        let wall = Principal::Wall { token_id: 1 };
        let key = Principal::Intake {
            key_id: 1,
            source_id: 4,
        };
        assert!(view_wall(&wall).is_ok());
        assert!(view_wall(&key).is_err());
        assert!(create_intake_lead(&key, 4).is_ok());
        assert!(create_intake_lead(&key, 5).is_err());
        assert!(create_intake_lead(&wall, 4).is_err());
        let rep = Principal::User(actor(7, Role::Rep, Some(1), &[]));
        assert!(view_wall(&rep).is_err());
        assert!(create_intake_lead(&rep, 4).is_err());
    }

    #[test]
    fn roles_round_trip_through_their_keys() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.key()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn managers_set_their_reps_quotas_and_admins_set_managers() {
        let manager = actor(2, Role::Manager, Some(1), &[1]);
        let team = |t| Some(TeamId(t));
        assert!(set_quota(&manager, UserId(8), Role::Rep, team(1)).is_ok());
        assert!(
            set_quota(&manager, UserId(9), Role::Rep, team(3)).is_err(),
            "not her team"
        );
        assert!(
            set_quota(&manager, UserId(2), Role::Manager, team(1)).is_err(),
            "her own"
        );
        assert!(set_quota(&manager, UserId(3), Role::Manager, team(1)).is_err());
        let admin = actor(1, Role::Admin, None, &[]);
        assert!(set_quota(&admin, UserId(2), Role::Manager, team(1)).is_ok());
        assert!(set_quota(&admin, UserId(9), Role::Rep, team(3)).is_ok());
        assert!(set_quota(&admin, UserId(4), Role::Leadership, None).is_err());
        for role in [Role::Rep, Role::Marketing, Role::Leadership] {
            let a = actor(5, role, Some(1), &[]);
            assert!(
                set_quota(&a, UserId(8), Role::Rep, team(1)).is_err(),
                "{role:?}"
            );
        }
        assert!(view_quotas(&actor(7, Role::Rep, Some(1), &[])).is_err());
        assert!(view_quotas(&actor(6, Role::Marketing, None, &[])).is_err());
        assert_eq!(
            view_quotas(&actor(4, Role::Leadership, None, &[])),
            Ok(LeadScope::All)
        );
    }

    #[test]
    fn a_new_lead_goes_to_its_rep_or_where_their_manager_says() {
        let person = |id, role, team: i64, active| Assignee {
            id: UserId(id),
            role,
            team_id: Some(TeamId(team)),
            active,
        };
        let rep = actor(7, Role::Rep, Some(1), &[]);
        assert!(give_new_lead(&rep, &person(7, Role::Rep, 1, true)).is_ok());
        assert!(give_new_lead(&rep, &person(8, Role::Rep, 1, true)).is_err());
        let manager = actor(2, Role::Manager, Some(1), &[1]);
        assert!(give_new_lead(&manager, &person(8, Role::Rep, 1, true)).is_ok());
        assert!(give_new_lead(&manager, &person(2, Role::Manager, 1, true)).is_ok());
        assert!(give_new_lead(&manager, &person(9, Role::Rep, 3, true)).is_err());
        assert!(give_new_lead(&manager, &person(8, Role::Rep, 1, false)).is_err());
        assert!(give_new_lead(&manager, &person(5, Role::Leadership, 1, true)).is_err());
        let admin = actor(1, Role::Admin, None, &[]);
        assert!(give_new_lead(&admin, &person(1, Role::Admin, 1, true)).is_err());
    }

    #[test]
    fn an_inquiry_goes_on_a_lead_its_taker_may_see() {
        let mut rep = actor(7, Role::Rep, Some(1), &[]);
        assert!(add_inquiry(&rep, &lead_of(7, 1)).is_ok());
        assert!(add_inquiry(&rep, &lead_of(8, 1)).is_err());
        rep.sees_team_board = true;
        assert!(add_inquiry(&rep, &lead_of(8, 1)).is_ok());
        assert!(add_inquiry(&rep, &lead_of(8, 2)).is_err());
        let leadership = actor(3, Role::Leadership, None, &[]);
        assert!(add_inquiry(&leadership, &lead_of(8, 1)).is_err());
    }
}

#[cfg(test)]
mod policy_tests {
    use super::*;

    fn who(role: Role, manages: &[i64]) -> Actor {
        Actor {
            id: UserId(7),
            name: "Someone".into(),
            email: "someone@example.com".into(),
            role,
            team_id: manages.first().copied().map(TeamId),
            managed_teams: manages.iter().copied().map(TeamId).collect(),
            sees_team_board: false,
        }
    }

    #[test]
    fn managers_change_their_own_teams_rules_and_admins_any() {
        let admin = who(Role::Admin, &[]);
        let manager = who(Role::Manager, &[3]);
        let rep = who(Role::Rep, &[]);
        assert!(edit_policy(&admin, None).is_ok());
        assert!(edit_policy(&admin, Some(TeamId(3))).is_ok());
        assert!(edit_policy(&manager, Some(TeamId(3))).is_ok());
        assert!(edit_policy(&manager, Some(TeamId(4))).is_err());
        assert!(edit_policy(&manager, None).is_err());
        assert!(edit_policy(&rep, Some(TeamId(3))).is_err());
        assert!(edit_policy(&who(Role::Leadership, &[]), None).is_err());
        assert!(view_policies(&rep).is_ok());
        assert!(view_policies(&who(Role::Marketing, &[])).is_err());
    }

    #[test]
    fn a_rep_sees_their_own_compliance_and_a_manager_their_teams() {
        assert_eq!(
            view_compliance(&who(Role::Rep, &[3])).unwrap(),
            LeadScope::Owner(UserId(7))
        );
        assert!(matches!(
            view_compliance(&who(Role::Manager, &[3])).unwrap(),
            LeadScope::Teams { teams, .. } if teams == vec![TeamId(3)]
        ));
        assert_eq!(
            view_compliance(&who(Role::Leadership, &[])).unwrap(),
            LeadScope::All
        );
        assert!(view_compliance(&who(Role::Marketing, &[])).is_err());
    }

    #[test]
    fn admins_connect_the_mailbox_and_reps_file_their_own_messages() {
        assert!(manage_mailbox(&who(Role::Admin, &[])).is_ok());
        assert!(manage_webhooks(&who(Role::Admin, &[])).is_ok());
        for role in [Role::Manager, Role::Rep, Role::Leadership, Role::Marketing] {
            assert!(manage_mailbox(&who(role, &[3])).is_err(), "{role:?}");
            assert!(manage_webhooks(&who(role, &[3])).is_err(), "{role:?}");
        }
        let rep = who(Role::Rep, &[]);
        assert!(file_mail(&rep, UserId(7), Some(TeamId(3))).is_ok());
        assert!(file_mail(&rep, UserId(8), Some(TeamId(3))).is_err());
        let manager = who(Role::Manager, &[3]);
        assert!(file_mail(&manager, UserId(8), Some(TeamId(3))).is_ok());
        assert!(file_mail(&manager, UserId(8), Some(TeamId(4))).is_err());
        assert!(file_mail(&who(Role::Admin, &[]), UserId(7), Some(TeamId(3))).is_err());
    }
}
