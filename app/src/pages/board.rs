//! The pipeline board: one column per stage with its SQL-computed count and value, cards that
//! move by drag and drop (pointer events, so mouse and touch) or by keyboard, optimistic moves
//! that the server confirms or rolls back with its reason, and live updates from other people.

use crate::api::today::plan_next_step;
use crate::api::{get_board, get_column, get_filter_options, move_lead, LiveEvent};
use crate::components::guard::RequireAccess;
use crate::components::lead_card::{CardProblem, LeadCard};
use crate::components::lead_panel::LeadPanel;
use crate::components::live;
use crate::domain::access;
use crate::domain::activity::{ActivityKind, NextStepChange, QuickPick};
use crate::domain::board::describe_changes;
use crate::domain::board::sort_cards;
use crate::domain::filter::{bound_text, encode_component, FilterChoice};
use crate::domain::{
    apply_move, check_write, entry_requirements, evaluate, refusal_message, Actor, Board,
    BoardFilter, CardSort, CloseReason, ColumnSummary, FilterOptions, Lead, LeadId, Money,
    MoveRequest, NextStepKind, Pipeline, Policies, Stage, StageId, StageKind, Timestamp,
};
use crate::error::{AppError, FieldError};
use leptos::ev;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use std::collections::HashMap;

/// Pixels the pointer must travel before a press becomes a drag (below it, a press is a click).
const DRAG_THRESHOLD: f64 = 5.0;

/// Route `/board`.
#[component]
pub fn BoardPage() -> impl IntoView {
    view! {
        <Title text="Board"/>
        // Marked like the lazily loaded pages, so tests know the board's handlers are live.
        <super::lazy::Hydrated/>
        <RequireAccess check=|actor| access::view_board(actor).map(|_| ())>
            <BoardLoader/>
        </RequireAccess>
    }
}

#[component]
fn BoardLoader() -> impl IntoView {
    let query = use_query_map();
    // The URL is the filter's one home: shared links and reloads show the same board.
    let filter = Memo::new(move |_| {
        query.with(|q| BoardFilter::from_query(q.latest_values().map(|(k, v)| (k.as_ref(), v))))
    });
    let board = Resource::new(
        move || filter.get(),
        |f| async move {
            match f {
                Ok(f) => get_board(f).await,
                Err(e) => Err(AppError::field(e.field, e.message)),
            }
        },
    );
    let options = Resource::new(|| (), |_| get_filter_options());
    view! {
        <section class="page board-page" aria-labelledby="board-title">
            <div class="page-head">
                <h1 id="board-title">"Pipeline"</h1>
                <p class="page-hint">
                    "Drag a card, or focus it and press "<kbd>"Space"</kbd>", then "
                    <kbd>"←"</kbd>" / "<kbd>"→"</kbd>" and "<kbd>"Space"</kbd>" to move it."
                </p>
            </div>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    options.await.ok().map(|o| view! { <FilterBar options=o filter=filter/> })
                })}
            </Suspense>
            <Transition fallback=|| view! { <p class="loading">"Loading the board…"</p> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(b) => view! { <BoardView board=b/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Owner, team, source, campaign, value range, text and order; every change is a navigation
/// to the board's URL with the new query, so the browser's back button and shared links work.
/// Without JavaScript it is a plain GET form doing the same.
#[component]
fn FilterBar(
    options: FilterOptions,
    filter: Memo<Result<BoardFilter, FieldError>>,
) -> impl IntoView {
    let navigate = use_navigate();
    let current = move || filter.get().unwrap_or_default();
    let goto = Callback::new(move |url: String| {
        navigate(
            &url,
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        )
    });
    let text = RwSignal::new(current().text.unwrap_or_default());
    let min = RwSignal::new(bound_text(current().min_value));
    let max = RwSignal::new(bound_text(current().max_value));
    // Applies one changed field on top of the current filter, keeping the typed text fields.
    let change = Callback::new(move |(key, value): (&'static str, String)| {
        let mut pairs: Vec<(String, String)> = vec![
            ("q".into(), text.get_untracked()),
            ("min".into(), min.get_untracked()),
            ("max".into(), max.get_untracked()),
        ];
        let f = current();
        for (k, v) in [
            ("owner", f.owner.map(|o| o.0.to_string())),
            ("team", f.team.map(|t| t.0.to_string())),
            ("source", f.source.map(|s| s.to_string())),
            ("campaign", f.campaign.map(|c| c.to_string())),
            ("sort", Some(f.sort.key().to_string())),
        ] {
            pairs.push((k.into(), v.unwrap_or_default()));
        }
        if let Some(p) = pairs.iter_mut().find(|(k, _)| k == key) {
            p.1 = value;
        }
        let q = match BoardFilter::from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            Ok(f) => f.to_query(),
            // A bad bound: the URL carries it as typed so the board explains it, naming the field.
            Err(_) => pairs
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}={}", encode_component(v)))
                .collect::<Vec<_>>()
                .join("&"),
        };
        goto.run(if q.is_empty() {
            "/board".to_string()
        } else {
            format!("/board?{q}")
        });
    });
    let select = move |name: &'static str,
                       label: &'static str,
                       all: &'static str,
                       choices: Vec<FilterChoice>,
                       chosen: fn(&BoardFilter) -> Option<i64>| {
        // A list with one choice filters nothing (a rep's own name as the only owner).
        (choices.len() > 1).then(|| {
            view! {
                <label class="filter">
                    <span class="filter-label">{label}</span>
                    <select name=name on:change=move |e| change.run((name, event_target_value(&e)))>
                        <option value="" selected=move || chosen(&current()).is_none()>{all}</option>
                        {choices.into_iter().map(|c| {
                            let id = c.id;
                            view! {
                                <option value=id.to_string()
                                    selected=move || chosen(&current()) == Some(id)>{c.name}</option>
                            }
                        }).collect_view()}
                    </select>
                </label>
            }
        })
    };
    let FilterOptions {
        owners,
        teams,
        sources,
        campaigns,
    } = options;
    view! {
        <form class="filters" method="get" action="/board" role="search" aria-label="Filter the board"
            on:submit=move |e| { e.prevent_default(); change.run(("q", text.get_untracked())); }>
            <label class="filter filter-search">
                <span class="filter-label">"Search"</span>
                <input type="search" name="q" placeholder="Name, company or e-mail" maxlength="100"
                    prop:value=move || text.get()
                    on:input=move |e| text.set(event_target_value(&e))
                    on:change=move |e| change.run(("q", event_target_value(&e)))/>
            </label>
            {select("owner", "Owner", "All owners", owners, |f| f.owner.map(|o| o.0))}
            {select("team", "Team", "All teams", teams, |f| f.team.map(|t| t.0))}
            {select("source", "Source", "All sources", sources, |f| f.source)}
            {select("campaign", "Campaign", "All campaigns", campaigns, |f| f.campaign)}
            <fieldset class="filter filter-range">
                <legend class="filter-label">"Value"</legend>
                <input type="text" inputmode="numeric" name="min" placeholder="min" aria-label="Lowest value"
                    prop:value=move || min.get()
                    on:input=move |e| min.set(event_target_value(&e))
                    on:change=move |e| change.run(("min", event_target_value(&e)))/>
                <span aria-hidden="true">"–"</span>
                <input type="text" inputmode="numeric" name="max" placeholder="max" aria-label="Highest value"
                    prop:value=move || max.get()
                    on:input=move |e| max.set(event_target_value(&e))
                    on:change=move |e| change.run(("max", event_target_value(&e)))/>
            </fieldset>
            <label class="filter">
                <span class="filter-label">"Order"</span>
                <select name="sort" on:change=move |e| change.run(("sort", event_target_value(&e)))>
                    {CardSort::ALL.into_iter().map(|s| view! {
                        <option value=s.key() selected=move || current().sort == s>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <div class="filter-actions">
                <noscript><button type="submit" class="button">"Apply"</button></noscript>
                {move || (!current().is_unfiltered()).then(|| view! {
                    <a class="button button-quiet" href="/board">"Clear filters"</a>
                })}
            </div>
        </form>
    }
}

#[component]
fn ErrorPanel(error: AppError) -> impl IntoView {
    let about_filter = !error.fields().is_empty();
    view! {
        <div class="panel panel-error" role="alert">
            <h2>"The board could not be loaded"</h2>
            <p>{error.to_string()}</p>
            {about_filter.then(|| view! {
                <p><a class="button" href="/board">"Clear filters"</a></p>
            })}
        </div>
    }
}

/// A press on a card that may turn into a drag.
#[derive(Clone, Debug, PartialEq)]
struct Drag {
    lead: Lead,
    start: (f64, f64),
    at: (f64, f64),
    active: bool,
    over: Option<StageId>,
    /// The pressed card's viewport box (left, top, width): the floating preview starts there.
    origin: (f64, f64, f64),
}

/// A card picked up with the keyboard (Space), travelling between stages with the arrow keys.
#[derive(Clone, Debug, PartialEq)]
struct Grab {
    lead: Lead,
    target: StageId,
}

/// Most cards one column holds in the page; past it, the rep narrows the filter instead.
const MAX_LOADED: usize = 250;

/// A drop into a lost stage waiting for its close-out reason.
#[derive(Clone, Debug, PartialEq)]
struct Closing {
    lead: Lead,
    to: StageId,
}

/// The board's client state. All handles are `Copy`, so handlers capture it freely.
#[derive(Clone, Copy)]
struct BoardState {
    pipeline: StoredValue<Pipeline>,
    now: Timestamp,
    summaries: RwSignal<Vec<ColumnSummary>>,
    cards: RwSignal<Vec<Lead>>,
    /// Per-card problem from the last rejected or conflicting move.
    errors: RwSignal<HashMap<LeadId, CardProblem>>,
    /// A conflicting move's wanted stage, per card, for "Move again".
    retry: RwSignal<HashMap<LeadId, StageId>>,
    /// The lead open in the drawer, and the touch kind its quick log starts with.
    open: RwSignal<Option<(LeadId, Option<ActivityKind>)>>,
    /// Set when a drag ends, so the click that follows it does not open the drawer.
    dragged_just_now: StoredValue<bool>,
    pending: RwSignal<Vec<LeadId>>,
    /// Spoken by screen readers and shown as a toast.
    announcement: RwSignal<String>,
    drag: RwSignal<Option<Drag>>,
    /// The card being dragged, once the press became a drag. Changes twice per drag, so
    /// cards and columns depend on it (and on `over`) rather than on every pointer move.
    dragged: Memo<Option<LeadId>>,
    /// The stage under the pointer during a drag, or chosen by arrow keys for a grabbed card.
    over: Memo<Option<StageId>>,
    grab: RwSignal<Option<Grab>>,
    /// The card being moved by pointer or keyboard.
    moving: Memo<Option<LeadId>>,
    filter: StoredValue<BoardFilter>,
    /// Per column: where its next page starts (absent or `None` when fully loaded).
    cursors: RwSignal<HashMap<StageId, Option<String>>>,
    loading: RwSignal<Vec<StageId>>,
    closing: RwSignal<Option<Closing>>,
    /// Who is looking: cards they may not change do not start drags or moves.
    viewer: StoredValue<Actor>,
    /// The follow-up policies, evaluated per card.
    policies: StoredValue<Policies>,
}

impl BoardState {
    fn new(board: Board) -> Self {
        let cards = board.columns.iter().flat_map(|c| c.cards.clone()).collect();
        let summaries = board.columns.iter().map(|c| c.summary.clone()).collect();
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
        let cursors = board
            .columns
            .iter()
            .map(|c| (c.summary.stage_id, c.next.clone()))
            .collect();
        BoardState {
            pipeline: StoredValue::new(board.pipeline),
            policies: StoredValue::new(board.policies),
            now: board.now,
            summaries: RwSignal::new(summaries),
            cards: RwSignal::new(cards),
            errors: RwSignal::new(HashMap::new()),
            retry: RwSignal::new(HashMap::new()),
            open: RwSignal::new(None),
            dragged_just_now: StoredValue::new(false),
            pending: RwSignal::new(Vec::new()),
            announcement: RwSignal::new(String::new()),
            drag,
            dragged,
            over,
            grab,
            moving,
            filter: StoredValue::new(board.filter),
            cursors: RwSignal::new(cursors),
            loading: RwSignal::new(Vec::new()),
            closing: RwSignal::new(None),
            viewer: StoredValue::new(board.viewer),
        }
    }

    /// Why the viewer may not change this lead, if they may not (the server decides again).
    fn refusal(&self, lead: &Lead) -> Option<String> {
        self.viewer
            .with_value(|v| access::edit_lead(v, lead).err())
            .map(|d| d.0.to_string())
    }

    fn stage(&self, id: StageId) -> Option<Stage> {
        self.pipeline.with_value(|p| p.get(id).cloned())
    }

    fn stage_name(&self, id: StageId) -> String {
        self.stage(id)
            .map(|s| s.name)
            .unwrap_or_else(|| "another stage".into())
    }

    /// Shows `lead` as given wherever it is on the board, keeping column counts and totals in
    /// step with where the card was displayed before.
    fn place(&self, lead: Lead, left_stage: Option<StageId>) {
        let old = self
            .cards
            .with_untracked(|cs| cs.iter().find(|c| c.id == lead.id).cloned());
        self.summaries.update(|sums| {
            match &old {
                Some(o) => summary_mut(sums, o.stage_id).remove(o),
                // The card was beyond the loaded page: the summary still counted it.
                None => {
                    if let Some(from) = left_stage {
                        summary_mut(sums, from).remove(&lead);
                    }
                }
            }
            summary_mut(sums, lead.stage_id).add(&lead);
        });
        self.cards
            .update(|cs| match cs.iter_mut().find(|c| c.id == lead.id) {
                Some(c) => *c = lead,
                None => cs.push(lead),
            });
    }

    /// Applies a committed change from the live feed unless this board already has it.
    fn apply_live(&self, event: LiveEvent) {
        let known = self
            .cards
            .with_untracked(|cs| cs.iter().find(|c| c.id == event.lead.id).map(|c| c.version));
        if known.is_some_and(|v| v >= event.lead.version) {
            return;
        }
        if !self.filter.with_value(|f| f.matches(&event.lead)) {
            // It no longer belongs on this filtered board.
            if known.is_some() {
                self.remove(event.lead.id);
            }
            return;
        }
        let moved = event.from_stage.is_some_and(|f| f != event.lead.stage_id);
        // A new inquiry (events come after this board's snapshot, so it is not counted yet).
        let arrived = known.is_none() && event.kind == "lead.created";
        if known.is_none() && !moved && !arrived {
            // A change to a card beyond the loaded page: counts and totals are unchanged.
            return;
        }
        let title = event.lead.title().to_string();
        let to = self.stage_name(event.lead.stage_id);
        let by_someone_else = !self.pending.with_untracked(|p| p.contains(&event.lead.id));
        self.place(event.lead, event.from_stage.filter(|_| moved));
        if by_someone_else && moved {
            self.announce(format!("{title} moved to {to}"));
        } else if arrived {
            self.announce(format!("New lead: {title} in {to}"));
        }
    }

    /// Takes a card off the board (and out of its column's count and total).
    fn remove(&self, id: LeadId) {
        let Some(old) = self
            .cards
            .with_untracked(|cs| cs.iter().find(|c| c.id == id).cloned())
        else {
            return;
        };
        self.summaries
            .update(|sums| summary_mut(sums, old.stage_id).remove(&old));
        self.cards.update(|cs| cs.retain(|c| c.id != id));
    }

    /// Loads the next page of a column below the cards it shows.
    fn load_more(&self, stage: StageId) {
        let state = *self;
        let Some(after) = self
            .cursors
            .with_untracked(|c| c.get(&stage).cloned().flatten())
        else {
            return;
        };
        if self.loading.with_untracked(|l| l.contains(&stage)) {
            return;
        }
        self.loading.update(|l| l.push(stage));
        let filter = self.filter.get_value();
        leptos::task::spawn_local(async move {
            let result = get_column(stage, filter, after).await;
            state.loading.update(|l| l.retain(|s| *s != stage));
            match result {
                Ok(page) => {
                    let added = page.cards.len();
                    state.cursors.update(|c| {
                        c.insert(stage, page.next);
                    });
                    state.cards.update(|cs| {
                        for card in page.cards {
                            if !cs.iter().any(|c| c.id == card.id) {
                                cs.push(card);
                            }
                        }
                    });
                    state.announce(format!("{added} more leads in {}", state.stage_name(stage)));
                }
                Err(e) => state.announce(format!("More leads could not be loaded: {e}")),
            }
        });
    }

    fn announce(&self, text: String) {
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
    fn request_move(&self, lead: Lead, to: StageId, refocus: bool) {
        if lead.stage_id == to || self.pending.with_untracked(|p| p.contains(&lead.id)) {
            return;
        }
        if let Some(why) = self.refusal(&lead) {
            self.announce(format!("{}: {why}", lead.title()));
            self.errors.update(|e| {
                e.insert(lead.id, problem(why));
            });
            return;
        }
        if self.stage(to).is_some_and(|s| s.kind == StageKind::Lost) {
            self.closing.set(Some(Closing { lead, to }));
            return;
        }
        self.send_move(
            lead.clone(),
            MoveRequest {
                to_stage: to,
                version: lead.version,
                close_reason: None,
                close_note: None,
            },
            refocus,
        );
    }

    /// Moves the card at once, then lets the server decide.
    fn send_move(&self, original: Lead, request: MoveRequest, refocus: bool) {
        let state = *self;
        let id = original.id;
        let title = original.title().to_string();
        let to_name = self.stage_name(request.to_stage);
        self.errors.update(|e| {
            e.remove(&id);
        });
        self.pending.update(|p| p.push(id));
        let mut optimistic = original.clone();
        optimistic.stage_id = request.to_stage;
        self.place(optimistic, None);
        if refocus {
            focus_card(id);
        }

        leptos::task::spawn_local(async move {
            let to_stage = request.to_stage;
            let result = move_lead(id, request).await;
            state.pending.update(|p| p.retain(|x| *x != id));
            match result {
                Ok(lead) => {
                    state.place(lead, None);
                    state.announce(format!("Moved {title} to {to_name}"));
                }
                Err(AppError::Conflict { current, .. }) => {
                    let changes = state
                        .pipeline
                        .with_value(|p| describe_changes(&original, &current, p));
                    let wanted = to_stage;
                    let offer = current.stage_id != wanted
                        && !state
                            .stage(wanted)
                            .is_some_and(|s| s.kind == StageKind::Lost);
                    state.place(*current, None);
                    let msg = "Someone else changed this lead while you moved it:".to_string();
                    state.retry.update(|r| {
                        r.insert(id, wanted);
                    });
                    state.errors.update(|e| {
                        e.insert(
                            id,
                            CardProblem {
                                message: msg.clone(),
                                retry_to: offer.then(|| to_name.clone()),
                                changes: changes.clone(),
                                plan_to: None,
                            },
                        );
                    });
                    state.announce(format!(
                        "{title} was not moved. {msg} {}",
                        changes.join("; ")
                    ));
                }
                Err(err) => {
                    // Roll back unless a newer version arrived live meanwhile.
                    let newer = state.cards.with_untracked(|cs| {
                        cs.iter()
                            .any(|c| c.id == id && c.version > original.version)
                    });
                    if !newer {
                        state.place(original, None);
                    }
                    let msg = err.to_string();
                    // A missing next step is fixed in place: plan one, then the move runs.
                    let needs_step = err.fields().iter().any(|f| f.field == "next_step");
                    if needs_step {
                        state.retry.update(|r| {
                            r.insert(id, to_stage);
                        });
                    }
                    state.errors.update(|e| {
                        e.insert(
                            id,
                            CardProblem {
                                plan_to: needs_step.then(|| to_name.clone()),
                                ..problem(msg.clone())
                            },
                        );
                    });
                    state.announce(format!("{title} was not moved: {msg}"));
                }
            }
            if refocus {
                focus_card(id);
            }
        });
    }

    /// Re-applies a move that met a conflict, on the lead as it stands now.
    fn retry_move(&self, id: LeadId) {
        let Some(to) = self.retry.with_untracked(|r| r.get(&id).copied()) else {
            return;
        };
        let Some(lead) = self
            .cards
            .with_untracked(|cs| cs.iter().find(|c| c.id == id).cloned())
        else {
            return;
        };
        self.retry.update(|r| {
            r.remove(&id);
        });
        self.request_move(lead, to, true);
    }

    /// Plans the next step a refused move asked for, then makes the move: the fix offered
    /// under a card the policy refused to move for want of a next step.
    fn plan_and_move(&self, id: LeadId, kind: NextStepKind, pick: QuickPick) {
        let Some(lead) = self
            .cards
            .with_untracked(|cs| cs.iter().find(|c| c.id == id).cloned())
        else {
            return;
        };
        let state = *self;
        let change = NextStepChange {
            version: lead.version,
            kind,
            due_at: pick.due(browser_now(self.now), 0),
            note: None,
        };
        self.pending.update(|p| p.push(id));
        leptos::task::spawn_local(async move {
            let result = plan_next_step(id, change).await;
            state.pending.update(|p| p.retain(|x| *x != id));
            match result {
                Ok(planned) => {
                    state.place(planned, None);
                    state.errors.update(|e| {
                        e.remove(&id);
                    });
                    state.retry_move(id);
                }
                Err(err) => {
                    let msg = err.to_string();
                    state.errors.update(|e| {
                        e.insert(id, problem(msg.clone()));
                    });
                    state.announce(format!("{}: {msg}", lead.title()));
                }
            }
        });
    }

    /// Shows a lead saved from the drawer: placed where it now belongs, or taken off a
    /// filtered board it no longer matches.
    fn saved(&self, lead: Lead) {
        if self.filter.with_value(|f| f.matches(&lead)) {
            self.place(lead, None);
        } else {
            self.remove(lead.id);
        }
    }

    /// The rule verdict for dropping the dragged card on `stage`, for the column highlight.
    fn preview(&self, lead: &Lead, stage: &Stage) -> Option<String> {
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
        let moved = match self
            .pipeline
            .with_value(|p| apply_move(p, lead, &request, self.now))
        {
            Ok(moved) => moved,
            Err(r) => return Some(r.message),
        };
        // Then the team's follow-up policy, as the server will judge the move.
        self.policies.with_value(|ps| {
            let policy = ps.for_team(lead.team_id);
            refusal_message(policy, &check_write(policy, lead, &moved, self.now))
        })
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

fn problem(message: String) -> CardProblem {
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

/// The interactive board, hydrated from the server-rendered `board`.
#[component]
fn BoardView(board: Board) -> impl IntoView {
    let last_event_id = board.last_event_id;
    let stages: Vec<Stage> = board.pipeline.stages().to_vec();
    let stages_for_bar: Vec<Stage> = stages
        .iter()
        .filter(|s| s.kind.is_closed())
        .cloned()
        .collect();
    let state = BoardState::new(board);

    let bell = use_context::<crate::components::bell::Ring>();
    live::connect(last_event_id, move |event| {
        if event.recipient.is_some() {
            // A notification for the signed-in person, not a lead change.
            if let Some(bell) = bell {
                bell.ring();
            }
        } else {
            state.apply_live(event);
        }
    });

    let board_ref = NodeRef::<leptos::html::Div>::new();
    // While a drag is near the board's left or right edge, scroll it (every 16 ms).
    let ticker = StoredValue::new(None::<IntervalHandle>);
    let stop_autoscroll = move || {
        if let Some(h) = ticker.get_value() {
            h.clear();
        }
        ticker.set_value(None);
    };
    let start_autoscroll = move || {
        if ticker.with_value(Option::is_some) {
            return;
        }
        let handle = set_interval_with_handle(
            move || {
                let Some(d) = state.drag.get_untracked().filter(|d| d.active) else {
                    return;
                };
                let Some(board) = board_ref.get_untracked() else {
                    return;
                };
                let dx = edge_scroll(&board, d.at.0);
                if dx != 0.0 {
                    state.drag.update(|d| {
                        if let Some(d) = d {
                            d.over = stage_under(d.at.0, d.at.1);
                        }
                    });
                }
            },
            std::time::Duration::from_millis(16),
        )
        .ok();
        ticker.set_value(handle);
    };

    let on_move = window_event_listener(ev::pointermove, move |e| {
        let (x, y) = (f64::from(e.client_x()), f64::from(e.client_y()));
        let mut became_active = false;
        state.drag.update(|d| {
            if let Some(d) = d {
                d.at = (x, y);
                if !d.active && (x - d.start.0).hypot(y - d.start.1) > DRAG_THRESHOLD {
                    d.active = true;
                    became_active = true;
                }
                if d.active {
                    d.over = stage_under(x, y);
                }
            }
        });
        if became_active {
            start_autoscroll();
        }
    });
    let on_up = window_event_listener(ev::pointerup, move |_| {
        stop_autoscroll();
        if let Some(d) = state.drag.get_untracked() {
            state.drag.set(None);
            state.dragged_just_now.set_value(d.active);
            if let (true, Some(to)) = (d.active, d.over) {
                state.request_move(d.lead, to, false);
            }
        }
    });
    let on_cancel = window_event_listener(ev::pointercancel, move |_| {
        stop_autoscroll();
        state.drag.set(None);
    });
    // Escape abandons a drag wherever the focus is.
    let on_escape = window_event_listener(ev::keydown, move |e| {
        if e.key() == "Escape" && state.drag.with_untracked(Option::is_some) {
            stop_autoscroll();
            state.drag.set(None);
        }
    });
    on_cleanup(move || {
        on_move.remove();
        on_up.remove();
        on_cancel.remove();
        on_escape.remove();
        stop_autoscroll();
    });

    let on_open = Callback::new(move |id: LeadId| {
        if !state.dragged_just_now.get_value() {
            state.open.set(Some((id, None)));
        }
        state.dragged_just_now.set_value(false);
    });
    let on_retry = Callback::new(move |id: LeadId| state.retry_move(id));
    let on_pointer_down = Callback::new(move |(e, lead): (ev::PointerEvent, Lead)| {
        state.dragged_just_now.set_value(false);
        if e.button() != 0 || !e.is_primary() || state.refusal(&lead).is_some() {
            return;
        }
        state.dragged_just_now.set_value(false);
        let start = (f64::from(e.client_x()), f64::from(e.client_y()));
        state.drag.set(Some(Drag {
            lead,
            start,
            at: start,
            active: false,
            over: None,
            origin: element_box(&e),
        }));
    });

    let on_key = Callback::new(move |(e, lead): (ev::KeyboardEvent, Lead)| {
        let key = e.key();
        let grabbed = state.grab.with_untracked(|g| {
            g.as_ref()
                .filter(|g| g.lead.id == lead.id)
                .map(|g| g.target)
        });
        let step = |from: StageId, right: bool| {
            state.pipeline.with_value(|p| {
                if right {
                    p.next(from).map(|s| s.id)
                } else {
                    p.previous(from).map(|s| s.id)
                }
            })
        };
        if let Some(target) = grabbed {
            // A picked-up card: arrows choose the stage, Space/Enter drops, Escape cancels.
            e.prevent_default();
            match key.as_str() {
                "ArrowRight" | "ArrowLeft" => {
                    let right = key == "ArrowRight";
                    match step(target, right) {
                        Some(to) => {
                            state.grab.update(|g| {
                                if let Some(g) = g {
                                    g.target = to;
                                }
                            });
                            let stage = state.stage(to);
                            let verdict = stage
                                .as_ref()
                                .and_then(|s| state.preview(&lead, s))
                                .map(|why| format!(" Not allowed: {why}"))
                                .unwrap_or_default();
                            state.announce(format!("{}.{verdict}", state.stage_name(to)));
                        }
                        None => state.announce(format!(
                            "No stage further {}",
                            if right { "right" } else { "left" }
                        )),
                    }
                }
                " " | "Enter" => {
                    state.grab.set(None);
                    if target == lead.stage_id {
                        state.announce(format!(
                            "{} stays in {}",
                            lead.title(),
                            state.stage_name(target)
                        ));
                    } else {
                        state.request_move(lead, target, true);
                    }
                }
                "Escape" | "Tab" => {
                    state.grab.set(None);
                    state.announce(format!("Move of {} cancelled", lead.title()));
                }
                _ => {}
            }
            return;
        }
        if e.shift_key() && (key == "ArrowRight" || key == "ArrowLeft") {
            e.prevent_default();
            match step(lead.stage_id, key == "ArrowRight") {
                Some(to) => state.request_move(lead, to, true),
                None => state.announce(format!(
                    "{} is already in the {} stage",
                    lead.title(),
                    if key == "ArrowRight" { "last" } else { "first" }
                )),
            }
        } else if key == " " {
            e.prevent_default();
            if let Some(why) = state.refusal(&lead) {
                state.announce(format!("{}: {why}", lead.title()));
                return;
            }
            let title = lead.title().to_string();
            let here = state.stage_name(lead.stage_id);
            state.grab.set(Some(Grab {
                target: lead.stage_id,
                lead,
            }));
            state.announce(format!(
                "Picked up {title} in {here}. Left and right arrows choose a stage, \
                 Space drops it there, Escape cancels."
            ));
        } else if key == "Enter" {
            e.prevent_default();
            state.open.set(Some((lead.id, None)));
        } else if let Some((kind, _)) = ActivityKind::QUICK
            .iter()
            .find(|(_, k)| *k == key.to_ascii_lowercase())
            .filter(|_| !e.ctrl_key() && !e.meta_key() && !e.alt_key())
        {
            e.prevent_default();
            state.open.set(Some((lead.id, Some(*kind))));
        } else if key == "Escape" {
            state.drag.set(None);
            state.errors.update(|errs| {
                errs.remove(&lead.id);
            });
        } else if let Some(dir) = nav_direction(&key) {
            e.prevent_default();
            move_focus(&e, dir);
        }
    });

    let columns = stages
        .into_iter()
        .map(|stage| {
            view! {
                <Column
                    stage=stage
                    state=state
                    on_pointer_down=on_pointer_down
                    on_key=on_key
                    on_open=on_open
                    on_retry=on_retry
                />
            }
        })
        .collect_view();

    let closed: Vec<Stage> = stages_for_bar;
    let dragging = move || state.dragged.with(Option::is_some);
    let dropzones = closed
        .into_iter()
        .map(|stage| {
            let id = stage.id;
            let over = move || state.over.get() == Some(id);
            view! {
                <div
                    class=format!("dropzone dropzone-{}", stage.kind.key())
                    class:dropzone-over=over
                    data-stage-id=id.0
                >
                    {format!("Drop here: {}", stage.name)}
                </div>
            }
        })
        .collect_view();

    view! {
        <div class="board" class:board-dragging=dragging role="list" aria-label="Pipeline stages"
            node_ref=board_ref>
            {columns}
        </div>
        // The card under the pointer while dragging: fixed, so no column's scrolling clips it.
        {move || state.dragged.get().and_then(|_| state.drag.get()).map(|d| {
            let (left, top, width) = d.origin;
            // Set through the CSSOM (`style:`), which the Content-Security-Policy allows, rather
            // than as a style attribute, which it refuses.
            let transform = format!(
                "translate({}px, {}px) rotate(1.5deg)",
                d.at.0 - d.start.0,
                d.at.1 - d.start.1,
            );
            view! {
                <div class="drag-preview" aria-hidden="true"
                    style:left=format!("{left}px") style:top=format!("{top}px")
                    style:width=format!("{width}px") style:transform=transform>
                    <div class="card-title">{d.lead.title().to_string()}</div>
                    <div class="card-row">
                        <span class="card-contact">{d.lead.contact_beside_title().map(str::to_string)}</span>
                        <span class="card-value">
                            {d.lead.value.map(|v| v.display()).unwrap_or_else(|| "No value".into())}
                        </span>
                    </div>
                </div>
            }
        })}
        // Closed stages are always in reach while dragging, however far the board scrolls.
        <div class="dropbar" class:dropbar-visible=dragging aria-hidden="true">
            {dropzones}
        </div>
        <div class="toast" class:toast-visible=move || !state.announcement.with(String::is_empty)
            role="status" aria-live="polite">
            {move || state.announcement.get()}
        </div>
        <CloseOutDialog state=state/>
        <Drawer state=state/>
    }
}

#[component]
fn Column(
    stage: Stage,
    state: BoardState,
    on_pointer_down: Callback<(ev::PointerEvent, Lead)>,
    on_key: Callback<(ev::KeyboardEvent, Lead)>,
    on_open: Callback<LeadId>,
    on_retry: Callback<LeadId>,
) -> impl IntoView {
    let id = stage.id;
    let kind = stage.kind;
    let on_plan = Callback::new(
        move |(lead, step, pick): (LeadId, NextStepKind, QuickPick)| {
            state.plan_and_move(lead, step, pick)
        },
    );
    let heading_id = format!("stage-{}", stage.id);
    let labelled_by = heading_id.clone();
    let summary = Memo::new(move |_| {
        state.summaries.with(|s| {
            s.iter()
                .find(|c| c.stage_id == id)
                .cloned()
                .unwrap_or_else(|| ColumnSummary::empty(id))
        })
    });
    let cards = Memo::new(move |_| {
        let mut v: Vec<Lead> = state
            .cards
            .with(|cs| cs.iter().filter(|c| c.stage_id == id).cloned().collect());
        let sort = state.filter.with_value(|f| f.sort);
        state
            .pipeline
            .with_value(|p| sort_cards(p, id, sort, &mut v));
        v
    });
    let hovered = move || state.over.get() == Some(id);
    let stage_for_preview = stage.clone();
    let verdict = Memo::new(move |_| {
        state.moving.get()?;
        let lead = state
            .drag
            .with_untracked(|d| d.as_ref().filter(|d| d.active).map(|d| d.lead.clone()))
            .or_else(|| {
                state
                    .grab
                    .with_untracked(|g| g.as_ref().map(|g| g.lead.clone()))
            })?;
        state.preview(&lead, &stage_for_preview)
    });
    // Every rule a drop here is judged by: the stage's own, then the viewer's team policy's.
    let (criteria_hint, criteria_title) = {
        let own: Vec<&str> = stage
            .entry_criteria
            .iter()
            .map(|c| c.requirement())
            .collect();
        let (policy_name, by_policy) = state.policies.with_value(|ps| {
            let team = state.viewer.with_value(|v| v.team_id);
            let policy = ps.for_team(team);
            (policy.name.clone(), entry_requirements(policy, &stage))
        });
        let all: Vec<&str> = own.iter().chain(by_policy.iter()).copied().collect();
        let hint = if all.is_empty() {
            "No entry rules".to_string()
        } else {
            format!("Needs {}", all.join(", "))
        };
        let mut title = Vec::new();
        if !own.is_empty() {
            title.push(format!("This stage: {}", own.join(", ")));
        }
        if !by_policy.is_empty() {
            title.push(format!("{policy_name} policy: {}", by_policy.join(", ")));
        }
        (hint, title.join(". "))
    };

    view! {
        <section
            class=format!("column column-{}", kind.key())
            class:column-over=hovered
            class:column-refuses=move || hovered() && verdict.with(Option::is_some)
            data-stage-id=id.0
            role="listitem"
            aria-labelledby=labelled_by
        >
            <header class="column-head">
                <h2 id=heading_id class="column-title">{stage.name.clone()}</h2>
                <span class="column-count" aria-label=move || format!("{} leads", summary.with(|s| s.count))>
                    {move || summary.with(|s| s.count)}
                </span>
                <span class="column-total">{move || summary.with(|s| totals_label(&s.totals))}</span>
                <span class="column-criteria" title=criteria_title>{criteria_hint}</span>
            </header>
            {move || {
                (hovered()).then(|| verdict.get()).flatten().map(|msg| view! {
                    <p class="column-verdict">{msg}</p>
                })
            }}
            <ol class="cards" aria-label=format!("{} leads", stage.name)>
                <For
                    each=move || cards.get()
                    key=|l| (l.id, l.version, l.stage_id)
                    children=move |lead: Lead| {
                        let lid = lead.id;
                        let findings = state.policies.with_value(|p| {
                            evaluate(p.for_team(lead.team_id), &lead, state.now)
                        });
                        view! {
                            <LeadCard
                                findings=findings
                                lead=lead
                                stage_kind=kind
                                now=state.now
                                error=Signal::derive(move || state.errors.with(|e| e.get(&lid).cloned()))
                                pending=Signal::derive(move || state.pending.with(|p| p.contains(&lid)))
                                dragging=Signal::derive(move || state.moving.get() == Some(lid))
                                on_pointer_down=on_pointer_down
                                on_key=on_key
                                on_open=on_open
                                on_retry=on_retry
                                on_plan=on_plan
                            />
                        }
                    }
                />
            </ol>
            {move || {
                let shown = cards.with(Vec::len);
                let total = summary.with(|s| s.count);
                let more = state.cursors.with(|c| c.get(&id).is_some_and(Option::is_some));
                let loading = state.loading.with(|l| l.contains(&id));
                if total == 0 {
                    Some(view! { <p class="column-empty">"No leads"</p> }.into_any())
                } else if (shown as i64) < total {
                    let label = format!("Showing {} of {}", shown, group_digits(total));
                    Some(view! {
                        <div class="column-more">
                            <p>{label}</p>
                            {if more && shown < MAX_LOADED {
                                view! {
                                    <button type="button" class="button button-small"
                                        disabled=loading aria-busy=loading.to_string()
                                        on:click=move |_| state.load_more(id)>
                                        {if loading { "Loading…" } else { "Show more" }}
                                    </button>
                                }.into_any()
                            } else if more {
                                view! { <p class="column-hint">"Narrow the filters to see the rest"</p> }.into_any()
                            } else {
                                ().into_any()
                            }}
                        </div>
                    }.into_any())
                } else {
                    None
                }
            }}
        </section>
    }
}

/// 12345 → "12,345".
fn group_digits(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// "$1.2M", or "$1.2M + €40k" when a stage holds several currencies; "–" when empty.
fn totals_label(totals: &[Money]) -> String {
    if totals.is_empty() {
        "–".into()
    } else {
        totals
            .iter()
            .map(Money::compact)
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// The lead drawer: the lead panel beside the board, closed with Escape or the × button,
/// returning focus to the card.
#[component]
fn Drawer(state: BoardState) -> impl IntoView {
    let close = Callback::new(move |_: ()| {
        if let Some((id, _)) = state.open.get_untracked() {
            state.open.set(None);
            focus_card(id);
        }
    });
    view! {
        {move || state.open.get().map(|(id, kind)| view! {
            <div class="drawer-backdrop" on:click=move |_| close.run(())></div>
            <aside class="drawer" role="dialog" aria-modal="true" aria-label="Lead"
                on:keydown=move |e| if e.key() == "Escape" { e.prevent_default(); close.run(()) }>
                <Suspense fallback=|| view! { <p class="loading lead-panel">"Loading the lead…"</p> }>
                    {move || Suspend::new(async move {
                        drawer_panel(id, kind, close, Callback::new(move |lead: Lead| state.saved(lead))).await
                    })}
                </Suspense>
            </aside>
        })}
    }
}

/// The drawer's panel, fetched on first open: its code is a separate WASM chunk, since many
/// board visits never open a lead.
#[leptos::lazy]
fn drawer_panel(
    id: LeadId,
    kind: Option<ActivityKind>,
    close: Callback<()>,
    saved: Callback<Lead>,
) -> AnyView {
    view! { <LeadPanel id=id start_kind=kind on_close=close on_saved=saved/> }.into_any()
}

/// Asks for the close-out reason when a card is dropped on a lost stage.
#[component]
fn CloseOutDialog(state: BoardState) -> impl IntoView {
    let reason = RwSignal::new(None::<CloseReason>);
    let note = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let reset = move || {
        reason.set(None);
        note.set(String::new());
        problem.set(None);
    };
    let cancel = move || {
        if let Some(c) = state.closing.get_untracked() {
            state.closing.set(None);
            reset();
            focus_card(c.lead.id);
        }
    };
    let submit = move || {
        let Some(Closing { lead, to }) = state.closing.get_untracked() else {
            return;
        };
        let request = MoveRequest {
            to_stage: to,
            version: lead.version,
            close_reason: reason.get_untracked(),
            close_note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        // The same rule the server applies, checked here so the dialog can point at the field.
        let verdict = state
            .pipeline
            .with_value(|p| apply_move(p, &lead, &request, state.now));
        if let Err(r) = verdict {
            if r.field == "close_reason" || r.field == "close_note" {
                problem.set(Some(r.message));
                return;
            }
        }
        state.closing.set(None);
        reset();
        state.send_move(lead, request, false);
    };

    view! {
        {move || state.closing.get().map(|Closing { lead, to }| {
            let stage = state.stage_name(to);
            view! {
                <div class="dialog-backdrop" on:click=move |_| cancel()></div>
                <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="close-title"
                    on:keydown=move |e| if e.key() == "Escape" { cancel() }>
                    <form on:submit=move |e| { e.prevent_default(); submit(); }>
                        <h2 id="close-title">{format!("Close out {} as {}", lead.title(), stage)}</h2>
                        <fieldset class="reasons">
                            <legend>"Why was it lost?"</legend>
                            {CloseReason::ALL.into_iter().enumerate().map(|(i, r)| view! {
                                <label class="reason">
                                    <input type="radio" name="close_reason" value=r.key()
                                        autofocus=i == 0
                                        on:change=move |_| { reason.set(Some(r)); problem.set(None); }/>
                                    <span>{r.label()}</span>
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <label class="field">
                            <span>"Note " <small>"(needed for “Other”)"</small></span>
                            <textarea name="close_note" rows="2" maxlength="500"
                                prop:value=move || note.get()
                                on:input=move |e| note.set(event_target_value(&e))></textarea>
                        </label>
                        {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
                        <div class="dialog-actions">
                            <button type="button" class="button" on:click=move |_| cancel()>"Cancel"</button>
                            <button type="submit" class="button button-danger">"Close as lost"</button>
                        </div>
                    </form>
                </div>
            }
        })}
    }
}

/// Which way an arrow key moves focus between cards.
#[derive(Clone, Copy)]
enum Nav {
    Up,
    Down,
    Left,
    Right,
}

fn nav_direction(key: &str) -> Option<Nav> {
    match key {
        "ArrowUp" => Some(Nav::Up),
        "ArrowDown" => Some(Nav::Down),
        "ArrowLeft" => Some(Nav::Left),
        "ArrowRight" => Some(Nav::Right),
        _ => None,
    }
}

/// The stage column under a viewport point, if any.
fn stage_under(x: f64, y: f64) -> Option<StageId> {
    #[cfg(feature = "hydrate")]
    {
        let el = document().element_from_point(x as f32, y as f32)?;
        let col = el.closest("[data-stage-id]").ok()??;
        col.get_attribute("data-stage-id")?
            .parse()
            .ok()
            .map(StageId)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (x, y);
        None
    }
}

/// The viewport box (left, top, width) of the element an event was attached to.
fn element_box(e: &ev::PointerEvent) -> (f64, f64, f64) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = e
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let r = el.get_bounding_client_rect();
            return (r.left(), r.top(), r.width());
        }
    }
    (f64::from(e.client_x()), f64::from(e.client_y()), 240.0)
}

/// Scrolls the board when `x` is within reach of its left or right edge; returns the pixels
/// scrolled (faster the closer to the edge).
fn edge_scroll(board: &leptos::web_sys::HtmlDivElement, x: f64) -> f64 {
    #[cfg(feature = "hydrate")]
    {
        const EDGE: f64 = 72.0;
        const MAX_STEP: f64 = 20.0;
        let rect = board.get_bounding_client_rect();
        let step = if x > rect.right() - EDGE {
            ((x - (rect.right() - EDGE)) / EDGE).min(1.0) * MAX_STEP
        } else if x < rect.left() + EDGE {
            -((rect.left() + EDGE - x) / EDGE).min(1.0) * MAX_STEP
        } else {
            0.0
        };
        if step == 0.0 {
            return 0.0;
        }
        let before = board.scroll_left();
        board.set_scroll_left(before + step.round() as i32);
        f64::from(board.scroll_left() - before)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (board, x);
        0.0
    }
}

/// Focuses a card by lead id once the DOM has caught up with the last change.
fn focus_card(id: LeadId) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .query_selector(&format!("[data-lead-id='{}']", id.0))
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Arrow-key navigation: up/down within a column, left/right to the nearest card of the next
/// column that has one.
fn move_focus(e: &ev::KeyboardEvent, dir: Nav) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(card) = e
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let target = match dir {
            Nav::Up => card.previous_element_sibling(),
            Nav::Down => card.next_element_sibling(),
            Nav::Left | Nav::Right => {
                let mut col = card.closest(".column").ok().flatten();
                let mut found = None;
                while let Some(c) = col {
                    col = match dir {
                        Nav::Left => c.previous_element_sibling(),
                        _ => c.next_element_sibling(),
                    };
                    if let Some(first) = col
                        .as_ref()
                        .and_then(|c| c.query_selector(".card").ok().flatten())
                    {
                        found = Some(first);
                        break;
                    }
                }
                found
            }
        };
        if let Some(t) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = t.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (e, dir);
}
