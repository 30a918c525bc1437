//! One stage's column: its heading with count, totals and entry rules, the drop verdict, its
//! cards, and "Show more".

use super::model::MAX_LOADED;
use super::state::BoardState;
use crate::components::lead_card::LeadCard;
use crate::domain::activity::QuickPick;
use crate::domain::{entry_requirements, evaluate, Lead, LeadId, Money, NextStepKind, Stage};
use leptos::ev;
use leptos::prelude::*;

#[component]
pub fn Column(
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
    let summary = Memo::new(move |_| state.model.with(|m| m.summary(id)));
    let cards = Memo::new(move |_| state.model.with(|m| m.column(id)));
    // Whether a next page exists, and whether it is loading.
    let paging = Memo::new(move |_| {
        state.model.with(|m| {
            (
                m.cursors.get(&id).is_some_and(Option::is_some),
                m.loading.contains(&id),
            )
        })
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
        let (policy_name, by_policy) = state
            .read(|m| {
                let policy = m.policies.for_team(m.viewer.team_id);
                (policy.name.clone(), entry_requirements(policy, &stage))
            })
            .unwrap_or_default();
        let needed: Vec<String> = state
            .read(|m| {
                m.pipeline
                    .required_fields(&stage)
                    .into_iter()
                    .map(|d| d.label.to_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        let own: Vec<&str> = own
            .iter()
            .copied()
            .chain(needed.iter().map(String::as_str))
            .collect();
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
                        let findings = state
                            .read(|m| evaluate(m.policies.for_team(lead.team_id), &lead, m.now))
                            .unwrap_or_default();
                        let facts = state
                            .read(|m| crate::components::custom_fields::card_facts(&m.pipeline, &lead))
                            .unwrap_or_default();
                        // Days ("today", "tomorrow") in the team's zone, as My day counts them.
                        let offset = state
                            .read(|m| m.policies.for_team(lead.team_id).calendar.zone.offset_at(m.now.0) / 60)
                            .unwrap_or(0) as i32;
                        view! {
                            <LeadCard
                                facts=facts
                                findings=findings
                                lead=lead
                                stage_kind=kind
                                now=state.now
                                offset=offset
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
                let (more, loading) = paging.get();
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
