//! A lead's card on the board: who, how much, whose, and where the next step stands.

use crate::domain::activity::QuickPick;
use crate::domain::{
    Finding, FindingKind, Lead, LeadId, NextStepKind, NextStepStatus, StageKind, Timestamp,
};
use leptos::ev;
use leptos::prelude::*;

/// Why the card's last move did not happen, shown under it.
#[derive(Clone, Debug, PartialEq)]
pub struct CardProblem {
    pub message: String,
    /// For a conflict: what the other change did, field by field.
    pub changes: Vec<String>,
    /// For a conflict: the stage the rep wanted, offered again on the current lead.
    pub retry_to: Option<String>,
    /// For a move refused for want of a next step: the stage it goes to once one is planned.
    pub plan_to: Option<String>,
}

/// Renders one card. Interaction is handed back to the board through the callbacks.
#[component]
pub fn LeadCard(
    lead: Lead,
    stage_kind: StageKind,
    /// The instant chips are computed against (the board's read time).
    now: Timestamp,
    /// What the lead breaks under its team's follow-up policy.
    findings: Vec<Finding>,
    /// A rejection or conflict shown under the card.
    #[prop(into)]
    error: Signal<Option<CardProblem>>,
    /// A move of this card is waiting for the server.
    #[prop(into)]
    pending: Signal<bool>,
    #[prop(into)] dragging: Signal<bool>,
    on_pointer_down: Callback<(ev::PointerEvent, Lead)>,
    on_key: Callback<(ev::KeyboardEvent, Lead)>,
    /// A click (not the end of a drag) opens the lead.
    on_open: Callback<LeadId>,
    /// "Move again" after a conflict.
    on_retry: Callback<LeadId>,
    /// "Set next step…" under a move refused for want of one: plans it, then moves.
    on_plan: Callback<(LeadId, NextStepKind, QuickPick)>,
    /// The custom fields cards show, as `(label, value)`.
    #[prop(optional)]
    facts: Vec<(String, String)>,
    /// The team's zone, minutes east of UTC: the days the next step is counted in.
    #[prop(optional)]
    offset: i32,
) -> impl IntoView {
    let status = NextStepStatus::of(&lead, stage_kind, now, offset);
    let title = lead.title().to_string();
    let contact = lead.contact_beside_title().map(str::to_string);
    let value = lead.value.map(|v| v.display());
    let owner = lead.owner.clone();
    let closed = match (stage_kind, lead.close_reason) {
        (StageKind::Lost, Some(r)) => Some(format!("Lost · {}", r.label())),
        (StageKind::Won, _) => lead.closed_at.map(|t| format!("Won {}", t.short_date(0))),
        _ => None,
    };
    let label = {
        let mut parts = vec![title.clone()];
        if let Some(c) = &contact {
            parts.push(c.clone());
        }
        parts.push(value.clone().unwrap_or_else(|| "no value".into()));
        if let Some(o) = &owner {
            parts.push(format!("owner {}", o.name));
        }
        if let Some(s) = status {
            parts.push(s.label());
        }
        if let Some(score) = lead.score {
            parts.push(format!("score {score}"));
        }
        if lead.suggest_close.is_some() {
            parts.push("looks dead".into());
        }
        for (k, v) in &facts {
            parts.push(format!("{k} {v}"));
        }
        parts.join(", ")
    };
    // The next-step chip already says "missing" or "overdue"; the policy adds the clocks.
    let badges: Vec<Finding> = findings
        .into_iter()
        .filter(|f| {
            matches!(
                f.kind,
                FindingKind::SlaAtRisk
                    | FindingKind::SlaBreached
                    | FindingKind::Stale
                    | FindingKind::CloseReasonMissing
                    | FindingKind::ExitCriterion(_)
            )
        })
        .collect();
    let label = {
        let mut l = label;
        for b in &badges {
            l.push_str(", ");
            l.push_str(b.kind.label());
        }
        l
    };
    let id = lead.id.0;
    let for_pointer = lead.clone();
    let for_key = lead.clone();

    view! {
        <li
            class="card"
            class:card-pending=move || pending.get()
            class:card-dragging=move || dragging.get()
            class:card-has-error=move || error.with(Option::is_some)
            tabindex="0"
            data-lead-id=id
            aria-label=label
            aria-describedby=move || error.with(|e| e.as_ref().map(|_| format!("card-error-{id}")))
            on:pointerdown=move |e| on_pointer_down.run((e, for_pointer.clone()))
            on:keydown=move |e| on_key.run((e, for_key.clone()))
            on:click=move |_| on_open.run(LeadId(id))
        >
            <div class="card-title">{title}</div>
            <div class="card-row">
                <span class="card-contact">
                    {contact.map(|c| view! { <span>{c}</span><span aria-hidden="true">" · "</span> })}
                    <span class="card-source">{lead.channel.label()}</span>
                </span>
                {match value {
                    Some(v) => view! { <span class="card-value">{v}</span> }.into_any(),
                    None => view! { <span class="card-value card-value-missing">"No value"</span> }.into_any(),
                }}
            </div>
            {(!facts.is_empty()).then(|| view! {
                <div class="card-facts">
                    {facts.into_iter().map(|(k, v)| view! {
                        <span class="card-fact"><span class="card-fact-label">{k}</span>" "{v}</span>
                    }).collect_view()}
                </div>
            })}
            <div class="card-row card-meta">
                {status.map(|s| view! {
                    <span class=format!("chip chip-{}", s.class())>
                        <span class="chip-icon" aria-hidden="true">{chip_icon(s)}</span>
                        {s.label()}
                    </span>
                })}
                {closed.map(|c| view! { <span class="chip chip-closed">{c}</span> })}
                {badges.into_iter().map(|f| view! {
                    <span class=format!("chip chip-policy chip-{}", f.kind.key().replace('_', "-")) title=f.message>
                        <span class="chip-icon" aria-hidden="true">{badge_icon(f.kind)}</span>
                        {f.kind.label()}
                    </span>
                }).collect_view()}
                {lead.suggest_close.clone().map(|why| view! {
                    <span class="chip chip-dead" title=format!("{why}: consider closing it as “No response”")>
                        <span class="chip-icon" aria-hidden="true">"☾"</span>"Looks dead"
                    </span>
                })}
                {lead.score.map(|s| view! {
                    <span class="chip chip-score" title=format!("Lead score {s} of 100: {}", crate::domain::score::explain(&lead.score_reasons))>
                        {format!("Score {s}")}
                    </span>
                })}
                {owner.map(|o| view! {
                    <span class="avatar" title=o.name.clone() aria-hidden="true">{o.initials()}</span>
                })}
            </div>
            {move || error.get().map(|p| view! {
                <div class="card-error" id=format!("card-error-{id}") role="alert">
                    <p>{p.message}</p>
                    {(!p.changes.is_empty()).then(|| view! {
                        <ul class="card-changes">
                            {p.changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                        </ul>
                    })}
                    {p.plan_to.map(|to| view! { <StepPlanner id=LeadId(id) to on_plan/> })}
                    {p.retry_to.map(|to| view! {
                        <button type="button" class="button button-small"
                            on:pointerdown=|e| e.stop_propagation()
                            on:click=move |e| { e.stop_propagation(); on_retry.run(LeadId(id)); }>
                            {format!("Move to {to} again")}
                        </button>
                    })}
                </div>
            })}
        </li>
    }
}

/// The fix offered in place when a move needs a next step: what kind, and when (the quick
/// picks); choosing a day plans it and the move completes.
#[component]
fn StepPlanner(
    id: LeadId,
    to: String,
    on_plan: Callback<(LeadId, NextStepKind, QuickPick)>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let kind = RwSignal::new(NextStepKind::Call);
    let stop = |e: ev::PointerEvent| e.stop_propagation();
    // The button that opened the planner is gone: the focus goes to its first choice.
    let first = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |_| {
        if let Some(el) = first.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="step-planner" on:pointerdown=stop on:click=|e: ev::MouseEvent| e.stop_propagation()
            on:keydown=|e: ev::KeyboardEvent| e.stop_propagation()>
            {move || if open.get() {
                view! {
                    <div class="step-planner-form" role="group"
                        aria-label=format!("Plan a next step, then move to {to}")>
                        <NextStepKindField kind node_ref=first/>
                        <div class="step-planner-picks">
                            {QuickPick::ALL.into_iter().map(|(p, _)| view! {
                                <button type="button" class="button button-small button-primary"
                                    on:click=move |e| { e.stop_propagation(); on_plan.run((id, kind.get_untracked(), p)); }>
                                    {p.label()}
                                </button>
                            }).collect_view()}
                        </div>
                        <p class="field-hint">{format!("Then it moves to {to}.")}</p>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="button button-small button-primary"
                        on:click=move |e| { e.stop_propagation(); open.set(true); }>
                        "Set next step…"
                    </button>
                }.into_any()
            }}
        </div>
    }
}

/// "Next step: [Call ▾]", the kind of a next step being planned (the quick log, the fix
/// under a refused card).
#[component]
pub fn NextStepKindField(
    kind: RwSignal<NextStepKind>,
    /// Set to focus the choice from outside.
    #[prop(optional)]
    node_ref: Option<NodeRef<leptos::html::Select>>,
) -> impl IntoView {
    let node_ref = node_ref.unwrap_or_default();
    view! {
        <label class="inline-field">
            <span>"Next step"</span>
            <select node_ref=node_ref on:change=move |e| {
                if let Some(k) = NextStepKind::parse(&event_target_value(&e)) { kind.set(k) }
            }>
                {NextStepKind::ALL.into_iter().map(|k| view! {
                    <option value=k.key() selected=move || kind.get() == k>{k.label()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

fn badge_icon(k: FindingKind) -> &'static str {
    match k {
        FindingKind::SlaBreached => "⚠",
        FindingKind::SlaAtRisk => "◔",
        FindingKind::Stale => "◷",
        _ => "!",
    }
}

fn chip_icon(s: NextStepStatus) -> &'static str {
    match s {
        NextStepStatus::Missing => "!",
        NextStepStatus::Overdue { .. } => "⚠",
        NextStepStatus::DueToday { .. } => "●",
        NextStepStatus::Later { .. } => "○",
    }
}
