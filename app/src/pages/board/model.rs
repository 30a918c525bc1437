//! The board's client state as plain data: the cards it shows, each column's count and totals,
//! where each column's next page starts, the moves in flight and the problems shown under
//! cards. Every rule for reconciling an optimistic move, the server's answer to it and the live
//! feed lives here, as methods that change the data and return what to announce; the Leptos
//! state in `mod.rs` holds one of these in a signal and the components render it.

use crate::components::lead_card::CardProblem;
use crate::domain::access;
use crate::domain::board::{describe_changes, sort_cards};
use crate::domain::filter::ColumnPage;
use crate::domain::{
    apply_move, check_write, refusal_message, Actor, BoardFilter, CloseReason, ColumnSummary, Lead,
    LeadId, MoveRequest, Pipelines, Policies, Stage, StageId, StageKind, Timestamp,
};
use crate::error::AppError;
use crate::model::board::Board;
use crate::model::live::{LiveEvent, LiveKind};
use std::collections::HashMap;

/// Most cards one column holds in the page; past it, the rep narrows the filter instead.
pub const MAX_LOADED: usize = 250;

/// What the board holds between renders.
#[derive(Clone, Debug)]
pub struct BoardModel {
    pub pipeline: Pipelines,
    /// The filter the board was read with (the URL's): live changes are judged against it.
    pub filter: BoardFilter,
    /// Who is looking: cards they may not change do not start moves.
    pub viewer: Actor,
    /// The follow-up policies, evaluated per card and for each drop.
    pub policies: Policies,
    /// The server's clock when the board was read.
    pub now: Timestamp,
    /// The loaded cards, in no particular order (columns sort their own).
    pub cards: Vec<Lead>,
    /// Per stage: every matching lead counted and totalled, loaded or not.
    pub summaries: Vec<ColumnSummary>,
    /// Per column: where its next page starts (absent or `None` when fully loaded).
    pub cursors: HashMap<StageId, Option<String>>,
    /// Columns loading their next page.
    pub loading: Vec<StageId>,
    /// Cards whose move or planned step the server has not answered yet.
    pub pending: Vec<LeadId>,
    /// Per card: the problem from its last refused or conflicting move.
    pub errors: HashMap<LeadId, CardProblem>,
    /// Per card: the stage a refused move wanted, offered again ("Move again", or after
    /// planning the next step the policy asked for).
    pub retry: HashMap<LeadId, StageId>,
}

/// What a drop or a key press on a card leads to.
#[derive(Clone, Debug, PartialEq)]
pub enum MoveAsk {
    /// Nothing to do: the card is already there, or a move of it is in flight.
    Nothing,
    /// The viewer may not change this lead: announce this (the card shows why).
    Refused(String),
    /// A lost stage: ask for the close-out reason first.
    Reason,
    /// Send this move.
    Send(MoveRequest),
}

impl BoardModel {
    pub fn new(board: Board) -> Self {
        let cursors = board
            .columns
            .iter()
            .map(|c| (c.summary.stage_id, c.next.clone()))
            .collect();
        let summaries = board.columns.iter().map(|c| c.summary.clone()).collect();
        let cards = board.columns.into_iter().flat_map(|c| c.cards).collect();
        BoardModel {
            pipeline: board.pipeline,
            filter: board.filter,
            viewer: board.viewer,
            policies: board.policies,
            now: board.now,
            cards,
            summaries,
            cursors,
            loading: Vec::new(),
            pending: Vec::new(),
            errors: HashMap::new(),
            retry: HashMap::new(),
        }
    }

    pub fn card(&self, id: LeadId) -> Option<&Lead> {
        self.cards.iter().find(|c| c.id == id)
    }

    pub fn stage(&self, id: StageId) -> Option<&Stage> {
        self.pipeline.get(id)
    }

    pub fn stage_name(&self, id: StageId) -> String {
        self.stage(id)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "another stage".into())
    }

    /// A column's loaded cards, in the filter's order.
    pub fn column(&self, stage: StageId) -> Vec<Lead> {
        let mut cards: Vec<Lead> = self
            .cards
            .iter()
            .filter(|c| c.stage_id == stage)
            .cloned()
            .collect();
        sort_cards(&self.pipeline, stage, self.filter.sort, &mut cards);
        cards
    }

    /// A column's count and totals.
    pub fn summary(&self, stage: StageId) -> ColumnSummary {
        self.summaries
            .iter()
            .find(|s| s.stage_id == stage)
            .cloned()
            .unwrap_or_else(|| ColumnSummary::empty(stage))
    }

    /// Whether `lead` belongs on this board: in its pipeline and matching its filter.
    pub fn belongs(&self, lead: &Lead) -> bool {
        let here = self
            .pipeline
            .get(lead.stage_id)
            .is_some_and(|s| Some(s.pipeline_id) == self.filter.pipeline);
        here && self.filter.matches(lead)
    }

    /// Why the viewer may not change this lead, if they may not (the server decides again).
    pub fn refusal(&self, lead: &Lead) -> Option<String> {
        access::edit_lead(&self.viewer, lead)
            .err()
            .map(|d| d.0.to_string())
    }

    /// Shows `lead` as given wherever it is on the board, keeping column counts and totals in
    /// step with where the card was displayed before. `left_stage`: the stage a card beyond
    /// the loaded page left (its column still counted it).
    pub fn place(&mut self, lead: Lead, left_stage: Option<StageId>) {
        let old = self.card(lead.id).cloned();
        match &old {
            Some(o) => summary_mut(&mut self.summaries, o.stage_id).remove(o),
            None => {
                if let Some(from) = left_stage {
                    summary_mut(&mut self.summaries, from).remove(&lead);
                }
            }
        }
        summary_mut(&mut self.summaries, lead.stage_id).add(&lead);
        match self.cards.iter_mut().find(|c| c.id == lead.id) {
            Some(c) => *c = lead,
            None => self.cards.push(lead),
        }
    }

    /// Places a lead as a server answer gave it, unless the board already shows a newer
    /// version (a live event overtook the answer): a board never goes back in time.
    fn place_answer(&mut self, lead: Lead) {
        let newer = self.card(lead.id).is_some_and(|c| c.version > lead.version);
        if !newer {
            self.place(lead, None);
        }
    }

    /// Takes a card off the board (and out of its column's count and total).
    pub fn remove(&mut self, id: LeadId) {
        let Some(old) = self.card(id).cloned() else {
            return;
        };
        summary_mut(&mut self.summaries, old.stage_id).remove(&old);
        self.cards.retain(|c| c.id != id);
    }

    /// Applies a committed change from the live feed unless this board already has it;
    /// returns what to announce.
    pub fn apply_live(&mut self, event: &LiveEvent) -> Option<String> {
        let lead = &event.lead;
        let known = self.card(lead.id).map(|c| c.version);
        if known.is_some_and(|v| v >= lead.version) {
            return None;
        }
        if !self.belongs(lead) {
            // It no longer belongs on this board (another pipeline, or outside the filter).
            self.remove(lead.id);
            return None;
        }
        let moved = event.from_stage.is_some_and(|f| f != lead.stage_id);
        // A new inquiry (events come after this board's snapshot, so it is not counted yet).
        let arrived = known.is_none() && event.kind == LiveKind::Created;
        if known.is_none() && !moved && !arrived {
            // A change to a card beyond the loaded page: counts and totals are unchanged.
            return None;
        }
        let title = lead.title().to_string();
        let to = self.stage_name(lead.stage_id);
        let by_someone_else = !self.pending.contains(&lead.id);
        self.place(lead.clone(), event.from_stage.filter(|_| moved));
        if by_someone_else && moved {
            Some(format!("{title} moved to {to}"))
        } else if arrived {
            Some(format!("New lead: {title} in {to}"))
        } else {
            None
        }
    }

    /// Shows a lead saved from the drawer: placed where it now belongs, or taken off a
    /// filtered board it no longer matches.
    pub fn saved(&mut self, lead: Lead) {
        if self.belongs(&lead) {
            self.place_answer(lead);
        } else {
            self.remove(lead.id);
        }
    }

    /// The card a drop applies to: the board's current version of the pressed card when a
    /// live change touched it during the drag without moving it (its stage is still the one
    /// the rep picked it up from), else the card as pressed (the server then explains what
    /// changed).
    pub fn dropped(&self, pressed: Lead) -> Lead {
        match self.card(pressed.id) {
            Some(now) if now.stage_id == pressed.stage_id && now.version > pressed.version => {
                now.clone()
            }
            _ => pressed,
        }
    }

    /// A drop or key press asked to move `lead` to `to`: what happens next. A refusal is
    /// shown under the card at once.
    pub fn ask_move(&mut self, lead: &Lead, to: StageId) -> MoveAsk {
        if lead.stage_id == to || self.pending.contains(&lead.id) {
            return MoveAsk::Nothing;
        }
        if let Some(why) = self.refusal(lead) {
            self.errors.insert(lead.id, problem(why.clone()));
            return MoveAsk::Refused(format!("{}: {why}", lead.title()));
        }
        if self.stage(to).is_some_and(|s| s.kind == StageKind::Lost) {
            return MoveAsk::Reason;
        }
        MoveAsk::Send(MoveRequest {
            to_stage: to,
            version: lead.version,
            close_reason: None,
            close_note: None,
        })
    }

    /// Shows the move at once, before the server answers: the card in its new column, marked
    /// pending, its old problem gone.
    pub fn begin_move(&mut self, original: &Lead, to: StageId) {
        self.errors.remove(&original.id);
        self.pending.push(original.id);
        let mut optimistic = original.clone();
        optimistic.stage_id = to;
        self.place(optimistic, None);
    }

    /// The server's answer to a move of `original` to `wanted`: kept, replaced by the current
    /// lead with what changed (a conflict), or rolled back with the reason; returns what to
    /// announce.
    pub fn move_answered(
        &mut self,
        original: &Lead,
        wanted: StageId,
        answer: Result<Lead, AppError>,
    ) -> String {
        let id = original.id;
        let title = original.title().to_string();
        let to_name = self.stage_name(wanted);
        self.pending.retain(|x| *x != id);
        match answer {
            Ok(lead) => {
                self.place_answer(lead);
                format!("Moved {title} to {to_name}")
            }
            Err(AppError::Conflict { current, .. }) => {
                let changes = describe_changes(original, &current, &self.pipeline);
                let offer = current.stage_id != wanted
                    && !self
                        .stage(wanted)
                        .is_some_and(|s| s.kind == StageKind::Lost);
                self.place_answer(*current);
                let message = "Someone else changed this lead while you moved it:".to_string();
                self.retry.insert(id, wanted);
                let said = format!("{title} was not moved. {message} {}", changes.join("; "));
                self.errors.insert(
                    id,
                    CardProblem {
                        message,
                        retry_to: offer.then_some(to_name),
                        changes,
                        plan_to: None,
                    },
                );
                said
            }
            Err(err) => {
                // Roll back unless a newer version arrived live meanwhile.
                let newer = self.card(id).is_some_and(|c| c.version > original.version);
                if !newer {
                    self.place(original.clone(), None);
                }
                let message = err.to_string();
                // A missing next step is fixed in place: plan one, then the move runs.
                let needs_step = err.fields().iter().any(|f| f.field == "next_step");
                if needs_step {
                    self.retry.insert(id, wanted);
                }
                self.errors.insert(
                    id,
                    CardProblem {
                        plan_to: needs_step.then_some(to_name),
                        ..problem(message.clone())
                    },
                );
                format!("{title} was not moved: {message}")
            }
        }
    }

    /// The move to offer again for a card (after a conflict, or once its next step is
    /// planned), on the lead as it stands now; forgotten once taken.
    pub fn take_retry(&mut self, id: LeadId) -> Option<(Lead, StageId)> {
        let to = *self.retry.get(&id)?;
        let lead = self.card(id)?.clone();
        self.retry.remove(&id);
        Some((lead, to))
    }

    /// Marks a card while the next step a refused move asked for is being planned.
    pub fn begin_plan(&mut self, id: LeadId) -> Option<Lead> {
        let lead = self.card(id)?.clone();
        self.pending.push(id);
        Some(lead)
    }

    /// The answer to planning that step: the planned lead shown and its problem cleared
    /// (`Ok`: the caller then retries the move), or the reason shown and announced.
    pub fn plan_answered(
        &mut self,
        lead: &Lead,
        answer: Result<Lead, AppError>,
    ) -> Result<(), String> {
        self.pending.retain(|x| *x != lead.id);
        match answer {
            Ok(planned) => {
                self.place_answer(planned);
                self.errors.remove(&lead.id);
                Ok(())
            }
            Err(err) => {
                let message = err.to_string();
                self.errors.insert(lead.id, problem(message.clone()));
                Err(format!("{}: {message}", lead.title()))
            }
        }
    }

    /// Where a column's next page starts, marking it loading; `None` when it is fully loaded
    /// or already loading.
    pub fn begin_load(&mut self, stage: StageId) -> Option<String> {
        let after = self.cursors.get(&stage).cloned().flatten()?;
        if self.loading.contains(&stage) {
            return None;
        }
        self.loading.push(stage);
        Some(after)
    }

    /// A column's next page arrived (or failed): its cards added below the loaded ones, each
    /// once; returns what to announce.
    pub fn page_loaded(&mut self, stage: StageId, answer: Result<ColumnPage, AppError>) -> String {
        self.loading.retain(|s| *s != stage);
        match answer {
            Ok(page) => {
                let added = page.cards.len();
                self.cursors.insert(stage, page.next);
                for card in page.cards {
                    // A card already here came live, newer than the page's copy.
                    if self.card(card.id).is_none() {
                        self.cards.push(card);
                    }
                }
                format!("{added} more leads in {}", self.stage_name(stage))
            }
            Err(e) => format!("More leads could not be loaded: {e}"),
        }
    }

    /// The rule verdict for dropping `lead` on `stage`, for the column highlight: the stage's
    /// entry criteria, then the team's follow-up policy, as the server will judge the move.
    pub fn preview(&self, lead: &Lead, stage: &Stage) -> Option<String> {
        if lead.stage_id == stage.id {
            return None;
        }
        let request = MoveRequest {
            to_stage: stage.id,
            version: lead.version,
            // The reason is asked for after the drop; only the stage's criteria matter here.
            close_reason: (stage.kind == StageKind::Lost).then_some(CloseReason::NotABuyer),
            close_note: None,
        };
        let moved = match apply_move(&self.pipeline, lead, &request, self.now) {
            Ok(moved) => moved,
            Err(r) => return Some(r.message),
        };
        let policy = self.policies.for_team(lead.team_id);
        refusal_message(policy, &check_write(policy, lead, &moved, self.now))
    }
}

pub fn problem(message: String) -> CardProblem {
    CardProblem {
        message,
        changes: Vec::new(),
        retry_to: None,
        plan_to: None,
    }
}

fn summary_mut(sums: &mut Vec<ColumnSummary>, stage: StageId) -> &mut ColumnSummary {
    let i = match sums.iter().position(|s| s.stage_id == stage) {
        Some(i) => i,
        None => {
            sums.push(ColumnSummary::empty(stage));
            sums.len() - 1
        }
    };
    &mut sums[i]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Role, TeamId, UserId};
    use crate::domain::calendar::BusinessCalendar;
    use crate::domain::lead::tests::sample_lead;
    use crate::domain::stage::tests::default_pipeline;
    use crate::domain::{Currency, Money, Policy, UserRef};

    const NEW: StageId = StageId(1);
    const CONTACTED: StageId = StageId(2);
    const QUALIFIED: StageId = StageId(3);
    const LOST: StageId = StageId(7);

    /// Dana (a rep, user 7 of team 1) looking at her board.
    fn dana() -> Actor {
        Actor {
            id: UserId(7),
            name: "Dana Whitfield".into(),
            email: "dana@example.com".into(),
            role: Role::Rep,
            team_id: Some(TeamId(1)),
            managed_teams: Vec::new(),
            sees_team_board: true,
        }
    }

    /// Dana's lead `id`, version 3, worth `dollars`, in `stage`.
    fn card(id: i64, stage: StageId, dollars: i64) -> Lead {
        let mut lead = sample_lead();
        lead.id = LeadId(id);
        lead.contact_name = format!("Lead {id}");
        lead.company = None;
        lead.stage_id = stage;
        lead.value = Some(Money::new(dollars * 100, Currency::USD));
        lead
    }

    /// A board with `cards` loaded and every stage counted as if they were all there is, plus
    /// `beyond` more leads per stage that are counted but not loaded (worth $1,000 each).
    fn board(cards: Vec<Lead>, beyond: i64) -> BoardModel {
        let pipeline = default_pipeline();
        let summaries = pipeline
            .stages()
            .iter()
            .map(|s| {
                let mut sum = ColumnSummary::empty(s.id);
                for c in cards.iter().filter(|c| c.stage_id == s.id) {
                    sum.add(c);
                }
                for _ in 0..beyond {
                    sum.add(&card(0, s.id, 1_000));
                }
                sum
            })
            .collect();
        BoardModel {
            pipeline,
            filter: BoardFilter {
                pipeline: Some(crate::domain::PipelineId(1)),
                ..BoardFilter::default()
            },
            viewer: dana(),
            policies: Policies {
                org: Policy::default_for(BusinessCalendar::office_hours_utc()),
                teams: Vec::new(),
            },
            now: Timestamp(1_800_000_000_000),
            cards,
            summaries,
            cursors: HashMap::new(),
            loading: Vec::new(),
            pending: Vec::new(),
            errors: HashMap::new(),
            retry: HashMap::new(),
        }
    }

    /// What a column shows: (count, total in dollars, loaded card ids).
    fn column(m: &BoardModel, stage: StageId) -> (i64, i64, Vec<i64>) {
        let s = m.summary(stage);
        let dollars = s.totals.iter().map(|t| t.cents / 100).sum();
        let ids = m.column(stage).iter().map(|c| c.id.0).collect();
        (s.count, dollars, ids)
    }

    fn live(kind: LiveKind, lead: Lead, from: Option<StageId>) -> LiveEvent {
        LiveEvent {
            id: 100 + lead.version,
            kind,
            at: Timestamp(1_800_000_000_000),
            from_stage: from,
            lead,
            recipient: None,
        }
    }

    /// `lead` as the server saved it after a move to `to`.
    fn saved_in(lead: &Lead, to: StageId) -> Lead {
        let mut next = lead.clone();
        next.stage_id = to;
        next.version += 1;
        next
    }

    #[test]
    fn a_move_shows_at_once_and_the_answer_keeps_it() {
        let a = card(1, NEW, 500);
        let mut m = board(vec![a.clone(), card(2, NEW, 700)], 0);
        let MoveAsk::Send(request) = m.ask_move(&a, CONTACTED) else {
            panic!("Dana may move her own lead");
        };
        assert_eq!((request.to_stage, request.version), (CONTACTED, 3));
        m.begin_move(&a, CONTACTED);
        assert_eq!(column(&m, NEW), (1, 700, vec![2]));
        assert_eq!(column(&m, CONTACTED), (1, 500, vec![1]));
        assert_eq!(m.pending, [a.id]);
        assert_eq!(
            m.ask_move(&a, QUALIFIED),
            MoveAsk::Nothing,
            "one move at a time"
        );

        let said = m.move_answered(&a, CONTACTED, Ok(saved_in(&a, CONTACTED)));
        assert_eq!(said, "Moved Lead 1 to Contacted");
        assert!(m.pending.is_empty());
        assert_eq!(m.card(a.id).unwrap().version, 4);
        assert_eq!(column(&m, CONTACTED), (1, 500, vec![1]));
    }

    #[test]
    fn a_refused_move_rolls_back_and_says_why_by_the_card() {
        let a = card(1, NEW, 500);
        let mut m = board(vec![a.clone()], 2);
        m.begin_move(&a, QUALIFIED);
        let said = m.move_answered(
            &a,
            QUALIFIED,
            Err(AppError::field("next_step", "Plan the next step first")),
        );
        assert_eq!(said, "Lead 1 was not moved: Plan the next step first");
        assert_eq!(column(&m, NEW), (3, 2_500, vec![1]), "back, counted once");
        assert_eq!(column(&m, QUALIFIED), (2, 2_000, vec![]));
        let problem = &m.errors[&a.id];
        assert_eq!(problem.plan_to.as_deref(), Some("Qualified"));
        // Planning the step, then the move again, on the lead as it stands.
        let before = m.begin_plan(a.id).unwrap();
        let mut planned = before.clone();
        planned.version = 4;
        assert_eq!(m.plan_answered(&before, Ok(planned)), Ok(()));
        assert!(m.errors.is_empty());
        let (lead, to) = m.take_retry(a.id).unwrap();
        assert_eq!((lead.version, to), (4, QUALIFIED));
        assert_eq!(m.take_retry(a.id), None, "offered once");
    }

    #[test]
    fn a_move_answered_after_a_newer_live_version_keeps_the_newer() {
        let a = card(1, NEW, 500);
        let mut m = board(vec![a.clone()], 0);
        m.begin_move(&a, CONTACTED);
        // Our move committed as version 4, then a manager raised the value (version 5); the
        // live feed brought both before the move's answer came back.
        let ours = saved_in(&a, CONTACTED);
        let mut raised = ours.clone();
        raised.version = 5;
        raised.value = Some(Money::new(90_000, Currency::USD));
        assert_eq!(
            m.apply_live(&live(LiveKind::Moved, ours.clone(), Some(NEW))),
            None
        );
        assert_eq!(
            m.apply_live(&live(LiveKind::Edited, raised, Some(CONTACTED))),
            None
        );
        m.move_answered(&a, CONTACTED, Ok(ours.clone()));
        let shown = m.card(a.id).unwrap();
        assert_eq!(
            shown.version, 5,
            "the board never goes back to an older version"
        );
        assert_eq!(column(&m, CONTACTED), (1, 900, vec![1]));
        assert_eq!(column(&m, NEW), (0, 0, vec![]));
        // Its own echo arriving late changes nothing either.
        assert_eq!(m.apply_live(&live(LiveKind::Moved, ours, Some(NEW))), None);
        assert_eq!(m.card(a.id).unwrap().version, 5);
    }

    #[test]
    fn a_refusal_after_a_newer_live_version_does_not_roll_back_over_it() {
        let a = card(1, NEW, 500);
        let mut m = board(vec![a.clone()], 0);
        m.begin_move(&a, QUALIFIED);
        let mut moved_by_manager = saved_in(&a, CONTACTED);
        moved_by_manager.version = 4;
        assert_eq!(
            m.apply_live(&live(LiveKind::Moved, moved_by_manager, Some(NEW))),
            None,
            "a card with a move in flight is not announced as someone else's"
        );
        m.move_answered(
            &a,
            QUALIFIED,
            Err(AppError::field("value", "Needs a value")),
        );
        assert_eq!(m.card(a.id).unwrap().stage_id, CONTACTED);
        assert_eq!(column(&m, CONTACTED), (1, 500, vec![1]));
        assert_eq!(column(&m, NEW).0 + column(&m, QUALIFIED).0, 0);
    }

    #[test]
    fn a_conflict_shows_the_lead_as_it_is_and_offers_the_move_again() {
        let a = card(1, NEW, 500);
        let mut m = board(vec![a.clone()], 0);
        m.begin_move(&a, QUALIFIED);
        let mut current = a.clone();
        current.version = 4;
        current.value = Some(Money::new(80_000, Currency::USD));
        let said = m.move_answered(
            &a,
            QUALIFIED,
            Err(AppError::Conflict {
                message: "changed".into(),
                current: Box::new(current),
            }),
        );
        assert!(
            said.starts_with("Lead 1 was not moved. Someone else changed"),
            "{said}"
        );
        assert!(said.contains("Value: $500 → $800"), "{said}");
        let problem = &m.errors[&a.id];
        assert_eq!(problem.retry_to.as_deref(), Some("Qualified"));
        assert_eq!(column(&m, NEW), (1, 800, vec![1]));
        let (lead, to) = m.take_retry(a.id).unwrap();
        assert_eq!((lead.version, to), (4, QUALIFIED));
    }

    #[test]
    fn a_conflict_into_a_lost_stage_is_not_offered_again_as_a_plain_move() {
        let a = card(1, NEW, 500);
        let mut m = board(vec![a.clone()], 0);
        assert_eq!(m.ask_move(&a, LOST), MoveAsk::Reason);
        m.begin_move(&a, LOST);
        let mut current = a.clone();
        current.version = 4;
        m.move_answered(
            &a,
            LOST,
            Err(AppError::Conflict {
                message: "changed".into(),
                current: Box::new(current),
            }),
        );
        assert_eq!(m.errors[&a.id].retry_to, None);
    }

    #[test]
    fn a_live_move_by_someone_else_is_placed_counted_and_announced() {
        let a = card(1, NEW, 500);
        let mut m = board(vec![a.clone()], 1);
        let said = m.apply_live(&live(LiveKind::Moved, saved_in(&a, QUALIFIED), Some(NEW)));
        assert_eq!(said.as_deref(), Some("Lead 1 moved to Qualified"));
        assert_eq!(column(&m, NEW), (1, 1_000, vec![]));
        assert_eq!(column(&m, QUALIFIED), (2, 1_500, vec![1]));
    }

    #[test]
    fn a_card_beyond_the_loaded_page_moves_its_count_and_edits_to_it_change_nothing() {
        let mut m = board(vec![card(1, NEW, 500)], 3);
        let far = card(9, NEW, 1_000);
        let mut edited = far.clone();
        edited.version = 4;
        assert_eq!(
            m.apply_live(&live(LiveKind::Edited, edited, Some(NEW))),
            None
        );
        assert_eq!(
            column(&m, NEW),
            (4, 3_500, vec![1]),
            "not loaded, still counted once"
        );
        let said = m.apply_live(&live(LiveKind::Moved, saved_in(&far, CONTACTED), Some(NEW)));
        assert_eq!(said.as_deref(), Some("Lead 9 moved to Contacted"));
        assert_eq!(column(&m, NEW), (3, 2_500, vec![1]));
        assert_eq!(column(&m, CONTACTED), (4, 4_000, vec![9]));
    }

    #[test]
    fn a_new_inquiry_arrives_counted_once_and_announced() {
        let mut m = board(vec![card(1, NEW, 500)], 0);
        let new = card(5, NEW, 250);
        let said = m.apply_live(&live(LiveKind::Created, new.clone(), None));
        assert_eq!(said.as_deref(), Some("New lead: Lead 5 in New"));
        assert_eq!(column(&m, NEW).0, 2);
        assert_eq!(m.apply_live(&live(LiveKind::Created, new, None)), None);
        assert_eq!(column(&m, NEW), (2, 750, vec![1, 5]));
    }

    #[test]
    fn a_lead_that_leaves_a_filtered_board_is_taken_off_it() {
        let a = card(1, NEW, 500);
        let mut m = board(vec![a.clone(), card(2, NEW, 700)], 0);
        m.filter.owner = Some(UserId(7));
        let mut given_away = a.clone();
        given_away.version = 4;
        given_away.owner = Some(UserRef {
            id: 8,
            name: "Luis".into(),
        });
        assert_eq!(
            m.apply_live(&live(LiveKind::Assigned, given_away, Some(NEW))),
            None
        );
        assert_eq!(column(&m, NEW), (1, 700, vec![2]));
        // Saved from the drawer to a value the filter excludes: off the board too.
        m.filter.min_value = Some(100_000);
        let mut cheap = card(2, NEW, 700);
        cheap.version = 4;
        m.saved(cheap);
        assert_eq!(column(&m, NEW), (0, 0, vec![]));
    }

    #[test]
    fn a_drop_uses_the_card_a_live_edit_reached_mid_drag_but_not_one_moved_meanwhile() {
        let a = card(1, NEW, 500);
        let mut m = board(vec![a.clone()], 0);
        let pressed = a.clone();
        let mut edited = a.clone();
        edited.version = 4;
        edited.value = Some(Money::new(60_000, Currency::USD));
        m.apply_live(&live(LiveKind::Edited, edited, Some(NEW)));
        assert_eq!(
            m.dropped(pressed.clone()).version,
            4,
            "same stage: the newest copy"
        );
        let mut moved = a.clone();
        moved.version = 5;
        moved.stage_id = CONTACTED;
        m.apply_live(&live(LiveKind::Moved, moved, Some(NEW)));
        let dropped = m.dropped(pressed);
        assert_eq!(
            (dropped.version, dropped.stage_id),
            (3, NEW),
            "moved by someone else: the server explains the conflict"
        );
    }

    #[test]
    fn someone_elses_card_is_refused_before_anything_is_sent() {
        let mut theirs = card(3, NEW, 500);
        theirs.owner = Some(UserRef {
            id: 8,
            name: "Luis".into(),
        });
        let mut m = board(vec![theirs.clone()], 0);
        let MoveAsk::Refused(said) = m.ask_move(&theirs, CONTACTED) else {
            panic!("a rep may not move another rep's lead");
        };
        assert_eq!(
            said,
            "Lead 3: Only the lead's owner or their manager can change it"
        );
        assert!(m.errors.contains_key(&theirs.id));
        assert!(m.pending.is_empty());
        assert_eq!(column(&m, NEW), (1, 500, vec![3]));
    }

    #[test]
    fn a_page_loads_below_without_repeating_a_card_that_came_live() {
        let mut m = board(vec![card(1, NEW, 500)], 2);
        m.cursors.insert(NEW, Some("after-1".into()));
        assert_eq!(m.begin_load(NEW).as_deref(), Some("after-1"));
        assert_eq!(m.begin_load(NEW), None, "already loading");
        let mut live_copy = card(2, NEW, 1_000);
        live_copy.version = 9;
        m.cards.push(live_copy);
        let said = m.page_loaded(
            NEW,
            Ok(ColumnPage {
                cards: vec![card(2, NEW, 1_000), card(3, NEW, 1_000)],
                next: None,
            }),
        );
        assert_eq!(said, "2 more leads in New");
        assert_eq!(m.card(LeadId(2)).unwrap().version, 9);
        assert_eq!(m.column(NEW).len(), 3);
        assert!(m.loading.is_empty());
        assert_eq!(m.begin_load(NEW), None, "fully loaded");
    }

    #[test]
    fn the_drop_preview_names_the_stage_rule_and_the_policy() {
        let mut a = card(1, NEW, 500);
        let m = board(vec![a.clone()], 0);
        let qualified = m.stage(QUALIFIED).unwrap().clone();
        assert_eq!(m.preview(&a, &qualified), None);
        a.value = None;
        assert!(m
            .preview(&a, &qualified)
            .is_some_and(|w| w.contains("value")));
        let mut no_step = card(2, NEW, 500);
        no_step.next_step = None;
        let contacted = m.stage(CONTACTED).unwrap().clone();
        assert!(
            m.preview(&no_step, &contacted)
                .is_some_and(|w| w.to_lowercase().contains("next step")),
            "the organisation policy wants a next step on every open lead"
        );
    }
}
