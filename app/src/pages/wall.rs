//! Routes `/wall/:token` (a TV with a wall-display token, no sign-in) and `/wall` (leadership
//! and admins, signed in): the open pipeline in large type, refreshed every minute.

use crate::api::keys::{get_wall, WallView};
use crate::domain::{ColumnSummary, Money, StageKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// How often the wall re-reads its figures.
const REFRESH_MS: u32 = 60_000;

#[component]
pub fn WallPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token")).unwrap_or_default();
    let tick = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || tick.update(|t| *t += 1),
        std::time::Duration::from_millis(u64::from(REFRESH_MS)),
    ) {
        on_cleanup(move || handle.clear());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (REFRESH_MS, tick);
    // The status of an invalid token (401) is set by the server's middleware.
    let wall = Resource::new(move || (token(), tick.get()), |(t, _)| get_wall(t));
    view! {
        <Title text="Wall"/>
        <section class="wall" aria-labelledby="wall-title">
            <h1 id="wall-title" class="wall-title">"Pipeline"</h1>
            <p class="wall-sub">"All teams · refreshed every minute"</p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match wall.await {
                        Ok(w) => view! { <WallTiles wall=w/> }.into_any(),
                        Err(e) => view! {
                            <div class="panel panel-error" role="alert"><p>{e.to_string()}</p></div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn total(s: &ColumnSummary) -> String {
    match s.totals.as_slice() {
        [] => "–".into(),
        [one] => one.compact(),
        many => many
            .iter()
            .map(Money::compact)
            .collect::<Vec<_>>()
            .join(" + "),
    }
}

#[component]
fn WallTiles(wall: WallView) -> impl IntoView {
    let tiles = wall
        .pipeline
        .stages()
        .iter()
        .map(|stage| {
            let summary = wall
                .summaries
                .iter()
                .find(|s| s.stage_id == stage.id)
                .cloned()
                .unwrap_or_else(|| ColumnSummary::empty(stage.id));
            let kind = match stage.kind {
                StageKind::Open => "wall-tile",
                StageKind::Won => "wall-tile wall-tile-won",
                StageKind::Lost => "wall-tile wall-tile-lost",
            };
            view! {
                <div class=kind>
                    <h2 class="wall-stage">{stage.name.clone()}</h2>
                    <p class="wall-count">{summary.count}<span class="wall-unit">" leads"</span></p>
                    <p class="wall-value">{total(&summary)}</p>
                </div>
            }
        })
        .collect_view();
    view! { <div class="wall-grid">{tiles}</div> }
}
