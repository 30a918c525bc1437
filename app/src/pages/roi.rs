//! Route `/roi`: what marketing's money bought over a period, per channel, campaign and
//! source, with costs, ROI, source quality and the funnel. Every table sorts by any column and
//! downloads as CSV (`/roi.csv`, the same figures).

use crate::api::roi::{
    get_roi, get_roi_times, FunnelStep, RoiQuery, RoiReport, SetInquiryTarget, StageTime, PERIODS,
};
use crate::components::chart::{Chart, FunnelTable};
use crate::components::guard::use_me;
use crate::components::guard::RequireAccess;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::money::Currency;
use crate::domain::roi::{
    self, count_text, days_text, money_text, parse_target, percent, roi_text, Column, Pace, RoiRow,
    Spread, Tally,
};
use crate::domain::CloseReason;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The query of the page's URL: `?days=90&currency=USD`, or `?from=2026-07-01&to=2026-09-30`.
fn query_from_url() -> Memo<RoiQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| RoiQuery {
            days: q.get("days").and_then(|d| d.parse().ok()).unwrap_or(90),
            currency: q.get("currency").filter(|c| !c.is_empty()),
            from: q.get("from").filter(|c| !c.is_empty()),
            to: q.get("to").filter(|c| !c.is_empty()),
            pipeline: q.get("pipeline").and_then(|p| p.parse().ok()),
        })
    })
}

fn href(q: &RoiQuery) -> String {
    let mut out = if q.is_custom() {
        let enc = |v: &Option<String>| {
            v.as_deref()
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        };
        format!("/roi?from={}&to={}", enc(&q.from), enc(&q.to))
    } else {
        format!("/roi?days={}", q.days)
    };
    if let Some(c) = &q.currency {
        out.push_str(&format!("&currency={c}"));
    }
    if let Some(p) = q.pipeline {
        out.push_str(&format!("&pipeline={p}"));
    }
    out
}

/// The period: the usual lengths, or two dates (a plain GET form, so it works before the page
/// is interactive too).
#[component]
fn PeriodPicker(q: RoiQuery, #[prop(optional)] error: Option<AppError>) -> impl IntoView {
    let custom = q.is_custom();
    let links = PERIODS.map(|d| {
        let to = RoiQuery {
            days: d,
            from: None,
            to: None,
            ..q.clone()
        };
        view! {
            <a class="segment" href=href(&to) aria-current=(!custom && d == q.days).then_some("page")>
                {format!("{d} days")}
            </a>
        }
    });
    let field_error = move |name: &str| {
        error.as_ref().and_then(|e| e.message_for(name)).map(|m| {
            view! { <span class="field-error" role="alert">{m.to_string()}</span> }
        })
    };
    view! {
        <div class="compliance-controls roi-period">
            <nav class="segmented" aria-label="Period">{links}</nav>
            <form class="roi-dates" method="get" action="/roi" aria-label="Period by dates">
                <label class="field field-narrow">"From"
                    <input type="date" name="from" required value=q.from.clone().unwrap_or_default()
                        aria-invalid=field_error("from").is_some().then_some("true")/>
                    {field_error("from")}
                </label>
                <label class="field field-narrow">"To"
                    <input type="date" name="to" required value=q.to.clone().unwrap_or_default()
                        aria-invalid=field_error("to").is_some().then_some("true")/>
                    {field_error("to")}
                </label>
                {q.currency.clone().map(|c| view! { <input type="hidden" name="currency" value=c/> })}
                {q.pipeline.map(|p| view! { <input type="hidden" name="pipeline" value=p.to_string()/> })}
                <button class="button" type="submit">"Show"</button>
            </form>
        </div>
    }
}

fn csv_href(q: &RoiQuery, table: &str) -> String {
    href(q).replacen("/roi?", "/roi.csv?", 1) + &format!("&table={table}")
}

#[component]
pub fn RoiPage() -> impl IntoView {
    view! {
        <Title text="ROI"/>
        <RequireAccess check=|a| access::view_roi(a)>
            <RoiBody/>
        </RequireAccess>
    }
}

#[component]
fn RoiBody() -> impl IntoView {
    let query = query_from_url();
    let data = Resource::new(move || query.get(), get_roi);
    view! {
        <section class="page roi" aria-labelledby="roi-title">
            <Transition fallback=|| view! { <p class="loading">"Working out the figures…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(r) => view! { <Report report=r/> }.into_any(),
                        Err(e) => view! {
                            <div class="page-head"><h1 id="roi-title">"Marketing ROI"</h1></div>
                            {(!e.fields().is_empty()).then(|| view! { <PeriodPicker q=query.get_untracked() error=e.clone()/> })}
                            <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Report(report: RoiReport) -> impl IntoView {
    let q = report.query.clone();
    let cur = report.currency;
    let t = report.total.clone();
    let others = (!report.other_currencies.is_empty()).then(|| {
        let list = report.other_currencies.join(", ");
        view! {
            <p class="notice" role="note">
                {format!("Amounts in {list} are not in these figures (counts are). ")}
                {report.other_currencies.iter().map(|c| {
                    let to = RoiQuery { currency: Some(c.clone()), ..q.clone() };
                    view! { <a href=href(&to)>{format!("Show {c}")}</a>" " }
                }).collect_view()}
            </p>
        }
    });
    let qualified = report.qualified_stage.clone().unwrap_or_else(|| "–".into());
    let quoted = report.quoted_stage.clone().unwrap_or_else(|| "–".into());
    view! {
        <div class="page-head">
            <h1 id="roi-title">"Marketing ROI"</h1>
            <p class="page-hint">
                {format!(
                    "{}, in {}. Inquiries are the leads that came in during the period, followed to where they are now; wins, losses and revenue are the leads closed in the period.",
                    match (&q.from, &q.to) {
                        (Some(from), Some(to)) => format!("From {from} to {to} (days in UTC)"),
                        _ => format!("Last {} days, to {}", q.days, report.now.date_string(0)),
                    },
                    cur.code()
                )}
            </p>
        </div>
        <PeriodPicker q=q.clone()/>
        {others}
        <ul class="stats roi-stats" aria-label="The period in figures">
            <li class="stat"><span class="stat-value">{count_text(t.inquiries)}</span><span class="stat-label">"Inquiries"</span></li>
            <li class="stat"><span class="stat-value">{money_text(Some(t.spend_cents), cur)}</span><span class="stat-label">"Spend"</span></li>
            <li class="stat"><span class="stat-value">{money_text(t.cost_per_lead(), cur)}</span><span class="stat-label">"Cost per lead"</span></li>
            <li class="stat stat-ok"><span class="stat-value">{count_text(t.won)}</span><span class="stat-label">"Won"</span></li>
            <li class="stat stat-ok"><span class="stat-value">{money_text(Some(t.revenue_cents), cur)}</span><span class="stat-label">"Won revenue"</span></li>
            <li class=if t.roi_percent().is_some_and(|r| r < 0.0) { "stat stat-danger" } else { "stat stat-ok" }>
                <span class="stat-value">{roi_text(t.roi_percent())}</span><span class="stat-label">"ROI"</span>
            </li>
        </ul>
        <TargetPace pace=report.pace.clone()/>
        <section class="panel-section" aria-labelledby="roi-chart">
            <h2 id="roi-chart">"Spend and won revenue by channel"</h2>
            <Chart
                svg=report.channel_chart.clone()
                label=format!("Bar chart: spend and won revenue per channel, in {}", cur.code())
                legend=vec![("swatch-spend", "Spend"), ("swatch-revenue", "Won revenue")]
                note="Figures in the table below."
            />
        </section>
        <RoiTable
            caption="By channel" table="channels" rows=report.channels.clone()
            currency=cur csv=csv_href(&q, "channels") show_source=false
        />
        <RoiTable
            caption="By campaign" table="campaigns" rows=report.campaigns.clone()
            currency=cur csv=csv_href(&q, "campaigns") show_source=true
        />
        <Quality rows=report.sources.clone() csv=csv_href(&q, "sources")/>
        <Funnel steps=report.funnel.clone() chart=report.funnel_chart.clone() csv=csv_href(&q, "funnel")
            query=q.clone() pipeline=report.funnel_pipeline.clone() pipelines=report.pipelines.clone()/>
        <StageTimes query=q.clone() csv=csv_href(&q, "times")/>
        <section class="panel-section formula" aria-labelledby="roi-defs">
            <h2 id="roi-defs">"What the columns count"</h2>
            <ul class="rule-list">
                <li><strong>"Inquiries"</strong>": leads created in the period. "<strong>"Contacted"</strong>": of those, touched at least once."</li>
                <li><strong>"Qualified"</strong>", "<strong>"Quoted"</strong>{format!(": of those, in or past the {qualified} or {quoted} stage at some point (a lead lost later still counts).")}</li>
                <li><strong>"Won"</strong>", "<strong>"Lost"</strong>", "<strong>"Won revenue"</strong>": leads closed in the period, whenever they came in; revenue is the value of the leads won."</li>
                <li><strong>"Spend"</strong>": spend entries dated in the period. Costs divide it by the period's inquiries, qualified inquiries and wins, rounded to the cent; ROI is (won revenue − spend) ÷ spend."</li>
                <li><strong>"Not a buyer or spam"</strong>": the share of the period's close-outs closed as \u{201c}not a buyer\u{201d} or \u{201c}spam / bad data\u{201d}."</li>
            </ul>
        </section>
    }
}

/// The columns of the channel and campaign tables, in order: every column but source quality's.
const COLUMNS: &[Column] = Column::ALL.split_at(Column::ALL.len() - 1).0;

fn cell(column: Column, r: &RoiRow, cur: Currency) -> String {
    let t = &r.tally;
    match column {
        Column::Name => r.label.clone(),
        Column::Inquiries => count_text(t.inquiries),
        Column::Contacted => percent(t.contacted_share()),
        Column::Qualified => t.qualified.to_string(),
        Column::Quoted => t.quoted.to_string(),
        Column::Won => t.won.to_string(),
        Column::Lost => t.lost_total().to_string(),
        Column::Revenue => money_text(Some(t.revenue_cents), cur),
        Column::Spend => money_text(Some(t.spend_cents), cur),
        Column::CostPerLead => money_text(t.cost_per_lead(), cur),
        Column::CostPerQualified => money_text(t.cost_per_qualified(), cur),
        Column::CostPerWin => money_text(t.cost_per_win(), cur),
        Column::Roi => roi_text(t.roi_percent()),
        Column::RevenuePerSpend => t
            .revenue_per_spend()
            .map_or_else(|| "–".into(), |v| format!("{v:.2}")),
        Column::Junk => percent(t.junk_share()),
    }
}

/// "Lost: 3 not a buyer, 1 no budget" for a lost count's title.
fn lost_detail(t: &Tally) -> String {
    let parts: Vec<String> = CloseReason::ALL
        .iter()
        .filter(|r| t.lost_for(**r) > 0)
        .map(|r| format!("{} {}", t.lost_for(*r), r.label().to_lowercase()))
        .collect();
    if parts.is_empty() {
        "None lost".into()
    } else {
        format!("Lost: {}", parts.join(", "))
    }
}

/// A sortable header cell: a button that sorts by the column, its state in `aria-sort`.
fn sort_header(
    column: Column,
    sort: RwSignal<(Column, bool)>,
    label: &'static str,
) -> impl IntoView {
    let aria = move || {
        let (c, desc) = sort.get();
        if c != column {
            "none"
        } else if desc {
            "descending"
        } else {
            "ascending"
        }
    };
    let class = if column == Column::Name { "" } else { "num" };
    view! {
        <th scope="col" class=class aria-sort=aria>
            <button type="button" class="sort-button" on:click=move |_| {
                sort.update(|(c, desc)| {
                    if *c == column {
                        *desc = !*desc;
                    } else {
                        *c = column;
                        // Names read best A to Z; figures largest first.
                        *desc = column != Column::Name;
                    }
                });
            }>
                {label}
                <span class="sort-mark" aria-hidden="true">{move || match aria() {
                    "descending" => "▼",
                    "ascending" => "▲",
                    _ => "",
                }}</span>
            </button>
        </th>
    }
}

#[component]
fn RoiTable(
    caption: &'static str,
    table: &'static str,
    rows: Vec<RoiRow>,
    currency: Currency,
    csv: String,
    show_source: bool,
) -> impl IntoView {
    let sort = RwSignal::new((Column::Roi, true));
    let sorted = Memo::new(move |_| {
        let mut rows = rows.clone();
        let (c, desc) = sort.get();
        roi::sort(&mut rows, c, desc);
        rows
    });
    let title_id = format!("roi-{table}");
    let labelled_by = title_id.clone();
    view! {
        <section class="panel-section" aria-labelledby=labelled_by>
            <div class="section-head">
                <h2 id=title_id>{caption}</h2>
                <a class="button button-quiet" href=csv.clone() download="">"Download CSV"</a>
            </div>
            {move || if sorted.with(Vec::is_empty) {
                view! { <p class="muted">"Nothing in this period."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="table roi-table">
                            <caption class="visually-hidden">{caption}</caption>
                            <thead><tr>
                                {COLUMNS.iter().map(|c| sort_header(*c, sort, c.label())).collect_view()}
                            </tr></thead>
                            <tbody>
                                {sorted.get().into_iter().map(|r| {
                                    let lost_title = lost_detail(&r.tally);
                                    let negative = r.tally.roi_percent().is_some_and(|v| v < 0.0);
                                    view! {
                                        <tr>
                                            <th scope="row">
                                                {r.label.clone()}
                                                {(show_source).then(|| r.source.clone().map(|s| view! { <small class="muted">{format!(" · {s}")}</small> }))}
                                                {r.budget_cents.map(|b| view! { <small class="muted budget">{format!(" · budget {}", money_text(Some(b), currency))}</small> })}
                                            </th>
                                            {COLUMNS[1..].iter().map(|c| {
                                                let text = cell(*c, &r, currency);
                                                let class = match c {
                                                    Column::Roi if negative => "num roi-negative",
                                                    Column::Roi => "num roi-positive",
                                                    _ => "num",
                                                };
                                                let title = (*c == Column::Lost).then(|| lost_title.clone());
                                                view! { <td class=class title=title>{text}</td> }
                                            }).collect_view()}
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// Source quality: how each source's close-outs ended, and the share that was no buyer at all.
#[component]
fn Quality(rows: Vec<RoiRow>, csv: String) -> impl IntoView {
    let mut rows = rows;
    roi::sort(&mut rows, Column::Junk, true);
    view! {
        <section class="panel-section" aria-labelledby="roi-quality">
            <div class="section-head">
                <h2 id="roi-quality">"Source quality"</h2>
                <a class="button button-quiet" href=csv download="">"Download CSV"</a>
            </div>
            <p class="page-hint">"How the period's close-outs from each source ended: a source whose leads are mostly \u{201c}not a buyer\u{201d} or spam costs reps time without bringing buyers."</p>
            {if rows.is_empty() {
                view! { <p class="muted">"Nothing closed in this period."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="table roi-table">
                            <caption class="visually-hidden">"Source quality"</caption>
                            <thead><tr>
                                <th scope="col">"Source"</th>
                                <th scope="col" class="num">"Won"</th>
                                {CloseReason::ALL.map(|r| view! { <th scope="col" class="num">{r.label()}</th> })}
                                <th scope="col" class="num">"Not a buyer or spam"</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| {
                                    let t = r.tally.clone();
                                    view! {
                                        <tr>
                                            <th scope="row">{r.label.clone()}</th>
                                            <td class="num">{t.won}</td>
                                            {CloseReason::ALL.map(|reason| view! { <td class="num">{t.lost_for(reason)}</td> })}
                                            <td class="num"><strong>{percent(t.junk_share())}</strong></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// The funnel of the period's inquiries: how many got to each stage, and the share of the
/// step before.
#[component]
fn Funnel(
    steps: Vec<FunnelStep>,
    chart: String,
    csv: String,
    query: RoiQuery,
    pipeline: String,
    pipelines: Vec<(i64, String)>,
) -> impl IntoView {
    // With several pipelines, the funnel (and the stage times) are one pipeline's: links pick.
    let picker = (!pipelines.is_empty()).then(|| {
        let first = pipelines.first().map(|p| p.0);
        let links = pipelines
            .into_iter()
            .map(|(id, name)| {
                let to = RoiQuery {
                    pipeline: Some(id),
                    ..query.clone()
                };
                let current = query.pipeline.or(first) == Some(id);
                view! { <a class="segment" href=href(&to) aria-current=current.then_some("page")>{name}</a> }
            })
            .collect_view();
        view! { <nav class="segmented" aria-label="Pipeline of the funnel">{links}</nav> }
    });
    let title = if picker.is_some() {
        format!("Funnel · {pipeline}")
    } else {
        "Funnel".to_string()
    };
    view! {
        <section class="panel-section" aria-labelledby="roi-funnel">
            <div class="section-head">
                <h2 id="roi-funnel">{title}</h2>
                <a class="button button-quiet" href=csv download="">"Download CSV"</a>
            </div>
            {picker}
            <p class="page-hint">"The period's inquiries by the furthest stage they reached."</p>
            <Chart svg=chart label="Bar chart: inquiries reaching each stage".to_string()
                legend=vec![("swatch-spend", "Inquiries")] note="Figures in the table below."/>
            <FunnelTable steps class="table funnel-table"/>
        </section>
    }
}

/// How long leads stay in each stage before they move on, and how long a win takes, from the
/// event log.
#[component]
fn StageTimes(query: RoiQuery, csv: String) -> impl IntoView {
    // Read apart from the report: exact percentiles over the period's moves and wins.
    let data = Resource::new(move || query.clone(), get_roi_times);
    view! {
        <section class="panel-section" aria-labelledby="roi-times">
            <div class="section-head">
                <h2 id="roi-times">"Time in stage and sales cycle"</h2>
                <a class="button button-quiet" href=csv download="">"Download CSV"</a>
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Reading the event log…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(t) => view! { <StageTimesBody times=t.stage_times cycle=t.sales_cycle/> }.into_any(),
                        Err(e) => view! { <p class="panel panel-error" role="alert">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StageTimesBody(times: Vec<StageTime>, cycle: Option<Spread>) -> impl IntoView {
    view! {
            <p class="page-hint">
                {match cycle {
                    Some(c) => format!(
                        "Sales cycle of the {} wins in the period, inquiry to win: median {}, 80% within {}.",
                        count_text(c.count), days_text(c.median_ms), days_text(c.p80_ms)
                    ),
                    None => "No wins in the period yet.".to_string(),
                }}
                " Time in stage counts each move out of a stage in the period, from when the lead entered it."
            </p>
            {if times.is_empty() {
                view! { <p class="muted">"No moves in this period."</p> }.into_any()
            } else {
                view! {
                    <table class="table stage-time-table">
                        <caption class="visually-hidden">"Time in stage"</caption>
                        <thead><tr>
                            <th scope="col">"Stage"</th>
                            <th scope="col" class="num">"Moves out"</th>
                            <th scope="col" class="num">"Median"</th>
                            <th scope="col" class="num">"80% within"</th>
                        </tr></thead>
                        <tbody>
                            {times.into_iter().map(|t| view! {
                                <tr>
                                    <th scope="row">{t.stage.clone()}</th>
                                    <td class="num">{count_text(t.spread.count)}</td>
                                    <td class="num">{days_text(t.spread.median_ms)}</td>
                                    <td class="num">{days_text(t.spread.p80_ms)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
    }
}

fn count64(n: i64) -> String {
    count_text(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
}

/// This year's inquiries against marketing's yearly target, with the pace; marketing and
/// admins set the target here.
#[component]
fn TargetPace(pace: Pace) -> impl IntoView {
    let can_edit = use_me().is_some_and(|a| access::manage_campaigns(&a).is_ok());
    let year = pace.year;
    let last_year_wins = pace.last_year_wins;
    let pace = RwSignal::new(pace);
    let save = ServerAction::<SetInquiryTarget>::new();
    let typed =
        RwSignal::new(pace.with_untracked(|p| p.target.map(|t| t.to_string()).unwrap_or_default()));
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        save.dispatch(SetInquiryTarget {
            year,
            target: typed.get_untracked(),
        });
    };
    // Saved: show the new target (parsed the same way the server did).
    Effect::new(move || {
        if let Some(Ok(())) = save.value().get() {
            if let Ok(t) = parse_target(&typed.get_untracked(), last_year_wins) {
                pace.update(|p| p.target = Some(t));
            }
        }
    });
    let error = move || {
        save.value().get().and_then(Result::err).map(|e| {
            e.fields()
                .first()
                .map_or_else(|| error_text(&e), |f| f.message.clone())
        })
    };
    let summary = move || {
        pace.with(|p| match p.target {
            Some(t) => format!(
                "{} of {} inquiries in {} ({})",
                count64(p.so_far),
                count64(t),
                p.year,
                percent(Some(p.so_far as f64 / t.max(1) as f64))
            ),
            None => format!(
                "{} inquiries so far in {}; no target set",
                count64(p.so_far),
                p.year
            ),
        })
    };
    let notes = move || {
        pace.with(|p| {
            let mut out = Vec::new();
            if let (Some(expected), Some(on)) = (p.expected(), p.on_pace()) {
                let gap = (p.so_far - expected).abs();
                out.push(format!(
                    "Expected by today: {} ({} by {})",
                    count64(expected),
                    if on { "ahead" } else { "behind" },
                    count64(gap)
                ));
            }
            if let Some(projected) = p.projected() {
                out.push(format!(
                    "At this pace: {} by the year's end",
                    count64(projected)
                ));
            }
            out.push(format!(
                "Wins last year: {} (the least a target may be)",
                count64(p.last_year_wins)
            ));
            out
        })
    };
    let state_class = move || match pace.with(Pace::on_pace) {
        Some(true) => "pace pace-ahead",
        Some(false) => "pace pace-behind",
        None => "pace",
    };
    view! {
        <section class="panel-section" aria-labelledby="roi-target">
            <h2 id="roi-target">{format!("Inquiries vs. target, {year}")}</h2>
            <div class=state_class>
                <p class="pace-summary">{summary}</p>
                {move || pace.with(|p| p.target.map(|t| view! {
                    <progress class="pace-bar" max=t.to_string() value=p.so_far.min(t).to_string()
                        aria-label="Inquiries so far against the yearly target"></progress>
                }))}
                <ul class="pace-notes">
                    {move || notes().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                </ul>
            </div>
            {can_edit.then(|| view! {
                <form class="card-form card-form-inline pace-form" on:submit=submit>
                    <label class="field">{format!("Yearly target for {year}")}
                        <input type="text" inputmode="numeric" bind:value=typed placeholder="12,000"
                            aria-invalid=move || error().is_some().then_some("true")/>
                        {move || error().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                    </label>
                    <button class="button" type="submit">"Save target"</button>
                    <p class="form-status" role="status">
                        {move || matches!(save.value().get(), Some(Ok(()))).then_some("Target saved.")}
                    </p>
                </form>
            })}
        </section>
    }
}
