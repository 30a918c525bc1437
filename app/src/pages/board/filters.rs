//! The board's filter bar: owner, team, source, campaign, value range, text and order, all
//! in the URL.

use crate::domain::filter::{bound_text, encode_component, FilterChoice};
use crate::domain::{BoardFilter, CardSort, FilterOptions};
use crate::error::FieldError;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

/// Owner, team, source, campaign, value range, text and order; every change is a navigation
/// to the board's URL with the new query, so the browser's back button and shared links work.
/// Without JavaScript it is a plain GET form doing the same.
#[component]
pub fn FilterBar(
    options: FilterOptions,
    filter: Memo<Result<BoardFilter, FieldError>>,
) -> impl IntoView {
    let navigate = use_navigate();
    let current = move || filter.get().unwrap_or_default();
    let goto = Callback::new(move |url: String| {
        navigate(
            &url,
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        )
    });
    let text = RwSignal::new(current().text.unwrap_or_default());
    let min = RwSignal::new(bound_text(current().min_value));
    let max = RwSignal::new(bound_text(current().max_value));
    // Applies one changed field on top of the current filter, keeping the typed text fields.
    let change = Callback::new(move |(key, value): (String, String)| {
        let mut pairs: Vec<(String, String)> = vec![
            ("q".into(), text.get_untracked()),
            ("min".into(), min.get_untracked()),
            ("max".into(), max.get_untracked()),
        ];
        let f = current();
        for (k, v) in [
            ("pipeline", f.pipeline.map(|p| p.0.to_string())),
            ("owner", f.owner.map(|o| o.0.to_string())),
            ("team", f.team.map(|t| t.0.to_string())),
            ("source", f.source.map(|s| s.to_string())),
            ("campaign", f.campaign.map(|c| c.to_string())),
            ("sort", Some(f.sort.key().to_string())),
        ] {
            pairs.push((k.into(), v.unwrap_or_default()));
        }
        for c in &f.custom {
            pairs.push((format!("f.{}", c.key), c.value.clone()));
        }
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(p) => p.1 = value,
            None => pairs.push((key, value)),
        }
        let q = match BoardFilter::from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            Ok(f) => f.to_query(),
            // A bad bound: the URL carries it as typed so the board explains it, naming the field.
            Err(_) => pairs
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}={}", encode_component(v)))
                .collect::<Vec<_>>()
                .join("&"),
        };
        goto.run(if q.is_empty() {
            "/board".to_string()
        } else {
            format!("/board?{q}")
        });
    });
    let select = move |name: &'static str,
                       label: &'static str,
                       all: &'static str,
                       choices: Vec<FilterChoice>,
                       chosen: fn(&BoardFilter) -> Option<i64>| {
        // A list with one choice filters nothing (a rep's own name as the only owner).
        (choices.len() > 1).then(|| {
            view! {
                <label class="filter">
                    <span class="filter-label">{label}</span>
                    <select name=name on:change=move |e| change.run((name.into(), event_target_value(&e)))>
                        <option value="" selected=move || chosen(&current()).is_none()>{all}</option>
                        {choices.into_iter().map(|c| {
                            let id = c.id;
                            view! {
                                <option value=id.to_string()
                                    selected=move || chosen(&current()) == Some(id)>{c.name}</option>
                            }
                        }).collect_view()}
                    </select>
                </label>
            }
        })
    };
    let FilterOptions {
        owners,
        teams,
        sources,
        campaigns,
        fields,
    } = options;
    let fields = StoredValue::new(fields);
    // The custom fields of the board's pipeline, as filters after the built-in ones.
    let custom = move || {
        let pipeline = current().pipeline;
        fields.with_value(|defs| {
            defs.iter()
                .filter(|d| match (d.pipeline_id, pipeline) {
                    (Some(p), Some(shown)) => p == shown,
                    _ => true,
                })
                .cloned()
                .collect::<Vec<_>>()
        })
        .into_iter()
        .map(|d| view! { <CustomFilterInput def=d current=Signal::derive(current) change=change/> })
        .collect_view()
    };
    view! {
        <form class="filters" method="get" action="/board" role="search" aria-label="Filter the board"
            on:submit=move |e| { e.prevent_default(); change.run(("q".into(), text.get_untracked())); }>
            {move || current().pipeline.map(|p| view! {
                <input type="hidden" name="pipeline" value=p.0.to_string()/>
            })}
            <label class="filter filter-search">
                <span class="filter-label">"Search"</span>
                <input type="search" name="q" placeholder="Name, company or e-mail" maxlength="100"
                    prop:value=move || text.get()
                    on:input=move |e| text.set(event_target_value(&e))
                    on:change=move |e| change.run(("q".into(), event_target_value(&e)))/>
            </label>
            {select("owner", "Owner", "All owners", owners, |f| f.owner.map(|o| o.0))}
            {select("team", "Team", "All teams", teams, |f| f.team.map(|t| t.0))}
            {select("source", "Source", "All sources", sources, |f| f.source)}
            {select("campaign", "Campaign", "All campaigns", campaigns, |f| f.campaign)}
            <fieldset class="filter filter-range">
                <legend class="filter-label">"Value"</legend>
                <input type="text" inputmode="numeric" name="min" placeholder="min" aria-label="Lowest value"
                    prop:value=move || min.get()
                    on:input=move |e| min.set(event_target_value(&e))
                    on:change=move |e| change.run(("min".into(), event_target_value(&e)))/>
                <span aria-hidden="true">"–"</span>
                <input type="text" inputmode="numeric" name="max" placeholder="max" aria-label="Highest value"
                    prop:value=move || max.get()
                    on:input=move |e| max.set(event_target_value(&e))
                    on:change=move |e| change.run(("max".into(), event_target_value(&e)))/>
            </fieldset>
            {custom}
            <label class="filter">
                <span class="filter-label">"Order"</span>
                <select name="sort" on:change=move |e| change.run(("sort".into(), event_target_value(&e)))>
                    {CardSort::ALL.into_iter().map(|s| view! {
                        <option value=s.key() selected=move || current().sort == s>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <div class="filter-actions">
                <noscript><button type="submit" class="button">"Apply"</button></noscript>
                {move || (!current().is_unfiltered()).then(|| view! {
                    <a class="button button-quiet" href="/board">"Clear filters"</a>
                })}
            </div>
        </form>
    }
}

/// One custom field as a filter: a list for choices, yes/no and people, a from–to pair for
/// dates, numbers and money, a text box otherwise.
#[component]
fn CustomFilterInput(
    def: crate::domain::fields::FieldDef,
    current: Signal<BoardFilter>,
    change: Callback<(String, String)>,
) -> impl IntoView {
    use crate::domain::fields::FieldKind;
    let param = format!("f.{}", def.key);
    let key = StoredValue::new(def.key.clone());
    let value = move || {
        key.with_value(|k| {
            current
                .get()
                .custom
                .iter()
                .find(|c| &c.key == k)
                .map(|c| c.value.clone())
                .unwrap_or_default()
        })
    };
    let label = def.label.clone();
    match def.kind {
        FieldKind::Choice | FieldKind::MultiChoice | FieldKind::YesNo => {
            let options: Vec<(String, String)> = if def.kind == FieldKind::YesNo {
                vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())]
            } else {
                def.choices.iter().map(|c| (c.clone(), c.clone())).collect()
            };
            let name = param.clone();
            view! {
                <label class="filter">
                    <span class="filter-label">{label}</span>
                    <select name=param on:change=move |e| change.run((name.clone(), event_target_value(&e)))>
                        <option value="" selected=move || value().is_empty()>"Any"</option>
                        {options.into_iter().map(|(v, shown)| {
                            let same = v.clone();
                            view! { <option value=v selected=move || value().eq_ignore_ascii_case(&same)>{shown}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }
            .into_any()
        }
        FieldKind::Date | FieldKind::Number | FieldKind::Money => {
            let (kind, mode) = if def.kind == FieldKind::Date {
                ("date", "text")
            } else {
                ("text", "decimal")
            };
            let bound = move |upper: bool| {
                let v = value();
                let (lo, hi) = v.split_once("..").unwrap_or((v.as_str(), v.as_str()));
                if upper {
                    hi.to_string()
                } else {
                    lo.to_string()
                }
            };
            let set = move |upper: bool, typed: String| {
                let (lo, hi) = if upper {
                    (bound(false), typed)
                } else {
                    (typed, bound(true))
                };
                let v = if lo.is_empty() && hi.is_empty() {
                    String::new()
                } else {
                    format!("{lo}..{hi}")
                };
                change.run((format!("f.{}", key.get_value()), v));
            };
            let (from_label, to_label) = (format!("{label} from"), format!("{label} to"));
            view! {
                <fieldset class="filter filter-range">
                    <legend class="filter-label">{label}</legend>
                    <input type=kind inputmode=mode aria-label=from_label placeholder="from"
                        prop:value=move || bound(false) on:change=move |e| set(false, event_target_value(&e))/>
                    <span aria-hidden="true">"–"</span>
                    <input type=kind inputmode=mode aria-label=to_label placeholder="to"
                        prop:value=move || bound(true) on:change=move |e| set(true, event_target_value(&e))/>
                </fieldset>
            }
            .into_any()
        }
        _ => {
            let name = param.clone();
            view! {
                <label class="filter">
                    <span class="filter-label">{label}</span>
                    <input type="text" name=param maxlength="100" prop:value=value
                        on:change=move |e| change.run((name.clone(), event_target_value(&e)))/>
                </label>
            }
            .into_any()
        }
    }
}
