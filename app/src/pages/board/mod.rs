//! The pipeline board: one column per stage with its SQL-computed count and value, cards that
//! move by drag and drop (pointer events, so mouse and touch) or by keyboard, optimistic moves
//! that the server confirms or rolls back with its reason, and live updates from other people.

mod column;
mod dialogs;
mod dom;
mod filters;
pub mod model;
mod state;

use crate::api::{get_board, get_filter_options};
use crate::components::guard::RequireAccess;
use crate::components::live;
use crate::domain::access;
use crate::domain::activity::ActivityKind;
use crate::domain::{BoardFilter, Lead, LeadId, Stage, StageId};
use crate::error::AppError;
use crate::model::board::Board;
use column::Column;
use dialogs::{CloseOutDialog, Drawer};
use dom::{edge_scroll, element_box, move_focus, nav_direction, stage_under};
use filters::FilterBar;
use leptos::ev;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use state::{BoardState, Drag, Grab};

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

/// Links to the other pipelines' boards, when there is more than one: the pipeline is part of
/// the URL like the filters (which the links drop: another pipeline's stages differ).
fn pipeline_tabs(board: &Board, shown: crate::domain::PipelineId) -> Option<impl IntoView> {
    let pipelines = &board.pipeline;
    pipelines.several().then(|| {
        let links = pipelines
            .active()
            .map(|p| {
                let current = (p.id == shown).then_some("page");
                view! {
                    <a class="pipeline-tab" href=format!("/board?pipeline={}", p.id.0)
                        aria-current=current>{p.name.clone()}</a>
                }
            })
            .collect_view();
        view! { <nav class="pipeline-tabs" aria-label="Pipelines">{links}</nav> }
    })
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

/// The interactive board, hydrated from the server-rendered `board`.
#[component]
fn BoardView(board: Board) -> impl IntoView {
    let last_event_id = board.last_event_id;
    let shown = board
        .filter
        .pipeline
        .unwrap_or(crate::domain::PipelineId(1));
    let stages: Vec<Stage> = board.pipeline.board(shown).into_iter().cloned().collect();
    let tabs = pipeline_tabs(&board, shown);
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
                // The card as it stands now, if a live change reached it mid-drag.
                if let Some(lead) = state.read(|m| m.dropped(d.lead)) {
                    state.request_move(lead, to, false);
                }
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
            state
                .read(|m| {
                    if right {
                        m.pipeline.next(from).map(|s| s.id)
                    } else {
                        m.pipeline.previous(from).map(|s| s.id)
                    }
                })
                .flatten()
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
            // N is "New lead" on the board; a note is one key further, in the quick log.
            .filter(|(k, _)| *k != ActivityKind::Note)
            .find(|(_, k)| *k == key.to_ascii_lowercase())
            .filter(|_| !e.ctrl_key() && !e.meta_key() && !e.alt_key())
        {
            e.prevent_default();
            state.open.set(Some((lead.id, Some(*kind))));
        } else if key == "Escape" {
            state.drag.set(None);
            state.model.update(|m| {
                m.errors.remove(&lead.id);
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
        {tabs}
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
