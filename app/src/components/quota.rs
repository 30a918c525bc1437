//! One quota's attainment as people read it everywhere (My day, the review, the leaderboard,
//! the quotas page): the figures, a bar with today's line on it, and the pace in words.

use crate::domain::quota::{Attainment, Measure};
use leptos::prelude::*;

/// "Won value · December 2026", the bar, "$43,000 of $60,000 won (71 %)", the pace.
#[component]
pub fn QuotaMeter(a: Attainment, #[prop(optional)] compact: bool) -> impl IntoView {
    let percent = a.percent();
    // Widths and places in steps of 5 % as classes: the content security policy allows no
    // inline styles.
    let step = |pct: i64| (pct.clamp(0, 100) + 2) / 5 * 5;
    let fill = step(percent);
    // Today's line: where a straight run to the target stands (the score has none).
    let line = (a.measure != Measure::Score).then(|| step(a.elapsed_permille / 10));
    let pace = a.pace();
    let title = format!("{} · {}", a.measure.label(), a.period);
    let summary = a.summary();
    view! {
        <div class=format!("quota quota-{}", pace.key())>
            {(!compact).then(|| view! { <span class="quota-title">{title.clone()}</span> })}
            <div class="quota-bar" role="meter" aria-valuemin="0" aria-valuemax="100"
                aria-valuenow=percent.clamp(0, 100) aria-label=format!("{title}: {summary}")>
                <span class=format!("quota-fill quota-w-{fill}")></span>
                {line.map(|l| view! {
                    <span class=format!("quota-line quota-at-{l}") title="Where a straight run to the target stands today"></span>
                })}
            </div>
            <span class="quota-figures">{summary}</span>
            <span class="quota-pace">{a.pace_text()}</span>
        </div>
    }
}
