//! Route `/leaderboard`: reps ranked by follow-up discipline first (score, first touches in
//! SLA), then wins, with streak badges. Who sees it is an admin's setting; admins download
//! the figures for incentive payouts.

use crate::api::recognition::{get_leaderboard, Leaderboard, LEADERBOARD_DAYS};
use crate::components::guard::RequireAccess;
use crate::components::status::error_text;
use crate::domain::money::{Currency, Money};
use crate::domain::roi::percent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LeaderboardPage() -> impl IntoView {
    let q = use_query_map();
    let days =
        Memo::new(move |_| q.with(|q| q.get("days").and_then(|d| d.parse().ok()).unwrap_or(30)));
    let data = Resource::new(move || days.get(), get_leaderboard);
    view! {
        <Title text="Leaderboard"/>
        <RequireAccess check=crate::domain::access::view_leaderboard>
            <section class="page page-narrow leaderboard" aria-labelledby="board-title">
                <Transition fallback=|| view! { <p class="loading">"Ranking…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(b) => view! { <Board board=b/> }.into_any(),
                            Err(e) => view! {
                                <div class="page-head"><h1 id="board-title">"Leaderboard"</h1></div>
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
fn Board(board: Leaderboard) -> impl IntoView {
    let days = board.days;
    let quotas = board.rows.iter().any(|r| !r.quotas.is_empty());
    view! {
        <div class="page-head">
            <h1 id="board-title">"Leaderboard"</h1>
            <p class="page-hint">{format!("{} · last {days} days · ranked by follow-up first, then wins", board.scope)}</p>
            <nav class="segmented" aria-label="Period">
                {LEADERBOARD_DAYS.into_iter().map(|d| view! {
                    <a class="segment" href=format!("/leaderboard?days={d}")
                        aria-current=(d == days).then_some("page")>{format!("{d} days")}</a>
                }).collect_view()}
            </nav>
            {board.can_export.then(|| view! {
                <a class="button" href=format!("/leaderboard.csv?days={days}") download="">"Export for payouts (CSV)"</a>
            })}
        </div>
        {if board.rows.is_empty() {
            view! { <p class="empty-note">"No reps to rank yet."</p> }.into_any()
        } else {
            view! {
                <table class="table leaderboard-table">
                    <thead><tr>
                        <th scope="col">"#"</th>
                        <th scope="col">"Rep"</th>
                        <th scope="col" class="num">"Score"</th>
                        <th scope="col" class="num">"First touch in SLA"</th>
                        <th scope="col" class="num">"Next steps"</th>
                        <th scope="col" class="num">"Complete data"</th>
                        <th scope="col" class="num">"Wins"</th>
                        {quotas.then(|| view! { <th scope="col">"Quota this period"</th> })}
                        <th scope="col">"Badges"</th>
                    </tr></thead>
                    <tbody>
                        {board.rows.into_iter().enumerate().map(|(i, r)| view! {
                            <tr>
                                <td>{i + 1}</td>
                                <th scope="row">{r.name.clone()}
                                    {r.team.clone().map(|t| view! { <small class="muted">" · "{t}</small> })}</th>
                                <td class="num"><strong>{r.score.map_or("–".to_string(), |s| format!("{s:.0}"))}</strong></td>
                                <td class="num">{format!("{} of {}", r.sla_hits, r.sla_counted)}</td>
                                <td class="num">{percent(r.next_step_share)}</td>
                                <td class="num">{percent(r.data_complete_share)}</td>
                                <td class="num">{format!("{} · {}", r.wins, Money::new(r.won_cents, Currency::USD).compact())}</td>
                                {quotas.then(|| view! {
                                    <td>
                                        <ul class="quota-chips">
                                            {r.quotas.iter().map(|a| view! {
                                                <li class=format!("quota-chip quota-{}", a.pace().key())
                                                    title=format!("{} · {}: {} · {}", a.measure.label(), a.period, a.summary(), a.pace_text())>
                                                    {a.short()}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    </td>
                                })}
                                <td>
                                    <ul class="badges">
                                        {r.badges.iter().map(|b| view! { <li class="badge">{b.label()}</li> }).collect_view()}
                                    </ul>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
