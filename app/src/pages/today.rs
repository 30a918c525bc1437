//! Route `/today`, My day: the rep's own numbers, then the queue of leads that need them, most
//! urgent first, each worked in one or two keystrokes.
//!
//! Keys on the queue: ↑/↓ (or K/J) choose a lead; Enter does what the row suggests (opens the
//! lead with its quick log: 1–5 then logs the outcome); C / E / M log a call, e-mail or
//! meeting; T / D / W set the next step to tomorrow, in three days or next week; Z snoozes with
//! a reason; X closes it out as lost; ? lists the keys.

use crate::api::close_lead;
use crate::api::today::{get_today, plan_next_step, snooze_lead, Today};
use crate::components::guard::RequireAccess;
use crate::components::keys::typing;
use crate::components::lead_panel::LeadPanel;
use crate::components::live;
use crate::components::quota::QuotaMeter;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::activity::{ActivityKind, CloseOut, NextStepChange, QuickPick};
use crate::domain::money::Money;
use crate::domain::time::Timestamp;
use crate::domain::today::{rate_text, QueueItem, SnoozeReason, SnoozeRequest, Suggestion};
use crate::domain::{CloseReason, Lead, LeadId, NextStepKind};
use leptos::ev;
use leptos::prelude::*;
use leptos_meta::Title;

/// The keys the `?` dialog lists: (keys, what they do).
const SHORTCUTS: [(&str, &str); 11] = [
    ("↓ ↑ or J K", "Next or previous lead"),
    (
        "Enter",
        "Do what the row suggests (opens the lead's quick log)",
    ),
    (
        "C E M",
        "Log a call, e-mail or meeting (then 1–5 for the outcome)",
    ),
    ("T", "Next step tomorrow"),
    ("D", "Next step in 3 days"),
    ("W", "Next step next week"),
    ("Z", "Snooze with a reason"),
    ("X", "Close it out as lost, with the reason"),
    ("N", "New lead: type in a call or a visit"),
    ("Esc", "Close the open lead or dialog"),
    ("?", "Show these keys"),
];

#[component]
pub fn TodayPage() -> impl IntoView {
    view! {
        <Title text="My day"/>
        <RequireAccess check=access::view_today>
            <TodayBody/>
        </RequireAccess>
    }
}

/// What a row's action dialog is open for.
#[derive(Clone, Debug, PartialEq)]
enum Dialog {
    Snooze(Lead),
    CloseOut(Lead),
    Keys,
}

/// The page's state, kept across reloads of the figures so the selection and any open lead
/// survive them.
#[derive(Clone, Copy)]
struct TodayState {
    reload: RwSignal<u32>,
    /// The row the keyboard is on.
    selected: RwSignal<usize>,
    /// The lead open in the drawer, and the touch its quick log starts with.
    open: RwSignal<Option<(LeadId, Option<ActivityKind>)>>,
    dialog: RwSignal<Option<Dialog>>,
    /// The last thing done, or why it was refused: (ok, text).
    notice: RwSignal<Option<(bool, String)>>,
    busy: RwSignal<bool>,
    /// The organisation's zone, minutes east of UTC, for the days in confirmations.
    offset: StoredValue<i32>,
}

impl TodayState {
    /// Re-reads the queue and numbers, then puts focus back on the selected row.
    fn refresh(self) {
        self.reload.update(|n| *n += 1);
    }

    fn done(self, text: String) {
        self.notice.set(Some((true, text.clone())));
        self.busy.set(false);
        self.refresh();
        // The confirmation fades after a few seconds unless something newer replaced it.
        let notice = self.notice;
        set_timeout(
            move || {
                if notice.get_untracked() == Some((true, text)) {
                    notice.set(None);
                }
            },
            std::time::Duration::from_secs(5),
        );
    }

    fn failed(self, text: String) {
        self.notice.set(Some((false, text)));
        self.busy.set(false);
    }
}

#[component]
fn TodayBody() -> impl IntoView {
    let state = TodayState {
        reload: RwSignal::new(0),
        selected: RwSignal::new(0),
        open: RwSignal::new(None),
        dialog: RwSignal::new(None),
        notice: RwSignal::new(None),
        offset: StoredValue::new(0),
        busy: RwSignal::new(false),
    };
    let data = Resource::new(move || state.reload.get(), |_| get_today());
    // `?` anywhere on the page (not while typing) lists the keys. Escape closes an open
    // dialog even when the focus is not in it: a live re-read draws the dialog anew, and the
    // focus is on the page until the new one takes it.
    let handle = window_event_listener(ev::keydown, move |e: ev::KeyboardEvent| {
        let open = state.dialog.get_untracked().is_some();
        if e.key() == "?" && !typing(&e) && !open {
            e.prevent_default();
            state.dialog.set(Some(Dialog::Keys));
        } else if e.key() == "Escape" && open && !e.default_prevented() {
            e.prevent_default();
            state.dialog.set(None);
            focus_selected(state.selected, false);
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <section class="page today" aria-labelledby="today-title">
            <Transition fallback=|| view! { <p class="loading">"Putting your day together…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(t) => view! { <TodayView today=t state/> }.into_any(),
                        Err(e) => view! {
                            <div class="page-head"><h1 id="today-title">"My day"</h1></div>
                            <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                        }.into_any(),
                    }
                })}
            </Transition>
            <Drawer state/>
            <Dialogs state/>
        </section>
    }
}

fn greeting(now: Timestamp, offset_minutes: i32) -> &'static str {
    let local_hour =
        (now.0 + i64::from(offset_minutes) * 60_000).rem_euclid(86_400_000) / 3_600_000;
    match local_hour {
        5..=11 => "Good morning",
        12..=17 => "Good afternoon",
        _ => "Good evening",
    }
}

fn money_list(values: &[Money]) -> String {
    if values.is_empty() {
        return Money::new(0, crate::domain::Currency::USD).display();
    }
    values
        .iter()
        .map(Money::display)
        .collect::<Vec<_>>()
        .join(" + ")
}

#[component]
fn TodayView(today: Today, state: TodayState) -> impl IntoView {
    let me = today.first_name.clone();
    let count = today.queue.len();
    let last_event_id = today.last_event_id;
    state.offset.set_value(today.offset_minutes);
    // Anything that happens to one of my leads elsewhere (a manager's action, a new lead
    // routed to me, the sweep) re-reads the day, at most once a second.
    let pending = StoredValue::new(false);
    live::connect(last_event_id, move |event| {
        if event.recipient.is_some() || pending.get_value() {
            return;
        }
        pending.set_value(true);
        set_timeout(
            move || {
                pending.set_value(false);
                state.refresh();
            },
            std::time::Duration::from_millis(1_000),
        );
    });
    // Keep the selection on the queue and focus it again after every reload, unless a lead
    // or dialog is open.
    let rows = count;
    Effect::new(move |_| {
        if rows == 0 {
            return;
        }
        state.selected.update(|at| *at = (*at).min(rows - 1));
        if state.open.get_untracked().is_none() && state.dialog.get_untracked().is_none() {
            focus_selected(state.selected, false);
        }
    });
    let streak = today.streak;
    let pipeline_total: u32 = today.pipeline.iter().map(|s| s.leads).sum();
    view! {
        <div class="page-head today-head">
            <h1 id="today-title">{format!("{}, {me}", greeting(today.now, today.offset_minutes))}</h1>
            <p class="page-hint">
                {match count {
                    0 => "Nothing needs you right now.".to_string(),
                    1 => "1 lead needs you today.".to_string(),
                    n => format!("{n} leads need you today."),
                }}
            </p>
            <button type="button" class="button button-quiet today-keys"
                aria-keyshortcuts="?" on:click=move |_| state.dialog.set(Some(Dialog::Keys))>
                "Keyboard shortcuts " <kbd>"?"</kbd>
            </button>
        </div>
        <ul class="stats today-stats" aria-label="Your numbers">
            <li class="stat stat-ok">
                <span class="stat-value">{money_list(&today.won)}</span>
                <span class="stat-label">{format!("Won in {}: {} {}", today.month_name, today.wins,
                    if today.wins == 1 { "deal" } else { "deals" })}</span>
            </li>
            <li class="stat">
                {match &today.commission {
                    Some((bp, amount)) => view! {
                        <span class="stat-value">{money_list(amount)}</span>
                        <span class="stat-label">{format!("Estimated commission at {}", rate_text(*bp))}</span>
                    }.into_any(),
                    None => view! {
                        <span class="stat-value stat-none">"–"</span>
                        <span class="stat-label">"Commission: no rate set yet"</span>
                    }.into_any(),
                }}
            </li>
            <li class=format!("stat {}", score_class(today.compliance))>
                <span class="stat-value">{today.compliance.map_or("–".to_string(), |s| format!("{s:.0}"))}
                    <small>" / 100"</small></span>
                <span class="stat-label"><a href="/compliance">"Follow-up score, 30 days"</a></span>
            </li>
            <li class=if streak.today_clean { "stat stat-ok" } else { "stat stat-danger" }>
                <span class="stat-value">{format!("{} {}", streak.days, if streak.days == 1 { "day" } else { "days" })}</span>
                <span class="stat-label">{if streak.today_clean {
                    "Streak: every open lead on track"
                } else {
                    "Streak broken today: a lead was in breach"
                }}</span>
            </li>
        </ul>
        {(!today.quotas.is_empty()).then(|| view! {
            <section class="today-quotas" aria-label="Your quotas">
                {today.quotas.iter().cloned().map(|a| view! { <QuotaMeter a=a/> }).collect_view()}
            </section>
        })}
        <section class="today-pipeline" aria-label="Your open pipeline">
            <h2 class="today-subhead">{format!("Open pipeline · {pipeline_total} leads")}</h2>
            <ul class="stage-values">
                {today.pipeline.iter().map(|s| view! {
                    <li>
                        <span class="stage-name">{s.stage.clone()}</span>
                        <span class="stage-count">{s.leads}</span>
                        <span class="stage-value">{money_list(&s.value)}</span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section class="today-queue" aria-labelledby="queue-title">
            <h2 id="queue-title" class="today-subhead">"To do " <span class="count">{count}</span></h2>
            // What was done floats above the queue (it never pushes the rows the keyboard is
            // on); why something was refused stays in place until the next action.
            {move || state.notice.get().map(|(ok, text)| if ok {
                view! { <p class="toast toast-visible today-toast" role="status">{text}</p> }.into_any()
            } else {
                view! { <p class="notice notice-error" role="alert">{text}</p> }.into_any()
            })}
            {if count == 0 {
                view! {
                    <div class="empty-state today-clear">
                        <h3>"All clear"</h3>
                        <p>"Every lead has its next step and nothing is overdue. "
                            <a href="/board">"Open the board"</a></p>
                    </div>
                }.into_any()
            } else {
                view! { <Queue items=today.queue.clone() now=today.now offset=today.offset_minutes state/> }.into_any()
            }}
        </section>
    }
}

fn score_class(score: Option<f64>) -> &'static str {
    match score {
        Some(s) if s >= 85.0 => "stat-ok",
        Some(s) if s < 60.0 => "stat-danger",
        _ => "",
    }
}

#[component]
fn Queue(items: Vec<QueueItem>, now: Timestamp, offset: i32, state: TodayState) -> impl IntoView {
    let items = StoredValue::new(items);
    let item_at = move |i: usize| items.with_value(|v| v.get(i).cloned());
    let len = items.with_value(Vec::len);
    let plan = move |item: QueueItem, pick: QuickPick| {
        if state.busy.get_untracked() {
            return;
        }
        let lead = item.lead;
        let change = NextStepChange {
            version: lead.version,
            kind: lead
                .next_step
                .as_ref()
                .map_or(NextStepKind::Call, |s| s.kind),
            due_at: pick.due(now, offset),
            note: lead.next_step.as_ref().and_then(|s| s.note.clone()),
        };
        let title = lead.title().to_string();
        state.busy.set(true);
        leptos::task::spawn_local(async move {
            match plan_next_step(lead.id, change).await {
                Ok(l) => state.done(format!(
                    "{title}: next step {} {}",
                    l.next_step.as_ref().map_or("", |s| s.kind.label()),
                    pick.label().to_lowercase()
                )),
                Err(e) => state.failed(format!("{title}: {}", error_text(&e))),
            }
        });
    };
    let act = move |item: QueueItem, key: &str| -> bool {
        let id = item.lead.id;
        match key {
            "enter" => {
                let kind = match item.suggestion {
                    Suggestion::Touch(k) => Some(k),
                    Suggestion::PlanNextStep => None,
                    Suggestion::CloseOut => {
                        state.dialog.set(Some(Dialog::CloseOut(item.lead)));
                        return true;
                    }
                };
                state.open.set(Some((id, kind)));
            }
            "c" => state.open.set(Some((id, Some(ActivityKind::Call)))),
            "e" => state.open.set(Some((id, Some(ActivityKind::Email)))),
            "m" => state.open.set(Some((id, Some(ActivityKind::Meeting)))),
            "t" => plan(item, QuickPick::Tomorrow),
            "d" => plan(item, QuickPick::InThreeDays),
            "w" => plan(item, QuickPick::NextWeek),
            "z" if item.why.snoozable() => state.dialog.set(Some(Dialog::Snooze(item.lead))),
            "z" => state.notice.set(Some((
                false,
                format!(
                    "{}: a first touch cannot be snoozed; log the touch instead",
                    item.lead.title()
                ),
            ))),
            "x" => state.dialog.set(Some(Dialog::CloseOut(item.lead))),
            _ => return false,
        }
        true
    };
    let on_key = move |e: ev::KeyboardEvent| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || typing(&e) {
            return;
        }
        let at = state.selected.get_untracked();
        let key = e.key().to_ascii_lowercase();
        match key.as_str() {
            "arrowdown" | "j" => {
                let next = (at + 1).min(len.saturating_sub(1));
                state.selected.set(next);
                focus_now(state.selected, true);
            }
            "arrowup" | "k" => {
                let next = at.saturating_sub(1);
                state.selected.set(next);
                focus_now(state.selected, true);
            }
            "home" => {
                state.selected.set(0);
                focus_now(state.selected, true);
            }
            "end" => {
                state.selected.set(len.saturating_sub(1));
                focus_now(state.selected, true);
            }
            other => {
                let Some(item) = item_at(at) else { return };
                if !act(item, other) {
                    return;
                }
            }
        }
        e.prevent_default();
    };
    // When the day re-reads (after an action, or a change arriving live) the rows are drawn
    // anew and focus falls back to the page until the selected row takes it again: keys
    // pressed meanwhile still act on the selected row instead of being lost.
    let handle = window_event_listener(ev::keydown, move |e: ev::KeyboardEvent| {
        let idle = state.open.get_untracked().is_none() && state.dialog.get_untracked().is_none();
        if idle && focus_on_page() {
            on_key(e);
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <ol class="queue" on:keydown=on_key aria-label="Leads that need you, most urgent first">
            {items.get_value().into_iter().enumerate().map(|(i, item)| {
                let lead = item.lead.clone();
                let why = item.why;
                let primary = item.suggestion.text();
                let row = item.clone();
                let row2 = item.clone();
                let row3 = item.clone();
                let row4 = item.clone();
                let contact = [lead.contact_beside_title().map(str::to_string), lead.phone.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                view! {
                    <li class=format!("queue-item why-{}", why.class())
                        data-index=i data-lead-id=lead.id.0
                        tabindex=move || if state.selected.get() == i { "0" } else { "-1" }
                        aria-current=move || (state.selected.get() == i).then_some("true")
                        on:focus=move |_| state.selected.set(i)>
                        <span class=format!("queue-why chip why-chip-{}", why.class())>{why.label()}</span>
                        <div class="queue-who">
                            <a class="queue-title" href=format!("/leads/{}", lead.id) tabindex="-1">{lead.title().to_string()}</a>
                            <span class="queue-contact">{contact}</span>
                        </div>
                        <p class="queue-detail">{item.detail.clone()}</p>
                        <div class="queue-actions" role="group" aria-label=format!("Actions for {}", lead.title())>
                            <button type="button" class="button button-primary" tabindex="-1"
                                disabled=move || state.busy.get()
                                on:click=move |_| { state.selected.set(i); act(row.clone(), "enter"); }>
                                {primary}<kbd>"Enter"</kbd>
                            </button>
                            {why.snoozable().then(|| view! {
                                <button type="button" class="button" tabindex="-1"
                                    disabled=move || state.busy.get()
                                    on:click=move |_| { state.selected.set(i); act(row2.clone(), "t"); }>
                                    "Tomorrow"<kbd>"T"</kbd>
                                </button>
                            })}
                            {why.snoozable().then(|| view! {
                                <button type="button" class="button" tabindex="-1"
                                    on:click=move |_| { state.selected.set(i); act(row3.clone(), "z"); }>
                                    "Snooze"<kbd>"Z"</kbd>
                                </button>
                            })}
                            <button type="button" class="button button-quiet" tabindex="-1"
                                on:click=move |_| { state.selected.set(i); act(row4.clone(), "x"); }>
                                "Close out"<kbd>"X"</kbd>
                            </button>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// What a save from the drawer left on the lead, in words: "Northwind Analytics updated ·
/// next step Call on Dec 7" (days in a zone `offset` minutes east of UTC).
fn saved_text(lead: &Lead, offset: i32) -> String {
    match &lead.next_step {
        Some(step) => format!(
            "{} updated · next step {} on {}",
            lead.title(),
            step.kind.label(),
            step.due_at.short_date(offset)
        ),
        None if lead.closed_at.is_some() => format!("{} closed out", lead.title()),
        None => format!("{} updated", lead.title()),
    }
}

/// The lead beside the queue, with its quick log focused; any save closes it and re-reads
/// the day.
#[component]
fn Drawer(state: TodayState) -> impl IntoView {
    let close = Callback::new(move |_: ()| {
        state.open.set(None);
        focus_selected(state.selected, false);
    });
    let saved = Callback::new(move |lead: Lead| {
        state.open.set(None);
        state.done(saved_text(&lead, state.offset.get_value()));
    });
    view! {
        {move || state.open.get().map(|(id, kind)| view! {
            <div class="drawer-backdrop" on:click=move |_| close.run(())></div>
            <aside class="drawer" role="dialog" aria-modal="true" aria-label="Lead"
                on:keydown=move |e| if e.key() == "Escape" { e.prevent_default(); close.run(()) }>
                <LeadPanel id=id start_kind=kind on_close=close on_saved=saved/>
            </aside>
        })}
    }
}

#[component]
fn Dialogs(state: TodayState) -> impl IntoView {
    let cancel = move || {
        state.dialog.set(None);
        focus_selected(state.selected, false);
    };
    view! {
        {move || state.dialog.get().map(|d| match d {
            Dialog::Keys => view! { <KeysDialog cancel/> }.into_any(),
            Dialog::Snooze(lead) => view! { <SnoozeDialog lead state cancel/> }.into_any(),
            Dialog::CloseOut(lead) => view! { <CloseOutDialog lead state cancel/> }.into_any(),
        })}
    }
}

/// Focuses the dialog's root once it is in the document.
fn focus_on_mount(root: NodeRef<leptos::html::Div>) {
    Effect::new(move |_| {
        if let Some(el) = root.get() {
            request_animation_frame(move || {
                let _ = el.focus();
            });
        }
    });
}

#[component]
fn KeysDialog(cancel: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    focus_on_mount(root);
    view! {
        <div class="dialog-backdrop" on:click=move |_| cancel()></div>
        <div class="dialog keys-dialog" role="dialog" aria-modal="true" aria-labelledby="keys-title"
            tabindex="-1" node_ref=root
            on:keydown=move |e| if matches!(e.key().as_str(), "Escape" | "?") { e.prevent_default(); cancel() }>
            <h2 id="keys-title">"Keyboard shortcuts"</h2>
            <dl class="keys">
                {SHORTCUTS.into_iter().map(|(k, what)| view! {
                    <dt><kbd>{k}</kbd></dt><dd>{what}</dd>
                }).collect_view()}
            </dl>
            <p class="page-hint">"In the open lead: C E M S N choose the touch, T D W its next step, 1–5 the outcome (which saves)."</p>
            <div class="dialog-actions">
                <button type="button" class="button" on:click=move |_| cancel()>"Close"</button>
            </div>
        </div>
    }
}

#[component]
fn SnoozeDialog(
    lead: Lead,
    state: TodayState,
    cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let reason = RwSignal::new(None::<SnoozeReason>);
    let until = RwSignal::new(QuickPick::Tomorrow);
    let note = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let root = NodeRef::<leptos::html::Div>::new();
    focus_on_mount(root);
    let title = StoredValue::new(lead.title().to_string());
    let (id, version) = (lead.id, lead.version);
    let save = move || {
        let Some(r) = reason.get_untracked() else {
            problem.set(Some("reason: Pick why (1–4)".into()));
            return;
        };
        if state.busy.get_untracked() {
            return;
        }
        let request = SnoozeRequest {
            version,
            until: until.get_untracked(),
            reason: r,
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        let title = title.get_value();
        state.busy.set(true);
        leptos::task::spawn_local(async move {
            match snooze_lead(id, request).await {
                Ok(l) => {
                    state.dialog.set(None);
                    state.done(format!(
                        "{title}: snoozed to {}",
                        l.next_step.map_or_else(String::new, |s| s
                            .due_at
                            .short_date(state.offset.get_value()))
                    ));
                }
                Err(e) => {
                    state.busy.set(false);
                    problem.set(Some(error_text(&e)));
                }
            }
        });
    };
    let on_key = move |e: ev::KeyboardEvent| {
        let Some(k) = dialog_key(&e, cancel, save) else {
            return;
        };
        if let Some(r) = k
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| SnoozeReason::ALL.get(n))
        {
            reason.set(Some(*r));
        } else if let Some((p, _)) = QuickPick::ALL.iter().find(|(_, s)| *s == k) {
            until.set(*p);
        } else {
            return;
        }
        e.prevent_default();
    };
    view! {
        <div class="dialog-backdrop" on:click=move |_| cancel()></div>
        <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="snooze-title"
            tabindex="-1" node_ref=root on:keydown=on_key>
            <h2 id="snooze-title">{format!("Snooze {}", lead.title())}</h2>
            <fieldset class="reasons">
                <legend>"Why (1–4)"</legend>
                {SnoozeReason::ALL.into_iter().enumerate().map(|(i, r)| view! {
                    <label class="reason">
                        <input type="radio" name="snooze-reason" value=r.key()
                            prop:checked=move || reason.get() == Some(r)
                            on:change=move |_| reason.set(Some(r))/>
                        <kbd>{(i + 1).to_string()}</kbd>{r.label()}
                    </label>
                }).collect_view()}
            </fieldset>
            <div class="segmented" role="radiogroup" aria-label="Until">
                {QuickPick::ALL.into_iter().map(|(p, key)| view! {
                    <button type="button" role="radio" class="segment"
                        aria-checked=move || (until.get() == p).to_string()
                        aria-keyshortcuts=key.to_uppercase()
                        on:click=move |_| until.set(p)>
                        {p.label()}<kbd>{key.to_uppercase()}</kbd>
                    </button>
                }).collect_view()}
            </div>
            <label class="field">
                <span>"Note " <small>{move || if reason.get() == Some(SnoozeReason::Other) { "(required)" } else { "(optional)" }}</small></span>
                <input type="text" maxlength="500" prop:value=move || note.get()
                    on:input=move |e| note.set(event_target_value(&e))/>
            </label>
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            <div class="dialog-actions">
                <button type="button" class="button" on:click=move |_| cancel()>"Cancel"</button>
                <button type="button" class="button button-primary" disabled=move || state.busy.get()
                    on:click=move |_| save()>"Snooze" <kbd>"Enter"</kbd></button>
            </div>
        </div>
    }
}

#[component]
fn CloseOutDialog(
    lead: Lead,
    state: TodayState,
    cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // A lead that looks dead is preset to "no response".
    let reason = RwSignal::new(
        lead.suggest_close
            .is_some()
            .then_some(CloseReason::NoResponse),
    );
    let note = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let root = NodeRef::<leptos::html::Div>::new();
    focus_on_mount(root);
    let title = StoredValue::new(lead.title().to_string());
    let (id, version) = (lead.id, lead.version);
    let save = move || {
        if state.busy.get_untracked() {
            return;
        }
        let request = CloseOut::Lost {
            version,
            reason: reason.get_untracked(),
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        let title = title.get_value();
        state.busy.set(true);
        leptos::task::spawn_local(async move {
            match close_lead(id, request).await {
                Ok(_) => {
                    state.dialog.set(None);
                    state.done(format!("{title}: closed out as lost"));
                }
                Err(e) => {
                    state.busy.set(false);
                    problem.set(Some(error_text(&e)));
                }
            }
        });
    };
    let on_key = move |e: ev::KeyboardEvent| {
        let Some(k) = dialog_key(&e, cancel, save) else {
            return;
        };
        if let Some(r) = k
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| CloseReason::ALL.get(n))
        {
            reason.set(Some(*r));
            e.prevent_default();
        }
    };
    view! {
        <div class="dialog-backdrop" on:click=move |_| cancel()></div>
        <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="closeout-title"
            tabindex="-1" node_ref=root on:keydown=on_key>
            <h2 id="closeout-title">{format!("Close out {} as lost", lead.title())}</h2>
            <fieldset class="reasons">
                <legend>"Reason (1–7)"</legend>
                {CloseReason::ALL.into_iter().enumerate().map(|(i, r)| view! {
                    <label class="reason">
                        <input type="radio" name="close-reason" value=r.key()
                            prop:checked=move || reason.get() == Some(r)
                            on:change=move |_| reason.set(Some(r))/>
                        <kbd>{(i + 1).to_string()}</kbd>{r.label()}
                    </label>
                }).collect_view()}
            </fieldset>
            <label class="field">
                <span>"Note " <small>{move || if reason.get() == Some(CloseReason::Other) { "(required)" } else { "(optional)" }}</small></span>
                <input type="text" maxlength="2000" prop:value=move || note.get()
                    on:input=move |e| note.set(event_target_value(&e))/>
            </label>
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            <div class="dialog-actions">
                <button type="button" class="button" on:click=move |_| cancel()>"Cancel"</button>
                <button type="button" class="button button-danger" disabled=move || state.busy.get()
                    on:click=move |_| save()>"Close out" <kbd>"Enter"</kbd></button>
            </div>
        </div>
    }
}

/// A key in a dialog: Escape cancels and Enter saves (from anywhere in it); any other key is
/// returned, lower-cased, for the dialog's own shortcuts unless it was typed into a text
/// field or held with a modifier.
fn dialog_key(e: &ev::KeyboardEvent, cancel: impl Fn(), save: impl Fn()) -> Option<String> {
    match e.key().as_str() {
        "Escape" => {
            e.prevent_default();
            cancel();
            None
        }
        "Enter" => {
            e.prevent_default();
            save();
            None
        }
        _ if typing(e) || e.ctrl_key() || e.meta_key() || e.alt_key() => None,
        key => Some(key.to_ascii_lowercase()),
    }
}

/// Focuses the selected queue row once the DOM has caught up (whichever row is selected by
/// then: keys pressed meanwhile win); `scroll` keeps it in view. For rows drawn anew. The
/// focus is taken only from the page itself or another row, never from where the person put
/// it meanwhile (the New lead dialog opened with N as the day arrived, a menu, a link).
fn focus_selected(selected: RwSignal<usize>, scroll: bool) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        if focus_on_page() || focus_in_queue() {
            focus_now(selected, scroll)
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (selected, scroll);
}

/// Focuses the selected queue row at once, so the next key acts on the row that has the
/// focus (moving through rows that are already drawn).
fn focus_now(selected: RwSignal<usize>, scroll: bool) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let i = selected.get_untracked();
        if let Some(el) = document()
            .query_selector(&format!(".queue-item[data-index='{i}']"))
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
            if scroll {
                el.scroll_into_view_with_bool(false);
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (selected, scroll);
}

/// Whether the focus is on the queue (a row, or a button in one).
#[cfg(feature = "hydrate")]
fn focus_in_queue() -> bool {
    document()
        .active_element()
        .and_then(|a| a.closest(".queue").ok().flatten())
        .is_some()
}

/// Whether nothing in particular has the focus (the page body itself).
fn focus_on_page() -> bool {
    #[cfg(feature = "hydrate")]
    {
        let doc = document();
        match (doc.active_element(), doc.body()) {
            (None, _) => true,
            (Some(active), Some(body)) => {
                let body: &web_sys::Element = body.as_ref();
                &active == body
            }
            (Some(_), None) => false,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    false
}
