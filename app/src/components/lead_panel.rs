//! One lead up close: quick log (touch + outcome + next step), details with inline edit and
//! field-level errors, close-out, and the timeline. Shown in the board's drawer and on
//! `/leads/:id`.
//!
//! Quick log is two interactions from a card: open it (click, Enter, or the kind's key) and
//! pick the outcome (click or 1–5); the next step defaults to the touch's usual follow-up
//! tomorrow, changed first with T / D / W if needed.

use crate::api::{close_lead, edit_lead, get_lead_detail, log_activity};
use crate::components::custom_fields::{FieldInputs, FieldList};
use crate::components::keys::typing;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::activity::{
    amount_text, apply_edit, apply_log, ActivityKind, CloseOut, FieldContext, LeadEdit, LogRequest,
    NextStepInput, Outcome, QuickPick,
};
use crate::domain::{
    check_write, evaluate, CloseReason, Finding, Lead, LeadId, NextStepStatus, Pipelines, Policy,
    StageKind, Timestamp, UserRef,
};
use crate::error::AppError;
use crate::model::lead::LeadDetail;
use leptos::ev;
use leptos::prelude::*;

/// The lead panel. `on_saved` hears every committed change (the board places the card).
#[component]
pub fn LeadPanel(
    id: LeadId,
    /// The touch kind to start the quick log with (the card's key that opened it).
    #[prop(optional_no_strip)]
    start_kind: Option<ActivityKind>,
    #[prop(into)] on_saved: Callback<Lead>,
    /// Shown as a close button when the panel is a drawer.
    #[prop(optional, into)]
    on_close: Option<Callback<()>>,
) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let detail = Resource::new(move || reload.get(), move |_| get_lead_detail(id));
    let saved = Callback::new(move |lead: Lead| {
        on_saved.run(lead);
        reload.update(|n| *n += 1);
    });
    view! {
        <div class="lead-panel">
            {on_close.map(|close| view! {
                <button type="button" class="icon-button panel-close" aria-label="Close"
                    on:click=move |_| close.run(())>"×"</button>
            })}
            <Transition fallback=|| view! { <p class="loading">"Loading the lead…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => view! {
                            <PanelBody detail=d start_kind=start_kind saved=saved/>
                        }.into_any(),
                        Err(e) => view! {
                            <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn PanelBody(
    detail: LeadDetail,
    start_kind: Option<ActivityKind>,
    saved: Callback<Lead>,
) -> impl IntoView {
    let lead = detail.lead.clone();
    let stage = detail.pipeline.get(lead.stage_id).cloned();
    let stage_kind = stage.as_ref().map(|s| s.kind);
    let closed = stage_kind.is_some_and(|k| k.is_closed());
    let editable = access::edit_lead(&detail.viewer, &lead).is_ok();
    let policy = detail.policy.clone();
    // Days in the team's zone, as My day and the quick log count them.
    let offset = (policy.calendar.zone.offset_at(detail.now.0) / 60) as i32;
    let chip = stage_kind.and_then(|k| NextStepStatus::of(&lead, k, detail.now, offset));
    let title_id = format!("lead-title-{}", lead.id);
    let findings = evaluate(&policy, &lead, detail.now);
    view! {
        <header class="panel-head">
            <h2 id=title_id class="panel-title">{lead.title().to_string()}</h2>
            <p class="panel-sub">
                <span class="stage-pill">{stage.map(|s| s.name).unwrap_or_default()}</span>
                {lead.value.map(|v| view! { <span class="panel-value">{v.display()}</span> })}
                {lead.owner.clone().map(|o| view! { <span class="panel-owner">{format!("Owner: {}", o.name)}</span> })}
                {chip.map(|c| view! { <span class=format!("chip chip-{}", c.class())>{c.label()}</span> })}
            </p>
            <p class="panel-links">
                <a href=format!("/leads/{}", lead.id)>"Open as page"</a>
                {detail.contact_id.map(|c| view! { <a href=format!("/contacts/{c}")>"Contact"</a> })}
                {detail.company_id.map(|c| view! { <a href=format!("/companies/{c}")>"Company"</a> })}
            </p>
        </header>
        <PolicyFindings findings=findings closed=closed policy_name=policy.name.clone()/>
        {(editable && !closed).then(|| lead.suggest_close.clone().map(|why| view! {
            <DeadLead lead=lead.clone() why saved/>
        }))}
        {lead.score.map(|s| view! { <ScoreReasons score=s reasons=lead.score_reasons.clone()/> })}
        {(editable && !closed).then(|| view! {
            <QuickLog lead=lead.clone() now=detail.now start_kind=start_kind saved=saved
                policy=policy.clone() stage_kind=stage_kind.unwrap_or(StageKind::Open)/>
        })}
        <Details lead=lead.clone() editable=editable saved=saved policy=policy.clone() now=detail.now
            pipelines=detail.pipeline.clone() people=detail.people.clone()/>
        <Quotes lead_id=lead.id can_create=editable && !closed/>
        {(editable && !closed && detail.pipeline.several()).then(|| view! {
            <OtherPipeline lead=lead.clone() pipelines=detail.pipeline.clone() saved=saved/>
        })}
        {(editable && !closed).then(|| view! { <CloseOutForm lead=lead.clone() saved=saved/> })}
        <section class="panel-section" aria-label="History">
            <h3>"History"</h3>
            {if detail.timeline.is_empty() {
                view! { <p class="muted">"Nothing logged yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline">
                        {detail.timeline.into_iter().map(|t| view! {
                            <li class=format!("timeline-item timeline-{}", t.kind)>
                                <div class="timeline-title">{t.title}</div>
                                {t.detail.map(|d| view! { <div class="timeline-detail">{d}</div> })}
                                {t.mail_id.map(|m| view! { <a class="timeline-mail" href=format!("/mail/{m}")>"Read the e-mail"</a> })}
                                <div class="timeline-meta">
                                    {format!("{} · {}", t.who.unwrap_or_else(|| "Closeloop".into()),
                                        t.at.date_string(0))}
                                </div>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

/// Kind, then outcome (which saves), with the next step preset and changeable.
#[component]
fn QuickLog(
    lead: Lead,
    now: Timestamp,
    start_kind: Option<ActivityKind>,
    saved: Callback<Lead>,
    policy: Policy,
    stage_kind: StageKind,
) -> impl IntoView {
    let kind = RwSignal::new(start_kind.unwrap_or(ActivityKind::Call));
    let step_kind = RwSignal::new(kind.get_untracked().follow_up());
    // A booked next step still ahead is kept unless the rep picks a new day. Days are the
    // team's (its calendar's zone), as My day and the policy count them.
    let offset = (policy.calendar.zone.offset_at(now.0) / 60) as i32;
    let pick = RwSignal::new(QuickPick::default_for(&lead, now, offset));
    let booked = QuickPick::booked(&lead, now, offset)
        .map(|s| format!("{} on {}", s.kind.label(), s.due_at.short_date(offset)));
    let note = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let version = lead.version;
    let id = lead.id;
    let root = NodeRef::<leptos::html::Section>::new();
    // What the policy will say about the touch as it stands, judged by the server's own rules
    // before anything is sent: what it would refuse, and what the touch clears.
    let verdict = move || {
        let draft = LogRequest {
            version,
            kind: kind.get(),
            outcome: (kind.get() != ActivityKind::Note).then_some(Outcome::Reached),
            note: None,
            next_step: pick.get().map(|p| NextStepInput {
                kind: step_kind.get(),
                due_at: p.due(now, offset),
                note: None,
            }),
        };
        let (after, _) = apply_log(&lead, stage_kind, &draft, now).ok()?;
        let refused = check_write(&policy, &lead, &after, now);
        if let Some(f) = refused.first() {
            return Some((false, format!("{}: choose when it is due", f.kind.label())));
        }
        let still: Vec<_> = evaluate(&policy, &after, now)
            .into_iter()
            .map(|f| f.kind)
            .collect();
        let cleared: Vec<_> = evaluate(&policy, &lead, now)
            .into_iter()
            .filter(|f| !still.contains(&f.kind))
            .map(|f| f.kind.label())
            .collect();
        (!cleared.is_empty()).then(|| (true, format!("Clears: {}", cleared.join(", "))))
    };

    let submit = move |outcome: Option<Outcome>| {
        if busy.get_untracked() {
            return;
        }
        let request = LogRequest {
            version,
            kind: kind.get_untracked(),
            outcome,
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
            next_step: pick.get_untracked().map(|p| NextStepInput {
                kind: step_kind.get_untracked(),
                due_at: p.due(now, offset),
                note: None,
            }),
        };
        busy.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            match log_activity(id, request).await {
                Ok(lead) => saved.run(lead),
                Err(e) => {
                    problem.set(Some(error_text(&e)));
                    busy.set(false);
                }
            }
        });
    };
    // Shortcuts while focus is inside the quick log (text fields excepted).
    let on_key = move |e: ev::KeyboardEvent| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || typing(&e) {
            return;
        }
        let key = e.key().to_ascii_lowercase();
        if let Some((k, _)) = ActivityKind::QUICK.iter().find(|(_, s)| *s == key) {
            kind.set(*k);
            step_kind.set(k.follow_up());
        } else if let Some((p, _)) = QuickPick::ALL.iter().find(|(_, s)| *s == key) {
            pick.set(Some(*p));
        } else if key == "k" {
            pick.set(None);
        } else if let Some(n) = key.parse::<usize>().ok().filter(|n| (1..=5).contains(n)) {
            if kind.get_untracked() != ActivityKind::Note {
                submit(Some(Outcome::ALL[n - 1]));
            }
        } else {
            return;
        }
        e.prevent_default();
    };
    // Focus lands here when the panel opens, so the shortcuts work at once (after the frame
    // that attaches it: an element still being mounted cannot take focus). Without scrolling:
    // on a phone the quick log is below the fold, and the panel must open on the lead's name
    // and its close button.
    Effect::new(move |_| {
        if let Some(el) = root.get() {
            request_animation_frame(move || {
                #[cfg(feature = "hydrate")]
                {
                    let options = leptos::web_sys::FocusOptions::new();
                    options.set_prevent_scroll(true);
                    let _ = el.focus_with_options(&options);
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = el.focus();
            });
        }
    });

    view! {
        <section class="panel-section quick-log" tabindex="-1" node_ref=root on:keydown=on_key
            aria-label="Log a touch">
            <h3>"Log a touch"</h3>
            <div class="segmented" role="radiogroup" aria-label="Kind">
                {ActivityKind::QUICK.into_iter().map(|(k, key)| view! {
                    <button type="button" role="radio" class="segment"
                        aria-checked=move || (kind.get() == k).to_string()
                        aria-keyshortcuts=key.to_uppercase()
                        on:click=move |_| { kind.set(k); step_kind.set(k.follow_up()); }>
                        {k.label()}<kbd>{key.to_uppercase()}</kbd>
                    </button>
                }).collect_view()}
            </div>
            <div class="next-step-row">
                <super::lead_card::NextStepKindField kind=step_kind/>
                <div class="segmented" role="radiogroup" aria-label="Due">
                    {QuickPick::ALL.into_iter().map(|(p, key)| view! {
                        <button type="button" role="radio" class="segment"
                            aria-checked=move || (pick.get() == Some(p)).to_string()
                            aria-keyshortcuts=key.to_uppercase()
                            on:click=move |_| pick.set(Some(p))>
                            {p.label()}<kbd>{key.to_uppercase()}</kbd>
                        </button>
                    }).collect_view()}
                    <button type="button" role="radio" class="segment"
                        aria-checked=move || pick.get().is_none().to_string()
                        aria-keyshortcuts="K"
                        on:click=move |_| pick.set(None)>
                        {match &booked { Some(b) => format!("Keep: {b}"), None => "Keep current".to_string() }}
                        <kbd>"K"</kbd>
                    </button>
                </div>
            </div>
            {booked.clone().map(|b| view! {
                <p class="field-hint" class:hidden=move || pick.get().is_some()>
                    {format!("Keeps the booked {b}; pick a day to replace it.")}
                </p>
            })}
            <label class="field">
                <span>"Note " <small>"(optional)"</small></span>
                <textarea rows="2" maxlength="2000" prop:value=move || note.get()
                    on:input=move |e| note.set(event_target_value(&e))></textarea>
            </label>
            {move || if kind.get() == ActivityKind::Note {
                view! {
                    <div class="outcomes">
                        <button type="button" class="button button-primary" disabled=move || busy.get()
                            on:click=move |_| submit(None)>"Save note"</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <div class="outcomes" role="group" aria-label="Outcome: saves the touch">
                        {Outcome::ALL.into_iter().enumerate().map(|(i, o)| view! {
                            <button type="button" class="button outcome" disabled=move || busy.get()
                                aria-keyshortcuts=(i + 1).to_string()
                                on:click=move |_| submit(Some(o))>
                                <kbd>{(i + 1).to_string()}</kbd>{o.label()}
                            </button>
                        }).collect_view()}
                    </div>
                }.into_any()
            }}
            {move || verdict().map(|(ok, text)| view! {
                <p class=if ok { "policy-note policy-ok" } else { "policy-note policy-warn" }
                    role="status">{text}</p>
            })}
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
        </section>
    }
}

/// What the team's follow-up policy flags on the lead now, each with what to do about it.
#[component]
fn PolicyFindings(findings: Vec<Finding>, closed: bool, policy_name: String) -> impl IntoView {
    if findings.is_empty() {
        return (!closed)
            .then(|| {
                view! {
                    <p class="policy-note policy-ok policy-summary">
                        {format!("Meets every follow-up rule ({policy_name})")}
                    </p>
                }
            })
            .into_any();
    }
    view! {
        <section class="panel-section policy-findings" aria-label="Follow-up policy">
            <h3>{format!("Follow-up policy · {policy_name}")}</h3>
            <ul class="finding-list">
                {findings.into_iter().map(|f| view! {
                    <li class=format!("finding finding-{}", f.kind.key().replace('_', "-"))>
                        <span class=format!("chip chip-policy chip-{}", f.kind.key().replace('_', "-"))>
                            {f.kind.label()}
                        </span>
                        <span class="finding-message">{f.message}</span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// The lead's details, read-only until "Edit"; errors shown under their fields.
#[component]
fn Details(
    lead: Lead,
    editable: bool,
    saved: Callback<Lead>,
    policy: Policy,
    now: Timestamp,
    pipelines: Pipelines,
    people: Vec<UserRef>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let form = RwSignal::new(LeadEdit::from_lead(&lead));
    // The policy's verdict on the edit as typed (e.g. clearing the value a stage needs).
    let base = lead.clone();
    let shape = StoredValue::new((pipelines.clone(), people.clone()));
    let policy_problem = Memo::new(move |_| {
        let after = shape
            .with_value(|(pl, people)| {
                let custom = FieldContext {
                    pipelines: pl,
                    users: people,
                };
                form.with(|f| apply_edit(&base, f, Some(custom), now))
            })
            .ok()?;
        check_write(&policy, &base, &after, now)
            .first()
            .map(|f| f.message.clone())
    });
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let id = lead.id;
    let field_error = move |name: &'static str| {
        move || {
            error.with(|e| {
                e.as_ref().and_then(|e| {
                    e.fields()
                        .iter()
                        .find(|f| f.field == name)
                        .map(|f| f.message.clone())
                })
            })
        }
    };
    let save = move || {
        busy.set(true);
        let edit = form.get_untracked();
        leptos::task::spawn_local(async move {
            match edit_lead(id, edit).await {
                Ok(lead) => {
                    editing.set(false);
                    error.set(None);
                    saved.run(lead);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    type Get = fn(&LeadEdit) -> &Option<String>;
    type Set = fn(&mut LeadEdit, String);
    let rows: [(&'static str, &'static str, Get, Set); 7] = [
        (
            "contact_name",
            "Contact",
            |f| &f.contact_name,
            |f, v| f.contact_name = Some(v),
        ),
        (
            "company",
            "Company",
            |f| &f.company,
            |f, v| f.company = Some(v),
        ),
        ("email", "E-mail", |f| &f.email, |f, v| f.email = Some(v)),
        ("phone", "Phone", |f| &f.phone, |f, v| f.phone = Some(v)),
        (
            "product_interest",
            "Interest",
            |f| &f.product_interest,
            |f, v| f.product_interest = Some(v),
        ),
        ("value", "Value", |f| &f.value, |f, v| f.value = Some(v)),
        (
            "currency",
            "Currency",
            |f| &f.currency,
            |f, v| f.currency = Some(v),
        ),
    ];
    let server_field_error = Callback::new(move |name: String| {
        error.with(|e| {
            e.as_ref().and_then(|e| {
                e.fields()
                    .iter()
                    .find(|f| f.field == name)
                    .map(|f| f.message.clone())
            })
        })
    });
    let lead_for_inputs = lead.clone();
    let lead_for_list = lead.clone();
    let pipelines_for_inputs = pipelines.clone();
    let shown = [
        ("Contact", Some(lead.contact_name.clone())),
        ("Company", lead.company.clone()),
        ("E-mail", lead.email.clone()),
        ("Phone", lead.phone.clone()),
        ("Interest", lead.product_interest.clone()),
        ("Value", lead.value.map(|v| v.display())),
        (
            "Expected close",
            lead.expected_close.as_deref().map(|d| {
                let day = crate::domain::forecast::day_label(d);
                if lead.committed {
                    format!("{day} · committed")
                } else {
                    day
                }
            }),
        ),
        (
            "Source",
            Some(match &lead.campaign_name {
                Some(c) => format!("{} · {c}", lead.source_name),
                None => lead.source_name.clone(),
            }),
        ),
    ];
    view! {
        <section class="panel-section" aria-label="Details">
            <div class="section-head">
                <h3>"Details"</h3>
                {editable.then(|| view! {
                    <button type="button" class="button button-small" class:hidden=move || editing.get()
                        on:click=move |_| { form.set(LeadEdit::from_lead(&lead)); error.set(None); editing.set(true); }>
                        "Edit"
                    </button>
                })}
            </div>
            {move || if editing.get() {
                view! {
                    <form class="details-form" novalidate on:submit=move |e| { e.prevent_default(); save(); }>
                        {rows.into_iter().map(|(name, label, get, set)| {
                            let err = field_error(name);
                            let err_id = format!("{name}-error");
                            view! {
                                <label class="field" class:field-invalid=move || err().is_some()>
                                    <span>{label}</span>
                                    <input name=name
                                        prop:value=move || form.with(|f| get(f).clone().unwrap_or_default())
                                        aria-invalid=move || err().is_some().to_string()
                                        aria-describedby=err_id.clone()
                                        on:input=move |e| form.update(|f| set(f, event_target_value(&e)))/>
                                    <span class="field-error" id=err_id>{err}</span>
                                </label>
                            }
                        }).collect_view()}
                        <label class="field" class:field-invalid=move || field_error("expected_close")().is_some()>
                            <span>"Expected close"</span>
                            <input type="date" name="expected_close"
                                prop:value=move || form.with(|f| f.expected_close.clone().unwrap_or_default())
                                aria-invalid=move || field_error("expected_close")().is_some().to_string()
                                aria-describedby="expected_close-error"
                                on:input=move |e| form.update(|f| f.expected_close = Some(event_target_value(&e)))/>
                            <span class="field-error" id="expected_close-error">{field_error("expected_close")}</span>
                        </label>
                        <div class="field" class:field-invalid=move || field_error("committed")().is_some()>
                            <label class="check">
                                <input type="checkbox" name="committed"
                                    prop:checked=move || form.with(|f| f.committed == Some(true))
                                    aria-invalid=move || field_error("committed")().is_some().to_string()
                                    aria-describedby="committed-error"
                                    on:change=move |e| form.update(|f| f.committed = Some(event_target_checked(&e)))/>
                                " Committed: I expect to win it by then"
                            </label>
                            <span class="field-error" id="committed-error">{field_error("committed")}</span>
                        </div>
                        <FieldInputs lead=lead_for_inputs.clone() pipelines=pipelines_for_inputs.clone() form=form
                            people=people.clone() server_error=server_field_error/>
                        {move || error.with(|e| e.as_ref().filter(|e| e.fields().is_empty()).map(error_text))
                            .map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                        {move || policy_problem.get().map(|m| view! {
                            <p class="policy-note policy-warn" role="status">{m}</p>
                        })}
                        <div class="form-actions">
                            <button type="button" class="button" on:click=move |_| { editing.set(false); error.set(None); }>"Cancel"</button>
                            <button type="submit" class="button button-primary" disabled=move || busy.get()>"Save"</button>
                        </div>
                    </form>
                }.into_any()
            } else {
                view! {
                    <dl class="details">
                        {shown.clone().into_iter().map(|(k, v)| {
                            let missing = v.is_none();
                            view! {
                                <dt>{k}</dt>
                                <dd class:muted=missing>{v.unwrap_or_else(|| "–".into())}</dd>
                            }
                        }).collect_view()}
                    </dl>
                    <FieldList lead=lead_for_list.clone() pipelines=pipelines.clone() people=people.clone()/>
                }.into_any()
            }}
        </section>
    }
}

/// A lead that looks dead, with the one action that closes it as "No response".
#[component]
fn DeadLead(lead: Lead, why: String, saved: Callback<Lead>) -> impl IntoView {
    let error = RwSignal::new(None::<AppError>);
    let (id, version) = (lead.id, lead.version);
    let close = move |_| {
        let request = CloseOut::Lost {
            version,
            reason: Some(CloseReason::NoResponse),
            note: None,
        };
        leptos::task::spawn_local(async move {
            match close_lead(id, request).await {
                Ok(lead) => saved.run(lead),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="panel-section dead-lead" aria-label="Suggestion">
            <p><strong>"This lead looks dead. "</strong>{format!("{why}.")}</p>
            <button type="button" class="button button-small" on:click=close>"Close as “No response”"</button>
            {move || error.with(|e| e.as_ref().map(error_text)).map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
        </section>
    }
}

/// The score and what makes it up, biggest part first.
#[component]
fn ScoreReasons(score: i64, reasons: Vec<crate::domain::score::ScoreReason>) -> impl IntoView {
    view! {
        <section class="panel-section" aria-labelledby="score-title">
            <h3 id="score-title">{format!("Score {score}")}<small>" of 100"</small></h3>
            <ul class="score-reasons">
                {reasons.into_iter().map(|r| {
                    let class = if r.points < 0 { "score-minus" } else { "score-plus" };
                    let points = if r.points < 0 { format!("−{}", -r.points) } else { format!("+{}", r.points) };
                    view! { <li class=class><span class="score-points">{points}</span>" "{r.label}</li> }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Won with its value, or lost with a reason (and a note for "Other").
/// Moves the lead into an open stage of another pipeline (the rules of that stage apply, as
/// on the board).
#[component]
fn OtherPipeline(
    lead: Lead,
    pipelines: crate::domain::Pipelines,
    saved: Callback<Lead>,
) -> impl IntoView {
    let here = pipelines.get(lead.stage_id).map(|s| s.pipeline_id);
    let groups: Vec<(String, Vec<(crate::domain::StageId, String)>)> = pipelines
        .active()
        .filter(|p| Some(p.id) != here)
        .map(|p| {
            let stages = pipelines
                .board(p.id)
                .into_iter()
                .filter(|s| s.kind == StageKind::Open)
                .map(|s| (s.id, s.name.clone()))
                .collect();
            (p.name.clone(), stages)
        })
        .collect();
    let to = RwSignal::new(
        groups
            .first()
            .and_then(|(_, s)| s.first())
            .map(|(id, _)| *id),
    );
    let error = RwSignal::new(None::<AppError>);
    let (id, version) = (lead.id, lead.version);
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let Some(to_stage) = to.get_untracked() else {
            return;
        };
        let request = crate::domain::MoveRequest {
            to_stage,
            version,
            close_reason: None,
            close_note: None,
        };
        leptos::task::spawn_local(async move {
            match crate::api::move_lead(id, request).await {
                Ok(lead) => saved.run(lead),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="panel-section" aria-label="Pipeline">
            <h3>"Pipeline"</h3>
            <form class="inline-form" on:submit=submit>
                <label class="field">
                    <span>"Move to another pipeline"</span>
                    <select name="to_stage" on:change=move |e| to.set(event_target_value(&e).parse().ok().map(crate::domain::StageId))>
                        {groups.into_iter().map(|(name, stages)| view! {
                            <optgroup label=name.clone()>
                                {stages.into_iter().map(|(sid, stage)| view! {
                                    <option value=sid.0.to_string()>{format!("{name} · {stage}")}</option>
                                }).collect_view()}
                            </optgroup>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="button button-small">"Move"</button>
            </form>
            {move || error.with(|e| e.as_ref().map(error_text)).map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
        </section>
    }
}

#[component]
fn CloseOutForm(lead: Lead, saved: Callback<Lead>) -> impl IntoView {
    let mode = RwSignal::new(None::<bool>);
    let value = RwSignal::new(lead.value.map(|v| amount_text(v.cents)).unwrap_or_default());
    let reason = RwSignal::new(None::<CloseReason>);
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let id = lead.id;
    let version = lead.version;
    let submit = move || {
        let request = if mode.get_untracked() == Some(true) {
            CloseOut::Won {
                version,
                value: value.get_untracked(),
            }
        } else {
            CloseOut::Lost {
                version,
                reason: reason.get_untracked(),
                note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
            }
        };
        leptos::task::spawn_local(async move {
            match close_lead(id, request).await {
                Ok(lead) => saved.run(lead),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let message = move || error.with(|e| e.as_ref().map(error_text));
    view! {
        <section class="panel-section" aria-label="Close out">
            <div class="section-head">
                <h3>"Close out"</h3>
                <div class="button-row">
                    <button type="button" class="button button-small"
                        aria-pressed=move || (mode.get() == Some(true)).to_string()
                        on:click=move |_| { mode.set(Some(true)); error.set(None); }>"Won…"</button>
                    <button type="button" class="button button-small"
                        aria-pressed=move || (mode.get() == Some(false)).to_string()
                        on:click=move |_| { mode.set(Some(false)); error.set(None); }>"Lost…"</button>
                </div>
            </div>
            {move || mode.get().map(|won| view! {
                <form class="close-form" on:submit=move |e| { e.prevent_default(); submit(); }>
                    {if won {
                        view! {
                            <label class="field">
                                <span>"Value won"</span>
                                <input name="value" inputmode="decimal" prop:value=move || value.get()
                                    on:input=move |e| value.set(event_target_value(&e))/>
                            </label>
                        }.into_any()
                    } else {
                        view! {
                            <label class="field">
                                <span>"Reason"</span>
                                <select name="close_reason" on:change=move |e| reason.set(CloseReason::parse(&event_target_value(&e)))>
                                    <option value="">"Choose a reason"</option>
                                    {CloseReason::ALL.into_iter().map(|r| view! {
                                        <option value=r.key()>{r.label()}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                            <label class="field">
                                <span>"Note " <small>"(needed for “Other”)"</small></span>
                                <textarea name="close_note" rows="2" maxlength="500" prop:value=move || note.get()
                                    on:input=move |e| note.set(event_target_value(&e))></textarea>
                            </label>
                        }.into_any()
                    }}
                    {move || message().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                    <div class="form-actions">
                        <button type="button" class="button" on:click=move |_| mode.set(None)>"Cancel"</button>
                        <button type="submit" class=if won { "button button-primary" } else { "button button-danger" }>
                            {if won { "Close as won" } else { "Close as lost" }}
                        </button>
                    </div>
                </form>
            })}
        </section>
    }
}

/// The lead's quotes, newest first, and a button to start one.
#[component]
fn Quotes(lead_id: LeadId, can_create: bool) -> impl IntoView {
    use crate::api::quotes::{create_quote, lead_quotes};
    let list = Resource::new(|| (), move |_| lead_quotes(lead_id));
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let start = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match create_quote(lead_id).await {
                Ok(id) => {
                    let navigate = leptos_router::hooks::use_navigate();
                    navigate(&format!("/quotes/{id}"), Default::default());
                }
                Err(e) => {
                    problem.set(Some(error_text(&e)));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <section class="panel-section lead-quotes" aria-labelledby=format!("quotes-title-{lead_id}")>
            <div class="section-head">
                <h3 id=format!("quotes-title-{lead_id}")>"Quotes"</h3>
                {can_create.then(|| view! {
                    <button type="button" class="button button-small" disabled=move || busy.get()
                        on:click=start>"New quote"</button>
                })}
            </div>
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            <Transition fallback=|| view! { <p class="loading">"Loading quotes…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(qs) if qs.is_empty() => view! {
                            <p class="muted">"No quotes yet."</p>
                        }.into_any(),
                        Ok(qs) => view! {
                            <ul class="quote-list">
                                {qs.into_iter().map(|q| view! {
                                    <li>
                                        <a href=format!("/quotes/{}", q.id)>{q.number.clone()}</a>
                                        <span class=format!("quote-status quote-status-{}", q.status.key())>{q.status.label()}</span>
                                        <span class="quote-list-total">{q.total.exact()}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="field-error">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
