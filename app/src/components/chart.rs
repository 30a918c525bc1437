//! A chart drawn on the server (`ssr::charts`, an `<svg>` string) placed in a figure with its
//! legend. The numbers are always in a table next to it: the SVG is an image to assistive
//! technology, labelled by what it shows.

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
