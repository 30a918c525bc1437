//! Routes `/review` (a manager's reps, with when each was last reviewed) and `/review/:rep`,
//! the one-on-one review a manager runs with one rep: scorecard and trend, what changed since
//! the last review, the leads that need attention, and the notes and actions agreed, saved
//! with the review. The rep opens the same page read-only; it re-reads every few seconds, so
//! what the manager types appears on the rep's screen during the meeting.

use crate::api::review::{
    add_review_action, finish_review, get_review, list_reviewable, save_review_notes, start_review,
    tick_review_action, ActionView, Review, ReviewView,
};
use crate::components::guard::RequireAccess;
use crate::components::lead_picker::LeadPicker;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::activity::QuickPick;
use crate::domain::review::LeadChanges;

/// Leads of "What changed" shown before the list folds.
const SHOWN_CHANGES: usize = 8;
use crate::components::quota::QuotaMeter;
use crate::domain::review::ActionInput;
use crate::domain::roi::percent;
use crate::domain::LeadId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

/// How often a reader's copy of the review re-reads.
const READER_REFRESH: Duration = Duration::from_secs(3);

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let reps = Resource::new(|| (), |_| list_reviewable());
    view! {
        <Title text="Reviews"/>
        <RequireAccess check=access::run_reviews>
            <section class="page page-narrow" aria-labelledby="reviews-title">
                <div class="page-head">
                    <h1 id="reviews-title">"One-on-one reviews"</h1>
                    <p class="page-hint">"Open a review with a rep: their board, scorecard and what changed since the last one."</p>
                </div>
                <Transition fallback=|| view! { <p class="loading">"Loading your reps…"</p> }>
                    {move || Suspend::new(async move {
                        match reps.await {
                            Ok(reps) if reps.is_empty() => view! {
                                <p class="empty-note">"Your teams have no reps yet."</p>
                            }.into_any(),
                            Ok(reps) => view! {
                                <table class="table">
                                    <thead><tr>
                                        <th scope="col">"Rep"</th>
                                        <th scope="col">"Team"</th>
                                        <th scope="col">"Last review"</th>
                                    </tr></thead>
                                    <tbody>
                                        {reps.into_iter().map(|r| view! {
                                            <tr>
                                                <td><a href=format!("/review/{}", r.id)>{r.name}</a></td>
                                                <td>{r.team}</td>
                                                <td>{r.last_review.map_or_else(|| "Never".to_string(), |t| t.date_string(0))}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any(),
                            Err(e) => view! {
                                <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </RequireAccess>
    }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    view! {
        <Title text="Review"/>
        <RequireAccess check=access::open_reviews>
            <ReviewBody/>
        </RequireAccess>
    }
}

/// State that outlives each re-read of the review.
#[derive(Clone, Copy)]
struct Shared {
    reload: RwSignal<u32>,
    /// Notes typed but not saved yet: (review id, text).
    draft: RwSignal<Option<(i64, String)>>,
    message: RwSignal<Option<(bool, String)>>,
}

#[component]
fn ReviewBody() -> impl IntoView {
    let params = use_params_map();
    let rep = move || params.with(|p| p.get("rep").and_then(|r| r.parse::<i64>().ok()));
    let shared = Shared {
        reload: RwSignal::new(0),
        draft: RwSignal::new(None),
        message: RwSignal::new(None),
    };
    let data = Resource::new(
        move || (rep(), shared.reload.get()),
        |(rep, _)| async move {
            match rep {
                Some(r) => get_review(r).await,
                None => Err(crate::error::AppError::not_found("There is no such rep")),
            }
        },
    );
    // Readers (the rep, leadership) follow the meeting: re-read every few seconds.
    let reader = RwSignal::new(false);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if reader.get_untracked() {
                    shared.reload.update(|n| *n += 1);
                }
            },
            READER_REFRESH,
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <section class="page review" aria-labelledby="review-title">
            <Transition fallback=|| view! { <p class="loading">"Loading the review…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => {
                            reader.set(!v.can_edit);
                            view! { <ReviewScreen view=v shared/> }.into_any()
                        }
                        Err(e) => view! {
                            <div class="page-head"><h1 id="review-title">"Review"</h1></div>
                            <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ReviewScreen(view: ReviewView, shared: Shared) -> impl IntoView {
    let rep = view.rep_id;
    let can_edit = view.can_edit;
    let busy = RwSignal::new(false);
    let run = move |fut: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<String, crate::error::AppError>>>,
    >| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match fut.await {
                Ok(done) => {
                    shared.message.set(Some((true, done)));
                    shared.reload.update(|n| *n += 1);
                }
                Err(e) => shared.message.set(Some((false, error_text(&e)))),
            }
            busy.set(false);
        });
    };
    let current_id = view.current.as_ref().map(|r| r.id);
    let last_text = match &view.last {
        Some(r) => format!(
            "Last review {} with {}",
            r.started_at.date_string(0),
            r.manager
        ),
        None => "First review".to_string(),
    };
    let since = view.since;
    view! {
        <div class="page-head review-head">
            <h1 id="review-title">{format!("Review: {}", view.rep_name)}</h1>
            <p class="page-hint">{last_text}
                {(!can_edit).then_some(" · read-only, updates as your manager types")}</p>
            <div class="review-controls">
                <a class="button" href=format!("/board?owner={rep}")>{format!("{}'s board", first_name(&view.rep_name))}</a>
                {can_edit.then(|| match current_id {
                    None => view! {
                        <button type="button" class="button button-primary" disabled=move || busy.get()
                            on:click=move |_| run(Box::pin(async move {
                                start_review(rep).await.map(|_| "Review started".to_string())
                            }))>"Start review"</button>
                    }.into_any(),
                    Some(id) => view! {
                        <button type="button" class="button button-primary" disabled=move || busy.get()
                            on:click=move |_| run(Box::pin(async move {
                                finish_review(id).await.map(|_| "Review finished and saved".to_string())
                            }))>"Finish review"</button>
                    }.into_any(),
                })}
            </div>
        </div>
        {move || shared.message.get().map(|(ok, text)| view! {
            <p class=if ok { "notice notice-ok" } else { "notice notice-error" }
                role=if ok { "status" } else { "alert" }>{text}</p>
        })}
        <div class="review-grid">
            <div class="review-col">
                <Scorecard view=view.clone()/>
                <section class="panel review-section" aria-labelledby="changed-title">
                    <h2 id="changed-title">{format!("What changed since {}", since.date_string(0))}</h2>
                    <ul class="change-counts">
                        {[("New", view.counts.new), ("Moved", view.counts.moved), ("Won", view.counts.won),
                          ("Lost", view.counts.lost), ("Flagged", view.counts.breaches), ("Slipped", view.counts.slipped),
                          ("Forecast changes", view.counts.forecast)]
                            .into_iter().map(|(what, n)| view! {
                                <li>
                                    <span class="change-count">
                                        {crate::domain::roi::count_text(n)}{view.changes_capped.then_some("+")}
                                    </span>
                                    " "{what}
                                </li>
                            }).collect_view()}
                    </ul>
                    {if view.changed_leads.is_empty() {
                        view! { <p class="empty-note">"Nothing yet."</p> }.into_any()
                    } else {
                        // The newest few leads are shown; the rest fold away so "Needs
                        // attention" stays in reach.
                        let row = |c: &LeadChanges| view! {
                            <li class=format!("change change-{}", c.class)>
                                <span class="change-when">{c.at.short_date(0)}</span>
                                <a href=format!("/leads/{}", c.lead)>{c.title.clone()}</a>
                                <span class="change-what">{c.summary.join(" · ")}</span>
                            </li>
                        };
                        let total = view.changed_leads.len();
                        let first: Vec<_> = view.changed_leads.iter().take(SHOWN_CHANGES).map(row).collect();
                        let rest: Vec<_> = view.changed_leads.iter().skip(SHOWN_CHANGES).map(row).collect();
                        view! {
                            <ol class="changes">{first}</ol>
                            {(!rest.is_empty()).then(|| view! {
                                <details class="changes-more">
                                    <summary>{format!("Show all {} leads", crate::domain::roi::count_text(total as u32))}</summary>
                                    <ol class="changes">{rest}</ol>
                                </details>
                            })}
                        }.into_any()
                    }}
                </section>
                <section class="panel review-section" aria-labelledby="attention-title">
                    <h2 id="attention-title">{format!("Needs attention · {}", view.attention.len())}</h2>
                    {if view.attention.is_empty() {
                        view! { <p class="empty-note">"Every open lead is on track."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="attention">
                                {view.attention.iter().take(30).map(|i| view! {
                                    <li>
                                        <span class=format!("chip why-chip-{}", i.why.class())>{i.why.label()}</span>
                                        <a href=format!("/leads/{}", i.lead.id)>{i.lead.title().to_string()}</a>
                                        <span class="change-what">{i.detail.clone()}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            </div>
            <div class="review-col">
                {match view.current.clone() {
                    Some(r) => view! { <CurrentReview review=r can_edit open_leads=view.open_leads.clone() shared busy/> }.into_any(),
                    None => view! {
                        <section class="panel review-section">
                            <h2>"Notes and actions"</h2>
                            <p class="empty-note">{if can_edit {
                                "Start the review to take notes and agree actions."
                            } else {
                                "No review is running now."
                            }}</p>
                        </section>
                    }.into_any(),
                }}
                {view.last.clone().map(|r| view! { <LastReview review=r can_edit shared/> })}
                <section class="panel review-section" aria-labelledby="history-title">
                    <h2 id="history-title">"History"</h2>
                    {if view.history.is_empty() {
                        view! { <p class="empty-note">"No finished reviews yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="review-history">
                                {view.history.iter().map(|h| view! {
                                    <li>{format!("{} · {} · {} of {} actions done",
                                        h.started_at.date_string(0), h.manager, h.done, h.actions)}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            </div>
        </div>
    }
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

#[component]
fn Scorecard(view: ReviewView) -> impl IntoView {
    view! {
        <section class="panel review-section" aria-labelledby="score-title">
            <h2 id="score-title">"Scorecard, 30 days"</h2>
            {match view.scorecard {
                Some(card) => view! {
                    <p class="review-score">
                        <span class="stat-value">{card.composite.map_or("–".to_string(), |c| format!("{c:.0}"))}</span>
                        " / 100 follow-up score"
                    </p>
                    <ul class="review-measures">
                        {card.measures().into_iter().map(|(name, m)| view! {
                            <li><span>{name}</span><strong>{m.percent_text()}</strong></li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                None => view! { <p class="empty-note">"No leads in the period."</p> }.into_any(),
            }}
            {(!view.quotas.is_empty()).then(|| view! {
                <h3 class="review-subhead">"Quotas"</h3>
                <div class="review-quotas">
                    {view.quotas.iter().cloned().map(|a| view! { <QuotaMeter a=a/> }).collect_view()}
                </div>
            })}
            {(!view.trend.is_empty()).then(|| view! {
                <h3 class="review-subhead">"First touch in SLA, week by week"</h3>
                <ol class="trend">
                    {view.trend.iter().map(|(week, sla)| {
                        let pct = sla.map_or(0.0, |s| s * 100.0);
                        view! {
                            <li title=format!("Week of {}: {}", week.short_date(0), percent(*sla))>
                                <span class="trend-bar" data-pct=format!("{:.0}", pct)>
                                    <span class=format!("trend-fill trend-{}", (pct / 10.0).round() as i64 * 10)></span>
                                </span>
                                <span class="visually-hidden">{format!("Week of {}: {}", week.short_date(0), percent(*sla))}</span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            })}
        </section>
    }
}

#[component]
fn CurrentReview(
    review: Review,
    can_edit: bool,
    open_leads: Vec<crate::domain::lead::LeadOption>,
    shared: Shared,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let id = review.id;
    let version = RwSignal::new(review.version);
    let saved_notes = review.notes.clone();
    let notes = RwSignal::new(
        shared
            .draft
            .get_untracked()
            .filter(|(r, _)| *r == id)
            .map_or(saved_notes.clone(), |(_, t)| t),
    );
    let notes_status = RwSignal::new(None::<(bool, String)>);
    let save_notes = move || {
        let text = notes.get_untracked();
        leptos::task::spawn_local(async move {
            match save_review_notes(id, version.get_untracked(), text).await {
                Ok(v) => {
                    version.set(v);
                    shared.draft.set(None);
                    notes_status.set(Some((true, "Notes saved".into())));
                }
                Err(e) => notes_status.set(Some((false, error_text(&e)))),
            }
        });
    };
    // The action form.
    let text = RwSignal::new(String::new());
    let lead = RwSignal::new(None::<LeadId>);
    let due = RwSignal::new(Some(QuickPick::Tomorrow));
    let problem = RwSignal::new(None::<String>);
    let add = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = ActionInput {
            lead_id: lead.get_untracked(),
            text: text.get_untracked(),
            due: due.get_untracked(),
        };
        busy.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            match add_review_action(id, input).await {
                Ok(_) => {
                    text.set(String::new());
                    lead.set(None);
                    shared.message.set(Some((true, "Action added".into())));
                    shared.reload.update(|n| *n += 1);
                }
                Err(e) => problem.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="panel review-section" aria-labelledby="notes-title">
            <h2 id="notes-title">{format!("Notes · started {} by {}", review.started_at.date_string(0), review.manager)}</h2>
            {if can_edit {
                view! {
                    <label class="field">
                        <span class="visually-hidden">"Notes"</span>
                        <textarea class="review-notes-input" rows="8" maxlength="20000"
                            prop:value=move || notes.get()
                            on:input=move |e| {
                                let t = event_target_value(&e);
                                shared.draft.set(Some((id, t.clone())));
                                notes.set(t);
                            }
                            on:blur=move |_| if shared.draft.get_untracked().is_some() { save_notes() }
                            on:keydown=move |e| if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                                e.prevent_default();
                                save_notes();
                            }></textarea>
                    </label>
                    <div class="button-row">
                        <button type="button" class="button" on:click=move |_| save_notes()>"Save notes"</button>
                        <span class="page-hint">"Saved when you leave the field, or Ctrl+Enter"</span>
                    </div>
                    {move || notes_status.get().map(|(ok, t)| view! {
                        <p class=if ok { "form-status" } else { "field-error" }
                            role=if ok { "status" } else { "alert" }>{t}</p>
                    })}
                }.into_any()
            } else if saved_notes.trim().is_empty() {
                view! { <p class="empty-note">"No notes yet."</p> }.into_any()
            } else {
                view! { <div class="review-notes" aria-label="Notes">{saved_notes.clone()}</div> }.into_any()
            }}
        </section>
        <section class="panel review-section" aria-labelledby="actions-title">
            <h2 id="actions-title">"Agreed actions"</h2>
            <Actions actions=review.actions.clone() can_tick=false shared/>
            {can_edit.then(|| view! {
                <form class="card-form review-action-form" on:submit=add aria-label="Add an action">
                    <label class="field">"Action"
                        <input type="text" maxlength="500" placeholder="Call the CFO about the budget"
                            prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e))/>
                    </label>
                    <LeadPicker options=open_leads.clone() chosen=lead
                        label="Lead (becomes its next step)" id="action-lead"/>
                    <div class="segmented" role="radiogroup" aria-label="Due">
                        {QuickPick::ALL.into_iter().map(|(p, _)| view! {
                            <button type="button" role="radio" class="segment"
                                aria-checked=move || (due.get() == Some(p)).to_string()
                                on:click=move |_| due.set(Some(p))>{p.label()}</button>
                        }).collect_view()}
                    </div>
                    {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
                    <button class="button button-primary" type="submit" disabled=move || busy.get()>"Add action"</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn LastReview(review: Review, can_edit: bool, shared: Shared) -> impl IntoView {
    view! {
        <section class="panel review-section" aria-labelledby="last-title">
            <h2 id="last-title">{format!("Actions from the review of {}", review.started_at.date_string(0))}</h2>
            <Actions actions=review.actions can_tick=can_edit shared/>
        </section>
    }
}

#[component]
fn Actions(actions: Vec<ActionView>, can_tick: bool, shared: Shared) -> impl IntoView {
    if actions.is_empty() {
        return view! { <p class="empty-note">"No actions."</p> }.into_any();
    }
    view! {
        <ul class="review-actions">
            {actions.into_iter().map(|a| {
                let done = a.done_at.is_some();
                let id = a.id;
                let tickable = can_tick && a.lead.is_none();
                view! {
                    <li class=if done { "review-action action-done" } else { "review-action" }>
                        {if tickable {
                            view! {
                                <input type="checkbox" prop:checked=done aria-label=format!("Done: {}", a.text)
                                    on:change=move |e| {
                                        let checked = event_target_checked(&e);
                                        leptos::task::spawn_local(async move {
                                            match tick_review_action(id, checked).await {
                                                Ok(()) => shared.reload.update(|n| *n += 1),
                                                Err(e) => shared.message.set(Some((false, error_text(&e)))),
                                            }
                                        });
                                    }/>
                            }.into_any()
                        } else {
                            view! { <span class="action-mark" aria-hidden="true">{if done { "✓" } else { "○" }}</span> }.into_any()
                        }}
                        <span class="action-text">{a.text.clone()}</span>
                        {a.lead.map(|(l, title)| view! { <a class="action-lead" href=format!("/leads/{l}")>{title}</a> })}
                        <span class="action-state">{match (a.done_at, a.due_at) {
                            (Some(t), _) => format!("Done {}", t.short_date(0)),
                            (None, Some(d)) => format!("Due {}", d.short_date(0)),
                            (None, None) => "Open".to_string(),
                        }}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }.into_any()
}
