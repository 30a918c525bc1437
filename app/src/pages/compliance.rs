//! Routes `/compliance` and `/compliance/leads`: follow-up compliance per team and rep over a
//! period, with the formula, a weekly trend, and every number linked to the leads behind it.
//! A rep sees their own scorecard, exactly as their manager sees it.

use crate::api::compliance::{
    compliance_leads, get_compliance, ComplianceQuery, ComplianceView, Measure, ScoreRow,
};
use crate::components::guard::RequireAccess;
use crate::components::status::error_text;
use crate::domain::access;
use crate::domain::compliance::Metric;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The query of the page's URL: `?days=30&team=2&rep=7`.
fn query_from_url() -> Memo<ComplianceQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| ComplianceQuery {
            days: q.get("days").and_then(|d| d.parse().ok()).unwrap_or(30),
            team: q.get("team").and_then(|t| t.parse().ok()),
            rep: q.get("rep").and_then(|r| r.parse().ok()),
            pipeline: q.get("pipeline").and_then(|p| p.parse().ok()),
        })
    })
}

fn href(q: &ComplianceQuery) -> String {
    let mut out = format!("/compliance?days={}", q.days);
    if let Some(t) = q.team {
        out.push_str(&format!("&team={t}"));
    }
    if let Some(r) = q.rep {
        out.push_str(&format!("&rep={r}"));
    }
    if let Some(p) = q.pipeline {
        out.push_str(&format!("&pipeline={p}"));
    }
    out
}

fn leads_href(q: &ComplianceQuery, m: Measure, passed: bool) -> String {
    let mut out = href(q).replacen("/compliance?", "/compliance/leads?", 1);
    out.push_str(&format!("&measure={}&passed={passed}", m.key()));
    out
}

#[component]
pub fn CompliancePage() -> impl IntoView {
    view! {
        <Title text="Compliance"/>
        <RequireAccess check=|a| access::view_compliance(a).map(|_| ())>
            <ComplianceBody/>
        </RequireAccess>
    }
}

#[component]
fn ComplianceBody() -> impl IntoView {
    let query = query_from_url();
    let data = Resource::new(move || query.get(), get_compliance);
    view! {
        <section class="page compliance" aria-labelledby="compliance-title">
            <Transition fallback=|| view! { <p class="loading">"Working out the figures…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <View view=v/> }.into_any(),
                        Err(e) => view! {
                            <div class="page-head"><h1 id="compliance-title">"Compliance"</h1></div>
                            <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn View(view: ComplianceView) -> impl IntoView {
    let q = view.query.clone();
    let heading = match (&view.rep_name, view.own_only) {
        (_, true) => "Your follow-up scorecard".to_string(),
        (Some(name), _) => format!("{name}: follow-up scorecard"),
        _ => "Follow-up compliance".to_string(),
    };
    let period_links = crate::api::compliance::PERIODS.map(|d| {
        let mut to = q.clone();
        to.days = d;
        let current = d == q.days;
        view! {
            <a class="segment" href=href(&to) aria-current=current.then_some("page")>
                {format!("{d} days")}
            </a>
        }
    });
    let team_links = (!view.own_only && view.query.rep.is_none() && view.team_choices.len() > 1).then(|| {
        let mut all = q.clone();
        all.team = None;
        view! {
            <nav class="segmented" aria-label="Team">
                <a class="segment" href=href(&all) aria-current=q.team.is_none().then_some("page")>"All teams"</a>
                {view.team_choices.iter().map(|(id, name)| {
                    let mut to = q.clone();
                    to.team = Some(*id);
                    view! {
                        <a class="segment" href=href(&to) aria-current=(q.team == Some(*id)).then_some("page")>{name.clone()}</a>
                    }
                }).collect_view()}
            </nav>
        }
    });
    let pipeline_links = (!view.pipelines.is_empty()).then(|| {
        let mut all = q.clone();
        all.pipeline = None;
        view! {
            <nav class="segmented" aria-label="Pipeline">
                <a class="segment" href=href(&all) aria-current=q.pipeline.is_none().then_some("page")>"All pipelines"</a>
                {view.pipelines.iter().map(|(id, name)| {
                    let mut to = q.clone();
                    to.pipeline = Some(*id);
                    view! {
                        <a class="segment" href=href(&to) aria-current=(q.pipeline == Some(*id)).then_some("page")>{name.clone()}</a>
                    }
                }).collect_view()}
            </nav>
        }
    });
    let back = view.query.rep.filter(|_| !view.own_only).map(|_| {
        let mut up = q.clone();
        up.rep = None;
        view! { <a class="back-link" href=href(&up)>"← All reps"</a> }
    });
    let single = view.own_only || view.query.rep.is_some();
    let mine = view.reps.first().cloned().filter(|_| single);
    view! {
        <div class="page-head">
            {back}
            <h1 id="compliance-title">{heading}</h1>
            <p class="page-hint">
                {format!("Last {} days, to {}. Open-lead measures are as of now.", q.days, view.now.date_string(0))}
            </p>
        </div>
        <div class="compliance-controls">
            <nav class="segmented" aria-label="Period">{period_links}</nav>
            {team_links}
            {pipeline_links}
        </div>
        {mine.map(|row| view! { <Scorecard row=row q=q.clone()/> })}
        {(!single).then(|| view! {
            <ScoreTable caption="Teams" rows=view.teams.clone() q=q.clone() kind="team"/>
            <ScoreTable caption="Reps" rows=view.reps.clone() q=q.clone() kind="rep"/>
        })}
        {single.then(|| view.reps.is_empty().then(|| view! {
            <p class="muted">"No leads in this period yet."</p>
        }))}
        <Trend trend=view.trend.clone()/>
        <section class="panel-section formula" aria-labelledby="formula-title">
            <h2 id="formula-title">"How the score is worked out"</h2>
            <p>{view.formula.clone()}</p>
            <ul class="rule-list">
                <li><strong>"First touch within SLA"</strong>": leads that arrived in the period and were first contacted before their team's SLA ran out (in business hours); untouched leads count once their deadline has passed."</li>
                <li><strong>"Next step planned"</strong>": open leads whose next step is due now or later."</li>
                <li><strong>"Not stale"</strong>": open leads touched within their stage's idle limit, or with a next step due later."</li>
                <li><strong>"Losses with a reason"</strong>": leads lost in the period with a reason (and a note for “Other”)."</li>
                <li><strong>"Complete data"</strong>": open leads with an e-mail or phone, a company, an interest and a value."</li>
            </ul>
        </section>
    }
}

/// "87% (26/30)", linking to the misses (or, with none, to the leads that met it).
fn metric_cell(m: &Metric, q: &ComplianceQuery, measure: Measure) -> impl IntoView {
    let text = m.percent_text();
    let detail = format!("{}/{}", m.passed, m.counted);
    let missed = m.counted - m.passed;
    let link = (m.counted > 0).then(|| leads_href(q, measure, missed == 0));
    let title = if missed > 0 {
        format!("{missed} missed: show them")
    } else {
        "Show the leads".to_string()
    };
    let band = match m.share() {
        Some(s) if s >= 0.9 => "good",
        Some(s) if s >= 0.7 => "fair",
        Some(_) => "poor",
        None => "none",
    };
    view! {
        <td class=format!("num metric metric-{band}")>
            {match link {
                Some(h) => view! { <a href=h title=title><span class="metric-value">{text}</span>" "<small>{detail}</small></a> }.into_any(),
                None => view! { <span class="metric-value">{text}</span> }.into_any(),
            }}
        </td>
    }
}

fn score_text(s: Option<f64>) -> String {
    s.map_or_else(|| "–".into(), |v| format!("{v:.0}"))
}

fn minutes_text(m: Option<i64>) -> String {
    match m {
        None => "–".into(),
        Some(m) if m < 60 => format!("{m} min"),
        Some(m) if m < 60 * 8 => format!("{:.1} h", m as f64 / 60.0),
        Some(m) => format!("{:.1} business days", m as f64 / 480.0),
    }
}

#[component]
fn ScoreTable(
    caption: &'static str,
    rows: Vec<ScoreRow>,
    q: ComplianceQuery,
    kind: &'static str,
) -> impl IntoView {
    if rows.is_empty() {
        return ().into_any();
    }
    view! {
        <table class="table score-table">
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">{if kind == "team" { "Team" } else { "Rep" }}</th>
                <th scope="col" class="num">"Score"</th>
                {Measure::ALL.map(|m| view! { <th scope="col" class="num">{m.label()}</th> })}
                <th scope="col" class="num">"Median first touch"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let mut rq = q.clone();
                    if kind == "team" { rq.team = Some(r.id) } else { rq.rep = Some(r.id) }
                    let name_link = href(&rq);
                    let cells = Measure::ALL.map(|m| metric_cell(m.of(&r.card), &rq, m));
                    view! {
                        <tr>
                            <th scope="row">
                                <a href=name_link>{r.name.clone()}</a>
                                {r.team.clone().map(|t| view! { <small class="muted">{format!(" · {t}")}</small> })}
                            </th>
                            <td class="num score"><strong>{score_text(r.card.composite)}</strong></td>
                            {cells}
                            <td class="num">{minutes_text(r.card.median_first_touch_minutes)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// One rep's card: the score large, then each measure with its link.
#[component]
fn Scorecard(row: ScoreRow, q: ComplianceQuery) -> impl IntoView {
    let mut rq = q.clone();
    rq.rep = Some(row.id);
    view! {
        <div class="scorecard">
            <div class="score-big" aria-label=format!("Score {}", score_text(row.card.composite))>
                <span class="score-number">{score_text(row.card.composite)}</span>
                <span class="score-of">"/ 100"</span>
            </div>
            <table class="table score-table">
                <caption class="visually-hidden">"Measures"</caption>
                <tbody>
                    {Measure::ALL.map(|m| view! {
                        <tr><th scope="row">{m.label()}</th>{metric_cell(m.of(&row.card), &rq, m)}</tr>
                    })}
                    <tr><th scope="row">"Median first touch"</th>
                        <td class="num">{minutes_text(row.card.median_first_touch_minutes)}</td></tr>
                </tbody>
            </table>
        </div>
    }
}

/// The weekly trend as bars with the numbers in a table (the table is the chart).
#[component]
fn Trend(trend: Vec<(crate::domain::Timestamp, Option<f64>, Option<f64>)>) -> impl IntoView {
    let pct = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |s| format!("{:.0}%", s * 100.0));
    // SVG geometry rather than a style attribute: the CSP allows no inline styles.
    let bar = |v: Option<f64>, class: &'static str| {
        let w = v.map_or(0.0, |s| (s * 100.0).clamp(0.0, 100.0));
        view! {
            <span class="bar-cell">
                <svg class="bar-track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                    <rect class="bar-bg" x="0" y="0" width="100" height="10" rx="2"/>
                    <rect class=format!("bar {class}") x="0" y="0" width=format!("{w:.1}") height="10" rx="2"/>
                </svg>
                <span class="bar-text">{pct(v)}</span>
            </span>
        }
    };
    view! {
        <table class="table trend-table">
            <caption>"Weekly trend"</caption>
            <thead><tr>
                <th scope="col">"Week of"</th>
                <th scope="col">"First touch within SLA"</th>
                <th scope="col">"Losses with a reason"</th>
            </tr></thead>
            <tbody>
                {trend.into_iter().map(|(week, sla, reason)| view! {
                    <tr>
                        <th scope="row">{week.short_date(0)}</th>
                        <td>{bar(sla, "bar-sla")}</td>
                        <td>{bar(reason, "bar-reason")}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn ComplianceLeadsPage() -> impl IntoView {
    view! {
        <Title text="Compliance · leads"/>
        <RequireAccess check=|a| access::view_compliance(a).map(|_| ())>
            <LeadsBody/>
        </RequireAccess>
    }
}

#[component]
fn LeadsBody() -> impl IntoView {
    let query = query_from_url();
    let q = use_query_map();
    let which = Memo::new(move |_| {
        q.with(|q| {
            (
                q.get("measure").unwrap_or_default(),
                q.get("passed").is_some_and(|p| p == "true"),
            )
        })
    });
    let data = Resource::new(
        move || (query.get(), which.get()),
        |(q, (m, passed))| compliance_leads(q, m, passed),
    );
    view! {
        <section class="page" aria-labelledby="leads-title">
            <div class="page-head">
                <a class="back-link" href=move || href(&query.get())>"← Compliance"</a>
                <h1 id="leads-title">"Leads behind the number"</h1>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(b) => view! {
                            <p class="page-hint">{b.title.clone()}</p>
                            {if b.leads.is_empty() {
                                view! { <p class="muted">"No leads."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="table">
                                        <caption class="visually-hidden">{b.title.clone()}</caption>
                                        <thead><tr>
                                            <th scope="col">"Lead"</th>
                                            <th scope="col">"Owner"</th>
                                            <th scope="col">"Stage"</th>
                                            <th scope="col">"Arrived"</th>
                                            <th scope="col">"First touched"</th>
                                            <th scope="col">"Next step"</th>
                                        </tr></thead>
                                        <tbody>
                                            {b.leads.into_iter().map(|l| view! {
                                                <tr>
                                                    <th scope="row"><a href=format!("/leads/{}", l.id)>{l.title}</a></th>
                                                    <td>{l.owner.unwrap_or_else(|| "–".into())}</td>
                                                    <td>{l.stage}</td>
                                                    <td>{l.created_at.date_string(0)}</td>
                                                    <td>{l.first_touch}</td>
                                                    <td>{l.next_step.unwrap_or_else(|| "none".into())}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                        }.into_any(),
                        Err(e) => view! {
                            <div class="panel panel-error" role="alert"><p>{error_text(&e)}</p></div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
