//! The board's reactive state: the plain [`BoardModel`] in one signal, memos for the parts
//! many components read, the pointer drag and keyboard grab, and the requests to the server
//! (each answer handed to the model, which says what to announce).

use super::dom::focus_card;
use super::model::{BoardModel, MoveAsk};
use crate::api::today::plan_next_step;
use crate::api::{get_column, move_lead, LiveEvent};
use crate::components::lead_card::CardProblem;
use crate::domain::activity::{ActivityKind, NextStepChange, QuickPick};
use crate::domain::{Lead, LeadId, MoveRequest, NextStepKind, Stage, StageId, Timestamp};
use crate::model::board::Board;
use leptos::prelude::*;
use std::collections::HashMap;

/// A press on a card that may turn into a drag.
#[derive(Clone, Debug, PartialEq)]
pub struct Drag {
    /// The card as pressed.
    pub lead: Lead,
    pub start: (f64, f64),
    pub at: (f64, f64),
    pub active: bool,
    pub over: Option<StageId>,
    /// The pressed card's viewport box (left, top, width): the floating preview starts there.
    pub origin: (f64, f64, f64),
}

/// A card picked up with the keyboard (Space), travelling between stages with the arrow keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Grab {
    pub lead: Lead,
    pub target: StageId,
}

/// A drop into a lost stage waiting for its close-out reason.
#[derive(Clone, Debug, PartialEq)]
pub struct Closing {
    pub lead: Lead,
    pub to: StageId,
}

/// The board's client state. All handles are `Copy`, so handlers capture it freely.
#[derive(Clone, Copy)]
pub struct BoardState {
    /// Cards, counts, cursors, moves in flight and card problems: every change goes through
    /// the model's methods.
    pub model: RwSignal<BoardModel>,
    /// The server's clock when the board was read (chips are computed against it).
    pub now: Timestamp,
    /// Per-card problems and moves in flight, as memos: a card re-renders its problem only
    /// when these change, not on every change to the board.
    pub errors: Memo<HashMap<LeadId, CardProblem>>,
    pub pending: Memo<Vec<LeadId>>,
    /// The lead open in the drawer, and the touch kind its quick log starts with.
    pub open: RwSignal<Option<(LeadId, Option<ActivityKind>)>>,
    /// Set when a drag ends, so the click that follows it does not open the drawer.
    pub dragged_just_now: StoredValue<bool>,
    /// Spoken by screen readers and shown as a toast.
    pub announcement: RwSignal<String>,
    pub drag: RwSignal<Option<Drag>>,
    /// The card being dragged, once the press became a drag. Changes twice per drag, so
    /// cards and columns depend on it (and on `over`) rather than on every pointer move.
    pub dragged: Memo<Option<LeadId>>,
    /// The stage under the pointer during a drag, or chosen by arrow keys for a grabbed card.
    pub over: Memo<Option<StageId>>,
    pub grab: RwSignal<Option<Grab>>,
    /// The card being moved by pointer or keyboard.
    pub moving: Memo<Option<LeadId>>,
    pub closing: RwSignal<Option<Closing>>,
}

impl BoardState {
    pub fn new(board: Board) -> Self {
        let now = board.now;
        let model = RwSignal::new(BoardModel::new(board));
        let drag = RwSignal::new(None::<Drag>);
        let dragged =
            Memo::new(move |_| drag.with(|d| d.as_ref().filter(|d| d.active).map(|d| d.lead.id)));
        let grab = RwSignal::new(None::<Grab>);
        let over = Memo::new(move |_| {
            drag.with(|d| d.as_ref().filter(|d| d.active).and_then(|d| d.over))
                .or_else(|| grab.with(|g| g.as_ref().map(|g| g.target)))
        });
        let moving = Memo::new(move |_| {
            dragged
                .get()
                .or_else(|| grab.with(|g| g.as_ref().map(|g| g.lead.id)))
        });
        BoardState {
            model,
            now,
            errors: Memo::new(move |_| model.with(|m| m.errors.clone())),
            pending: Memo::new(move |_| model.with(|m| m.pending.clone())),
            open: RwSignal::new(None),
            dragged_just_now: StoredValue::new(false),
            announcement: RwSignal::new(String::new()),
            drag,
            dragged,
            over,
            grab,
            moving,
            closing: RwSignal::new(None),
        }
    }

    /// Reads the model without subscribing.
    pub fn read<R>(&self, f: impl FnOnce(&BoardModel) -> R) -> Option<R> {
        self.model.try_with_untracked(f)
    }

    /// Changes the model (once the board is gone, nothing).
    fn change<R>(&self, f: impl FnOnce(&mut BoardModel) -> R) -> Option<R> {
        self.model.try_update(f)
    }

    /// Why the viewer may not change this lead, if they may not (the server decides again).
    pub fn refusal(&self, lead: &Lead) -> Option<String> {
        self.read(|m| m.refusal(lead)).flatten()
    }

    pub fn stage(&self, id: StageId) -> Option<Stage> {
        self.read(|m| m.stage(id).cloned()).flatten()
    }

    pub fn stage_name(&self, id: StageId) -> String {
        self.read(|m| m.stage_name(id)).unwrap_or_default()
    }

    /// The rule verdict for dropping `lead` on `stage`, for the column highlight.
    pub fn preview(&self, lead: &Lead, stage: &Stage) -> Option<String> {
        self.read(|m| m.preview(lead, stage)).flatten()
    }

    /// Applies a committed change from the live feed unless this board already has it.
    pub fn apply_live(&self, event: LiveEvent) {
        if let Some(Some(text)) = self.change(|m| m.apply_live(&event)) {
            self.announce(text);
        }
    }

    /// Shows a lead saved from the drawer.
    pub fn saved(&self, lead: Lead) {
        self.change(|m| m.saved(lead));
    }

    /// Loads the next page of a column below the cards it shows.
    pub fn load_more(&self, stage: StageId) {
        let state = *self;
        let Some(Some(after)) = self.change(|m| m.begin_load(stage)) else {
            return;
        };
        let Some(filter) = self.read(|m| m.filter.clone()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let answer = get_column(stage, filter, after).await;
            if let Some(text) = state.change(|m| m.page_loaded(stage, answer)) {
                state.announce(text);
            }
        });
    }

    pub fn announce(&self, text: String) {
        self.announcement.set(text.clone());
        #[cfg(feature = "hydrate")]
        {
            let announcement = self.announcement;
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(6_000).await;
                // Only clear our own message, not a newer one.
                if announcement.get_untracked() == text {
                    announcement.set(String::new());
                }
            });
        }
    }

    /// A drop or key press asked to move `lead` to `to`.
    pub fn request_move(&self, lead: Lead, to: StageId, refocus: bool) {
        match self.change(|m| m.ask_move(&lead, to)) {
            Some(MoveAsk::Refused(text)) => self.announce(text),
            Some(MoveAsk::Reason) => self.closing.set(Some(Closing { lead, to })),
            Some(MoveAsk::Send(request)) => self.send_move(lead, request, refocus),
            Some(MoveAsk::Nothing) | None => {}
        }
    }

    /// Moves the card at once, then lets the server decide.
    pub fn send_move(&self, original: Lead, request: MoveRequest, refocus: bool) {
        let state = *self;
        let id = original.id;
        let wanted = request.to_stage;
        self.change(|m| m.begin_move(&original, wanted));
        if refocus {
            focus_card(id);
        }
        leptos::task::spawn_local(async move {
            let answer = move_lead(id, request).await;
            if let Some(text) = state.change(|m| m.move_answered(&original, wanted, answer)) {
                state.announce(text);
            }
            if refocus {
                focus_card(id);
            }
        });
    }

    /// Re-applies a move that met a conflict, on the lead as it stands now.
    pub fn retry_move(&self, id: LeadId) {
        if let Some(Some((lead, to))) = self.change(|m| m.take_retry(id)) {
            self.request_move(lead, to, true);
        }
    }

    /// Plans the next step a refused move asked for, then makes the move: the fix offered
    /// under a card the policy refused to move for want of a next step.
    pub fn plan_and_move(&self, id: LeadId, kind: NextStepKind, pick: QuickPick) {
        let Some(Some(lead)) = self.change(|m| m.begin_plan(id)) else {
            return;
        };
        let state = *self;
        let now = browser_now(self.now);
        // "Tomorrow" is the team's tomorrow (its calendar's zone), as My day counts days.
        let offset = self
            .read(|m| {
                m.policies
                    .for_team(lead.team_id)
                    .calendar
                    .zone
                    .offset_at(now.0)
                    / 60
            })
            .unwrap_or(0) as i32;
        let change = NextStepChange {
            version: lead.version,
            kind,
            due_at: pick.due(now, offset),
            note: None,
        };
        leptos::task::spawn_local(async move {
            let answer = plan_next_step(id, change).await;
            match state.change(|m| m.plan_answered(&lead, answer)) {
                Some(Ok(())) => state.retry_move(id),
                Some(Err(text)) => state.announce(text),
                None => {}
            }
        });
    }
}

/// The browser's clock (the board may have been open since yesterday), never earlier than the
/// board's read time; the read time itself on the server.
fn browser_now(read_at: Timestamp) -> Timestamp {
    #[cfg(feature = "hydrate")]
    {
        read_at.max(Timestamp(js_sys::Date::now() as i64))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        read_at
    }
}
