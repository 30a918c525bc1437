//! A chart drawn on the server (`ssr::charts`, an `<svg>` string) placed in a figure with its
//! legend. The numbers are always in a table next to it: the SVG is an image to assistive
//! technology, labelled by what it shows.

use crate::api::roi::FunnelStep;
use crate::domain::roi::{count_text, percent};
use leptos::prelude::*;

/// A series of the legend: its swatch class (coloured by the stylesheet in the chart's colour)
/// and its name.
pub type LegendItem = (&'static str, &'static str);

#[component]
pub fn Chart(
    /// The `<svg>` element; nothing is shown when empty.
    svg: String,
    /// What the chart shows, read by screen readers.
    label: String,
    #[prop(optional)] legend: Vec<LegendItem>,
    /// Where the same figures are, in words ("Figures in the table below").
    #[prop(optional)]
    note: Option<&'static str>,
) -> impl IntoView {
    (!svg.is_empty()).then(|| {
        view! {
            <figure class="chart">
                <div class="chart-svg" role="img" aria-label=label inner_html=svg></div>
                <figcaption class="chart-caption">
                    {(!legend.is_empty()).then(|| view! {
                        <ul class="chart-legend">
                            {legend.into_iter().map(|(class, name)| view! {
                                <li><span class=format!("swatch {class}") aria-hidden="true"></span>{name}</li>
                            }).collect_view()}
                        </ul>
                    })}
                    {note.map(|n| view! { <span class="chart-note">{n}</span> })}
                </figcaption>
            </figure>
        }
    })
}

/// The funnel's figures: each step's inquiries and its share of the step before (the table
/// beside the funnel chart, on `/roi` and on the wall).
#[component]
pub fn FunnelTable(steps: Vec<FunnelStep>, class: &'static str) -> impl IntoView {
    view! {
        <table class=class>
            <caption class="visually-hidden">"Funnel"</caption>
            <thead><tr>
                <th scope="col">"Stage"</th>
                <th scope="col" class="num">"Reached"</th>
                <th scope="col" class="num">"Of the step before"</th>
            </tr></thead>
            <tbody>
                {steps.into_iter().map(|s| view! {
                    <tr>
                        <th scope="row">{s.stage}</th>
                        <td class="num">{count_text(s.reached)}</td>
                        <td class="num">{percent(s.from_previous)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
