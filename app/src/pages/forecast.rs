//! Route `/forecast`: what the open pipeline should bring in, month by month by each lead's
//! expected close date: weighted by its stage's win probability, committed by its rep, and
//! the best case, per rep, team or pipeline, beside the past months' wins. Downloads as CSV
//! (`/forecast.csv`, the same figures).

use crate::api::forecast::{
    amount, get_forecast, Cell, ColumnKind, ForecastQuery, ForecastView, Grouping, AHEAD_CHOICES,
    PAST_MONTHS,
};
use crate::components::chart::Chart;
use crate::components::guard::RequireAccess;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::money::Currency;
use crate::domain::quota::Attainment;
use crate::domain::roi::count_text;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The query of the page's URL: `?by=team&months=6&pipeline=2&currency=EUR`.
fn query_from_url() -> Memo<ForecastQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| ForecastQuery {
            pipeline: q.get("pipeline").and_then(|p| p.parse().ok()),
            by: q.get("by").filter(|b| !b.is_empty()),
            months: q.get("months").and_then(|m| m.parse().ok()),
            currency: q.get("currency").filter(|c| !c.is_empty()),
        })
    })
}

#[component]
pub fn ForecastPage() -> impl IntoView {
    view! {
        <Title text="Forecast"/>
        <RequireAccess check=|a| access::view_forecast(a).map(|_| ())>
            <ForecastBody/>
        </RequireAccess>
    }
}

#[component]
fn ForecastBody() -> impl IntoView {
    let query = query_from_url();
    let data = Resource::new(
        move || query.get(),
        |q| get_forecast(q.pipeline, q.by, q.months, q.currency),
    );
    view! {
        <section class="page forecast" aria-labelledby="forecast-title">
            <Transition fallback=|| view! { <p class="loading">"Working out the forecast…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Report v=v/> }.into_any(),
                        Err(e) => view! {
                            <div class="page-head"><h1 id="forecast-title">"Forecast"</h1></div>
                            <div class="panel panel-error" role="alert">
                                <p>{error_text(&e)}</p>
                                <p><a href="/forecast">"Show the usual forecast"</a></p>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The choices as links (plain GETs, so they work before the page is interactive).
#[component]
fn Controls(v: ForecastView) -> impl IntoView {
    let q = v.query.clone();
    let by = |g: Grouping| {
        let to = ForecastQuery {
            by: Some(g.key().into()),
            ..q.clone()
        };
        view! {
            <a class="segment" href=to.href("/forecast") aria-current=(g == v.grouping).then_some("page")>
                {g.label()}
            </a>
        }
    };
    let months = |m: u32| {
        let to = ForecastQuery {
            months: Some(m),
            ..q.clone()
        };
        view! {
            <a class="segment" href=to.href("/forecast") aria-current=(m == v.ahead).then_some("page")>
                {format!("{m} months")}
            </a>
        }
    };
    let pipeline = |id: Option<i64>, name: String| {
        let to = ForecastQuery {
            pipeline: id,
            ..q.clone()
        };
        view! {
            <a class="segment" href=to.href("/forecast") aria-current=(id == q.pipeline).then_some("page")>
                {name}
            </a>
        }
    };
    let pipelines = (!v.pipelines.is_empty()).then(|| {
        let links: Vec<_> = std::iter::once(pipeline(None, "All pipelines".into()))
            .chain(
                v.pipelines
                    .iter()
                    .map(|(id, name)| pipeline(Some(*id), name.clone())),
            )
            .collect();
        view! { <nav class="segmented" aria-label="Pipeline">{links}</nav> }
    });
    view! {
        <div class="compliance-controls forecast-controls">
            <nav class="segmented" aria-label="Group by">{Grouping::ALL.map(by).to_vec()}</nav>
            <nav class="segmented" aria-label="Months ahead">{AHEAD_CHOICES.map(months).to_vec()}</nav>
            {pipelines}
        </div>
    }
}

#[component]
fn Report(v: ForecastView) -> impl IntoView {
    let f = v.forecast.clone();
    let cur = f.currency;
    let window = f.total.window(&f.columns);
    let past = f.total.past_won(&f.columns);
    let others = (!v.other_currencies.is_empty()).then(|| {
        let links = v
            .other_currencies
            .iter()
            .map(|c| {
                let to = ForecastQuery {
                    currency: Some(c.clone()),
                    ..v.query.clone()
                };
                view! { <a href=to.href("/forecast")>{format!("Show {c}")}</a>" " }
            })
            .collect_view();
        view! {
            <p class="notice" role="note">
                {format!("Leads valued in {} are not in these amounts. ", v.other_currencies.join(", "))}
                {links}
            </p>
        }
    });
    let undated = (v.undated > 0).then(|| {
        view! {
            <p class="notice notice-warn" role="note">
                {format!(
                    "{} open {} no expected close date: {} in \u{201c}No close date\u{201d}, not in the months.",
                    count_text(v.undated),
                    if v.undated == 1 { "lead has" } else { "leads have" },
                    if v.undated == 1 { "it is" } else { "they are" },
                )}
            </p>
        }
    });
    let months_label = format!("next {} months", v.ahead);
    // This month's column, for the figures beside each row's quota.
    let current = f.columns.iter().position(|c| c.kind == ColumnKind::Current);
    let has_quotas = !v.quotas.is_empty();
    let quota_of = {
        let quotas = v.quotas.clone();
        move |key: Option<i64>| {
            quotas
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, a)| a.clone())
        }
    };
    let quota_stat = v.quota_total.clone().zip(current).map(|(a, i)| {
        let cell = &f.total.cells[i];
        view! {
            <li class="stat">
                <span class="stat-value">{format!("{} %", share(cell.won + cell.weighted(), a.target))}</span>
                <span class="stat-label">{format!("Of {}'s quota ({}) expected: won and weighted", a.period, a.figure(a.target))}</span>
            </li>
        }
    });
    let caption = format!("By {}", v.grouping.label().to_lowercase());
    let csv = v.query.href("/forecast.csv");
    view! {
        <div class="page-head">
            <h1 id="forecast-title">"Forecast"</h1>
            <p class="page-hint">
                {format!(
                    "{}, in {}, on {}. Open leads by the month they are expected to close: weighted by their stage's win probability, committed by their reps, and the best case if every one is won.",
                    v.scope, cur.code(), v.today
                )}
            </p>
        </div>
        <Controls v=v.clone()/>
        {others}
        <ul class="stats forecast-stats" aria-label="The forecast in figures">
            <li class="stat stat-ok">
                <span class="stat-value">{amount(window.won + window.weighted(), cur)}</span>
                <span class="stat-label">{format!("Expected, {months_label}")}</span>
            </li>
            <li class="stat">
                <span class="stat-value">{amount(window.won + window.committed, cur)}</span>
                <span class="stat-label">"Won and committed"</span>
            </li>
            <li class="stat">
                <span class="stat-value">{amount(window.won + window.best, cur)}</span>
                <span class="stat-label">"Best case"</span>
            </li>
            <li class="stat">
                <span class="stat-value">{amount(past.won, cur)}</span>
                <span class="stat-label">{format!("Won, last {PAST_MONTHS} months")}</span>
            </li>
            {quota_stat}
        </ul>
        {undated}
        <section class="panel-section" aria-labelledby="forecast-chart">
            <h2 id="forecast-chart">"By month"</h2>
            <Chart
                svg=v.chart.clone()
                label=format!("Bar chart: won in the past {PAST_MONTHS} months; for this month and the {} after, won and committed, expected (weighted), and best case, in {}", v.ahead - 1, cur.code())
                legend=vec![
                    ("swatch-spend", "Won, and committed"),
                    ("swatch-revenue", "Won, and weighted"),
                    ("swatch-best", "Won, and best case"),
                ]
                note="Figures in the table below."
            />
        </section>
        <section class="panel-section" aria-labelledby="forecast-table">
            <div class="section-head">
                <h2 id="forecast-table">{caption.clone()}</h2>
                <a class="button button-quiet" href=csv download="">"Download CSV"</a>
            </div>
            {if f.rows.is_empty() {
                view! { <p class="muted">"No open leads and no wins in these months."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="table forecast-table">
                            <caption class="visually-hidden">{caption}</caption>
                            <thead><tr>
                                <th scope="col">{v.grouping.label()}</th>
                                {has_quotas.then(|| view! {
                                    <th scope="col" class="num forecast-col-quota">"Quota"<span class="cell-sub">"this month"</span></th>
                                })}
                                {f.columns.iter().map(|c| view! {
                                    <th scope="col" class=format!("num forecast-col-{}", c.kind.key())>
                                        {c.label.clone()}
                                        {(c.kind == ColumnKind::Won).then(|| view! { <span class="cell-sub">"won"</span> })}
                                        {(c.kind == ColumnKind::Current).then(|| view! { <span class="cell-sub">"this month"</span> })}
                                    </th>
                                }).collect_view()}
                            </tr></thead>
                            <tbody>
                                {f.rows.iter().map(|r| view! {
                                    <tr>
                                        <th scope="row">{r.label.clone()}</th>
                                        {has_quotas.then(|| quota_cell(quota_of(r.key), current.map(|i| &r.cells[i])))}
                                        {f.columns.iter().zip(&r.cells).map(|(c, cell)| cell_view(c.kind, cell, cur)).collect_view()}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                            <tfoot>
                                <tr>
                                    <th scope="row">"Total"</th>
                                    {has_quotas.then(|| quota_cell(v.quota_total.clone(), current.map(|i| &f.total.cells[i])))}
                                    {f.columns.iter().zip(&f.total.cells).map(|(c, cell)| cell_view(c.kind, cell, cur)).collect_view()}
                                </tr>
                            </tfoot>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="panel-section formula" aria-labelledby="forecast-defs">
            <h2 id="forecast-defs">"What the figures count"</h2>
            <ul class="rule-list">
                <li><strong>"Weighted"</strong>": each open lead's value × its stage's win probability (set per stage in Pipelines & stages), summed and rounded to the cent once."</li>
                <li><strong>"Committed"</strong>": the value of the open leads their reps commit to closing by their expected close date."</li>
                <li><strong>"Best case"</strong>": the value of every open lead expected to close in the month."</li>
                <li><strong>"Won"</strong>": leads won in the month, by the day they were won; this month's wins so far are added to its figures above."</li>
                <li><strong>"Past due"</strong>": open leads whose expected close date has passed: a date to move, or a lead to close out."</li>
            </ul>
        </section>
    }
}

/// One cell: the main figure (won for past months, weighted for the rest) with the others
/// beneath it.
fn cell_view(kind: ColumnKind, c: &Cell, cur: Currency) -> impl IntoView {
    let class = format!("num forecast-col-{}", kind.key());
    if kind == ColumnKind::Won {
        return if c.wins == 0 {
            view! { <td class=class>"–"</td> }.into_any()
        } else {
            view! {
                <td class=class>
                    {amount(c.won, cur)}
                    <span class="cell-sub">{format!("{} won", count_text(c.wins))}</span>
                </td>
            }
            .into_any()
        };
    }
    if c.open == 0 && c.wins == 0 {
        return view! { <td class=class>"–"</td> }.into_any();
    }
    view! {
        <td class=class>
            <span class="forecast-weighted">{amount(c.weighted(), cur)}</span>
            {(c.committed > 0).then(|| view! { <span class="cell-sub">{format!("committed {}", amount(c.committed, cur))}</span> })}
            <span class="cell-sub">{format!("best {} · {} open", amount(c.best, cur), count_text(c.open))}</span>
            {(c.wins > 0).then(|| view! { <span class="cell-sub forecast-won">{format!("won {} so far", amount(c.won, cur))}</span> })}
        </td>
    }
    .into_any()
}

/// Whole percent of `target` (0 without one).
fn share(n: i64, target: i64) -> i64 {
    if target > 0 {
        (i128::from(n) * 100 / i128::from(target)) as i64
    } else {
        0
    }
}

/// A row's monthly quota beside its forecast: the target, what is won, and what is expected
/// (won and weighted) this month, as shares of it.
fn quota_cell(quota: Option<Attainment>, this_month: Option<&Cell>) -> impl IntoView {
    let Some(a) = quota else {
        return view! { <td class="num muted">"–"</td> }.into_any();
    };
    let (won, expected) = this_month.map_or((0, 0), |c| (c.won, c.won + c.weighted()));
    view! {
        <td class=format!("num forecast-quota quota-{}", a.pace().key())>
            <strong>{a.figure(a.target)}</strong>
            <span class="cell-sub">{format!("won {} % · expected {} %", share(won, a.target), share(expected, a.target))}</span>
        </td>
    }
    .into_any()
}
