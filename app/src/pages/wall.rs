//! Routes `/wall/:token` (a TV with a wall-display token, no sign-in) and `/wall` (leadership
//! and admins, signed in): full-screen panels in large type on a dark theme, rotating every
//! few seconds (gloo-timers), with wins announced live over `/api/wall/events`.
//!
//! The screen needs no one: it reconnects by itself after a restart or a network loss, shows
//! "Reconnecting…" meanwhile, and re-reads its figures when it is back. `?seconds=` overrides
//! the token's rotation (previews, tests and the memory benchmark).

use crate::api::keys::{get_wall, WallTeam, WallView};
use crate::components::chart::FunnelTable;
use crate::domain::roi::{count_text, money_text, roi_text, RoiRow};
use crate::domain::wall::{push_win, WallPanel, WallWin};
use crate::domain::{ColumnSummary, Money, StageKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Figures are re-read at least this often, besides after live news.
#[cfg(feature = "hydrate")]
const REFRESH_MS: u32 = 60_000;
/// Live news is gathered this long before the figures are re-read.
#[cfg(feature = "hydrate")]
const NEWS_DEBOUNCE_MS: u32 = 2_000;
/// How long a new win stays highlighted.
#[cfg(feature = "hydrate")]
const FRESH_MS: u32 = 12_000;

/// The connection of the wall's live feed (set in the browser only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Link {
    Connecting,
    Live,
    Reconnecting,
}

/// The wall's state, shared by its parts.
#[derive(Clone, Copy)]
struct Wall {
    /// The last view read (kept on screen while a re-read fails).
    view: RwSignal<Option<WallView>>,
    error: RwSignal<Option<String>>,
    /// Newest first: the view's, plus any announced live since.
    wins: RwSignal<Vec<WallWin>>,
    /// The win being announced.
    fresh: RwSignal<Option<WallWin>>,
    /// The panel on screen, as an index into the configured panels.
    current: RwSignal<usize>,
    /// Rotations so far, and the WASM memory's size in bytes at the last one (the memory
    /// benchmark reads both from the page).
    rotations: RwSignal<u64>,
    wasm_bytes: RwSignal<f64>,
    link: RwSignal<Link>,
    refresh: RwSignal<u32>,
}

impl Wall {
    fn accept(&self, v: WallView) {
        let mut wins = v.wins.clone();
        for w in self.wins.get_untracked() {
            push_win(&mut wins, w);
        }
        self.wins.set(wins);
        self.view.set(Some(v));
        self.error.set(None);
    }

    fn panels(&self) -> Vec<WallPanel> {
        self.view.with(|v| {
            v.as_ref()
                .map(|v| v.config.panels.clone())
                .unwrap_or_default()
        })
    }
}

#[component]
pub fn WallPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let token = move || params.with(|p| p.get("token")).unwrap_or_default();
    let override_ms = Memo::new(move |_| {
        query
            .with(|q| q.get("seconds"))
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| (0.05..=3600.0).contains(s))
            .map(|s| (s * 1000.0) as u32)
    });
    let wall = Wall {
        view: RwSignal::new(None),
        error: RwSignal::new(None),
        wins: RwSignal::new(Vec::new()),
        fresh: RwSignal::new(None),
        current: RwSignal::new(0),
        rotations: RwSignal::new(0),
        wasm_bytes: RwSignal::new(0.0),
        link: RwSignal::new(Link::Connecting),
        refresh: RwSignal::new(0),
    };
    // The status of an invalid token (401) is set by the server's middleware.
    let data = Resource::new(move || (token(), wall.refresh.get()), |(t, _)| get_wall(t));
    Effect::new(move || match data.get() {
        Some(Ok(v)) => wall.accept(v),
        Some(Err(e)) => wall.error.set(Some(e.to_string())),
        None => {}
    });
    let period_ms = Memo::new(move |_| {
        override_ms.get().unwrap_or_else(|| {
            wall.view
                .with(|v| {
                    v.as_ref()
                        .map_or(crate::domain::wall::DEFAULT_SECONDS, |v| v.config.seconds)
                })
                .saturating_mul(1000)
        })
    });
    #[cfg(feature = "hydrate")]
    client::run(wall, token(), period_ms);
    #[cfg(not(feature = "hydrate"))]
    let _ = period_ms;

    view! {
        <Title text="Wall"/>
        <div
            class="wall-screen"
            data-rotations=move || wall.rotations.get().to_string()
            data-wasm-bytes=move || wall.wasm_bytes.get().to_string()
        >
            <Screen wall/>
        </div>
    }
}

#[component]
fn Screen(wall: Wall) -> impl IntoView {
    let panel = move || {
        let panels = wall.panels();
        (!panels.is_empty()).then(|| panels[wall.current.get() % panels.len()])
    };
    let position = move || {
        let n = wall.panels().len();
        (n > 1).then(|| format!("{} / {n}", wall.current.get() % n + 1))
    };
    let period = move || {
        wall.view.with(|v| {
            v.as_ref()
                .map(|v| match panel() {
                    Some(WallPanel::Roi | WallPanel::Funnel) => {
                        format!("Last {} days", v.config.days)
                    }
                    Some(WallPanel::Compliance) => format!("Last {} days", v.compliance_days),
                    Some(WallPanel::Month) => v.month_name.clone(),
                    _ => String::new(),
                })
                .unwrap_or_default()
        })
    };
    let link = move || match wall.link.get() {
        Link::Connecting => ("wall-link wall-link-connecting", "Connecting…"),
        Link::Live => ("wall-link wall-link-live", "Live"),
        Link::Reconnecting => ("wall-link wall-link-lost", "Reconnecting…"),
    };
    view! {
        <header class="wall-bar">
            <span class="wall-brand"><span class="brand-mark" aria-hidden="true"></span>"Closeloop"</span>
            <h1 class="wall-heading">{move || panel().map_or("Wall", WallPanel::title)}</h1>
            <span class="wall-period">{period}</span>
            <span class="wall-position">{position}</span>
            <span class=move || link().0 role="status" aria-live="polite">
                <span class="live-dot" aria-hidden="true"></span>
                {move || link().1}
            </span>
        </header>
        <div class="wall-body">
            {move || match (wall.view.get(), wall.error.get()) {
                (None, Some(e)) => view! {
                    <div class="wall-message" role="alert"><p>{e}</p></div>
                }.into_any(),
                (None, None) => view! { <p class="wall-message">"Loading the wall…"</p> }.into_any(),
                (Some(v), _) => match panel() {
                    Some(WallPanel::Roi) => view! { <RoiPanel v/> }.into_any(),
                    Some(WallPanel::Funnel) => view! { <FunnelPanel v/> }.into_any(),
                    Some(WallPanel::Month) => view! { <MonthPanel v/> }.into_any(),
                    Some(WallPanel::Compliance) => view! { <CompliancePanel teams=v.teams/> }.into_any(),
                    Some(WallPanel::Wins) | None => view! { <WinsPanel wall/> }.into_any(),
                },
            }}
        </div>
        <Banner wall/>
    }
}

fn money_of(totals: &[Money]) -> String {
    match totals {
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
fn RoiPanel(v: WallView) -> impl IntoView {
    let cur = v.currency;
    let t = v.total.clone();
    let negative = t.roi_percent().is_some_and(|r| r < 0.0);
    let rows: Vec<RoiRow> = v
        .channels
        .iter()
        .filter(|r| r.tally.inquiries > 0 || r.tally.spend_cents > 0 || r.tally.won > 0)
        .cloned()
        .collect();
    view! {
        <div class="wall-split">
            <figure class="wall-chart">
                <div class="chart-svg" role="img"
                    aria-label=format!("Bar chart: spend and won revenue per channel, in {}", cur.code())
                    inner_html=v.channel_chart.clone()></div>
                <figcaption class="wall-legend">
                    <span><span class="swatch wall-swatch-spend" aria-hidden="true"></span>"Spend"</span>
                    <span><span class="swatch wall-swatch-revenue" aria-hidden="true"></span>"Won revenue"</span>
                </figcaption>
            </figure>
            <div class="wall-side">
                <p class=if negative { "wall-big wall-bad" } else { "wall-big wall-good" }>
                    {roi_text(t.roi_percent())}
                    <span class="wall-big-label">"return on "{money_text(Some(t.spend_cents), cur)}" spend"</span>
                </p>
                <table class="wall-table">
                    <caption class="visually-hidden">"Return by channel"</caption>
                    <thead><tr>
                        <th scope="col">"Channel"</th>
                        <th scope="col" class="num">"Inquiries"</th>
                        <th scope="col" class="num">"Spend"</th>
                        <th scope="col" class="num">"Won revenue"</th>
                        <th scope="col" class="num">"ROI"</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|r| {
                            let roi = r.tally.roi_percent();
                            let class = if roi.is_some_and(|x| x < 0.0) { "num wall-bad" } else { "num wall-good" };
                            view! {
                                <tr>
                                    <th scope="row">{r.label.clone()}</th>
                                    <td class="num">{count_text(r.tally.inquiries)}</td>
                                    <td class="num">{Money::new(r.tally.spend_cents, cur).compact()}</td>
                                    <td class="num">{Money::new(r.tally.revenue_cents, cur).compact()}</td>
                                    <td class=class>{roi_text(roi)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

#[component]
fn FunnelPanel(v: WallView) -> impl IntoView {
    view! {
        <div class="wall-split">
            <figure class="wall-chart">
                <div class="chart-svg" role="img" aria-label="Bar chart: inquiries reaching each stage"
                    inner_html=v.funnel_chart.clone()></div>
            </figure>
            <div class="wall-side">
                <FunnelTable steps=v.funnel.clone() class="wall-table"/>
            </div>
        </div>
    }
}

#[component]
fn MonthPanel(v: WallView) -> impl IntoView {
    let open: Vec<_> = v
        .pipeline
        .stages()
        .iter()
        .filter(|s| s.kind == StageKind::Open)
        .map(|stage| {
            let summary = v
                .summaries
                .iter()
                .find(|s| s.stage_id == stage.id)
                .cloned()
                .unwrap_or_else(|| ColumnSummary::empty(stage.id));
            (v.pipeline.label(stage.id), summary)
        })
        .collect();
    let mut pipeline: Vec<Money> = Vec::new();
    for (_, s) in &open {
        for m in &s.totals {
            match pipeline.iter_mut().find(|p| p.currency == m.currency) {
                Some(p) => p.cents += m.cents,
                None => pipeline.push(*m),
            }
        }
    }
    pipeline.sort_by_key(|m| std::cmp::Reverse(m.cents));
    let open_count: i64 = open.iter().map(|(_, s)| s.count).sum();
    view! {
        <div class="wall-figures">
            <div class="wall-figure">
                <span class="wall-figure-value">{v.month_wins}</span>
                <span class="wall-figure-label">{format!("wins in {}", v.month_name)}</span>
            </div>
            <div class="wall-figure wall-good">
                <span class="wall-figure-value">{money_of(&v.month_won)}</span>
                <span class="wall-figure-label">"won this month"</span>
            </div>
            <div class="wall-figure">
                <span class="wall-figure-value">{money_of(&pipeline)}</span>
                <span class="wall-figure-label">{format!("open pipeline · {open_count} leads")}</span>
            </div>
        </div>
        <ul class="wall-stages" aria-label="Open pipeline by stage">
            {open.into_iter().map(|(name, s)| view! {
                <li class="wall-stage-tile">
                    <span class="wall-stage-name">{name}</span>
                    <span class="wall-stage-count">{s.count}<span class="wall-unit">" leads"</span></span>
                    <span class="wall-stage-value">{money_of(&s.totals)}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[component]
fn CompliancePanel(teams: Vec<WallTeam>) -> impl IntoView {
    if teams.is_empty() {
        return view! { <p class="wall-message">"No team has leads in this period."</p> }
            .into_any();
    }
    let quotas = teams.iter().any(|t| t.quota.is_some());
    view! {
        <table class="wall-table wall-table-wide">
            <caption class="visually-hidden">"Follow-up compliance by team"</caption>
            <thead><tr>
                <th scope="col">"Team"</th>
                <th scope="col" class="num">"Score (of 100)"</th>
                <th scope="col" class="num">"First touch in time"</th>
                <th scope="col" class="num">"Next step planned"</th>
                <th scope="col" class="num">"Not stale"</th>
                {quotas.then(|| view! { <th scope="col" class="num">"Won-value quota"</th> })}
            </tr></thead>
            <tbody>
                {teams.into_iter().map(|t| {
                    // The compliance page's score: 0 to 100.
                    let class = match t.score {
                        Some(s) if s >= 90.0 => "num wall-score wall-good",
                        Some(s) if s < 70.0 => "num wall-score wall-bad",
                        _ => "num wall-score",
                    };
                    let score = t.score.map_or_else(|| "–".to_string(), |s| format!("{s:.0}"));
                    view! {
                        <tr>
                            <th scope="row">{t.name}</th>
                            <td class=class>{score}</td>
                            <td class="num">{t.first_touch}</td>
                            <td class="num">{t.next_step}</td>
                            <td class="num">{t.not_stale}</td>
                            {quotas.then(|| {
                                let cell = t.quota.as_ref().map(|a| (
                                    format!("num wall-quota wall-quota-{}", a.pace().key()),
                                    format!("{} %", a.percent()),
                                    format!("of {} · {}", Money::new(a.target, a.currency).compact(), a.pace().label()),
                                ));
                                let class = cell.as_ref().map_or_else(|| "num".to_string(), |c| c.0.clone());
                                view! {
                                    <td class=class>
                                        {cell.map(|(_, pct, of)| view! {
                                            <strong>{pct}</strong>" "<small>{of}</small>
                                        })}
                                    </td>
                                }
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn win_value(w: &WallWin) -> String {
    w.value.map_or_else(|| "–".into(), |m| m.compact())
}

#[component]
fn WinsPanel(wall: Wall) -> impl IntoView {
    view! {
        <ol class="wall-wins" aria-label="Newest wins">
            {move || {
                let fresh = wall.fresh.with(|f| f.as_ref().map(|w| w.event_id));
                let now = wall.view.with(|v| v.as_ref().map_or(0, |v| v.now.0));
                wall.wins.get().into_iter().map(|w| {
                    let class = if Some(w.event_id) == fresh { "wall-win wall-win-fresh" } else { "wall-win" };
                    let when = w.at.short_date(0);
                    let today = now - w.at.0 < 86_400_000;
                    view! {
                        <li class=class>
                            <span class="wall-win-name">{w.name.clone()}</span>
                            <span class="wall-win-value">{win_value(&w)}</span>
                            <span class="wall-win-who">
                                {w.owner.clone().unwrap_or_else(|| "Unassigned".into())}
                                {w.source.clone().map(|s| format!(" · {s}"))}
                                {(!today).then(|| format!(" · {when}"))}
                            </span>
                        </li>
                    }
                }).collect_view()
            }}
        </ol>
    }
}

/// A new win, across whatever panel is up.
#[component]
fn Banner(wall: Wall) -> impl IntoView {
    view! {
        <div class="wall-banner-slot" role="status" aria-live="polite">
            {move || wall.fresh.get().map(|w| view! {
                <div class="wall-banner">
                    <span class="wall-banner-tag">"New win"</span>
                    <span class="wall-banner-name">{w.name.clone()}</span>
                    <span class="wall-banner-value">{win_value(&w)}</span>
                    <span class="wall-banner-who">{w.owner.clone().unwrap_or_default()}</span>
                </div>
            })}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    //! The wall's timers and live feed, in the browser.
    use super::{Link, Wall, FRESH_MS, NEWS_DEBOUNCE_MS, REFRESH_MS};
    use crate::domain::wall::{next_panel, push_win, WallWin};
    use gloo_timers::callback::{Interval, Timeout};
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    /// Wait before opening a new connection when the browser gave up on one.
    const REOPEN_MS: u32 = 2_000;

    pub fn run(wall: Wall, token: String, period_ms: Memo<u32>) {
        // Rotation: a new interval whenever the period changes (dropping the old cancels it).
        let rotation: Rc<RefCell<Option<Interval>>> = Rc::default();
        let held = SendWrapper::new(rotation.clone());
        Effect::new(move || {
            let ms = period_ms.get().max(50);
            let it = Interval::new(ms, move || {
                let n = wall.panels().len();
                wall.current.try_update(|c| *c = next_panel(*c, n));
                wall.rotations.try_update(|r| *r += 1);
                wall.wasm_bytes.try_set(memory_bytes());
            });
            held.borrow_mut().replace(it);
        });
        let refresh = Interval::new(REFRESH_MS, move || {
            wall.refresh.try_update(|r| *r += 1);
        });

        let feed = Feed::new(wall, token);
        feed.open();
        let held = SendWrapper::new((feed, rotation, refresh));
        on_cleanup(move || {
            let (feed, rotation, _refresh) = &*held;
            feed.stop();
            rotation.borrow_mut().take();
        });
    }

    /// The size of this module's linear memory (it only grows; a leak shows here).
    fn memory_bytes() -> f64 {
        wasm_bindgen::memory()
            .dyn_into::<js_sys::WebAssembly::Memory>()
            .ok()
            .and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
            .map_or(0.0, |b| f64::from(b.byte_length()))
    }

    type Listener = Closure<dyn Fn(MessageEvent)>;
    /// An open connection and the callbacks it calls (dropped with it).
    type Connection = (EventSource, Vec<Listener>, Closure<dyn Fn()>);

    /// The live connection: reopened after a pause when the browser gives up on it.
    struct Feed {
        wall: Wall,
        url: String,
        source: RefCell<Option<Connection>>,
        reopen: RefCell<Option<Timeout>>,
        news_pending: Cell<bool>,
        news_timer: RefCell<Option<Timeout>>,
        fresh_timer: RefCell<Option<Timeout>>,
        /// Set once the first connection opened: a later `hello` is a reconnection.
        opened: Cell<bool>,
        stopped: Cell<bool>,
    }

    impl Feed {
        fn new(wall: Wall, token: String) -> Rc<Feed> {
            // The token is a path segment (the access log shortens it), never a query string.
            let url = if token.is_empty() {
                "/api/wall/events".to_string()
            } else {
                format!("/api/wall/events/{}", js_sys::encode_uri_component(&token))
            };
            Rc::new(Feed {
                wall,
                url,
                source: RefCell::new(None),
                reopen: RefCell::new(None),
                news_pending: Cell::new(false),
                news_timer: RefCell::new(None),
                fresh_timer: RefCell::new(None),
                opened: Cell::new(false),
                stopped: Cell::new(false),
            })
        }

        fn open(self: &Rc<Self>) {
            if self.stopped.get() {
                return;
            }
            let Ok(source) = EventSource::new(&self.url) else {
                self.lost(true);
                return;
            };
            let weak = Rc::downgrade(self);
            let hello: Listener = Closure::new({
                let weak = weak.clone();
                move |_: MessageEvent| {
                    if let Some(f) = weak.upgrade() {
                        f.wall.link.try_set(Link::Live);
                        // Back after a loss: what happened meanwhile is in the figures.
                        if f.opened.replace(true) {
                            f.wall.refresh.try_update(|r| *r += 1);
                        }
                    }
                }
            });
            let win: Listener = Closure::new({
                let weak = weak.clone();
                move |ev: MessageEvent| {
                    let Some(f) = weak.upgrade() else { return };
                    let Some(text) = ev.data().as_string() else {
                        return;
                    };
                    if let Ok(w) = serde_json::from_str::<WallWin>(&text) {
                        f.announce(w);
                    }
                    f.news();
                }
            });
            let changed: Listener = Closure::new({
                let weak = weak.clone();
                move |_: MessageEvent| {
                    if let Some(f) = weak.upgrade() {
                        f.news();
                    }
                }
            });
            let on_error = Closure::<dyn Fn()>::new({
                let weak = weak.clone();
                move || {
                    if let Some(f) = weak.upgrade() {
                        let closed = f
                            .source
                            .borrow()
                            .as_ref()
                            .is_some_and(|(s, ..)| s.ready_state() == EventSource::CLOSED);
                        f.lost(closed);
                    }
                }
            });
            for (name, l) in [("hello", &hello), ("win", &win), ("changed", &changed)] {
                let _ = source.add_event_listener_with_callback(name, l.as_ref().unchecked_ref());
            }
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            if let Some((old, ..)) =
                self.source
                    .replace(Some((source, vec![hello, win, changed], on_error)))
            {
                old.close();
            }
        }

        /// The connection dropped; when the browser gave up on it (`closed`), open a new one
        /// after a pause. Otherwise the browser is already retrying.
        fn lost(self: &Rc<Self>, closed: bool) {
            self.wall.link.try_set(Link::Reconnecting);
            if closed && !self.stopped.get() {
                let weak = Rc::downgrade(self);
                let t = Timeout::new(REOPEN_MS, move || {
                    if let Some(f) = weak.upgrade() {
                        f.open();
                    }
                });
                self.reopen.replace(Some(t));
            }
        }

        fn announce(self: &Rc<Self>, w: WallWin) {
            self.wall.wins.try_update(|wins| push_win(wins, w.clone()));
            let id = w.event_id;
            self.wall.fresh.try_set(Some(w));
            let wall = self.wall;
            let t = Timeout::new(FRESH_MS, move || {
                if wall
                    .fresh
                    .try_with_untracked(|f| f.as_ref().map(|w| w.event_id) == Some(id))
                    .unwrap_or(false)
                {
                    wall.fresh.try_set(None);
                }
            });
            self.fresh_timer.replace(Some(t));
        }

        /// Figures changed: re-read them once the burst is over.
        fn news(self: &Rc<Self>) {
            if self.news_pending.replace(true) {
                return;
            }
            let weak = Rc::downgrade(self);
            let t = Timeout::new(NEWS_DEBOUNCE_MS, move || {
                if let Some(f) = weak.upgrade() {
                    f.news_pending.set(false);
                    f.wall.refresh.try_update(|r| *r += 1);
                }
            });
            self.news_timer.replace(Some(t));
        }

        fn stop(&self) {
            self.stopped.set(true);
            if let Some((s, ..)) = self.source.borrow_mut().take() {
                s.close();
            }
            self.reopen.borrow_mut().take();
            self.news_timer.borrow_mut().take();
            self.fresh_timer.borrow_mut().take();
        }
    }
}
