//! The board's two overlays: the lead drawer and the close-out reason asked for on a drop
//! into a lost stage.

use super::dom::focus_card;
use super::state::{BoardState, Closing};
use crate::components::lead_panel::LeadPanel;
use crate::domain::activity::ActivityKind;
use crate::domain::{apply_move, CloseReason, Lead, LeadId, MoveRequest};
use leptos::prelude::*;

/// The lead drawer: the lead panel beside the board, closed with Escape or the × button,
/// returning focus to the card.
#[component]
pub fn Drawer(state: BoardState) -> impl IntoView {
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
pub fn CloseOutDialog(state: BoardState) -> impl IntoView {
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
        let verdict = state.read(|m| apply_move(&m.pipeline, &lead, &request, m.now));
        if let Some(Err(r)) = verdict {
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
