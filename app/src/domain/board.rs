//! What the board shows: per-stage summaries (count and value per currency), the loaded cards,
//! and the next-step status chip of a card.

use super::filter::{CardSort, ColumnOrder};
use super::lead::{Lead, NextStepKind};
use super::money::Money;
use super::stage::{Pipelines, StageId, StageKind};
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Count and value of all leads in one stage (computed in SQL over the whole stage, not the
/// loaded page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ColumnSummary {
    pub stage_id: StageId,
    pub count: i64,
    /// One total per currency present, largest first.
    pub totals: Vec<Money>,
}

impl ColumnSummary {
    pub fn empty(stage_id: StageId) -> Self {
        ColumnSummary {
            stage_id,
            count: 0,
            totals: Vec::new(),
        }
    }

    /// Accounts for a lead entering the column.
    pub fn add(&mut self, lead: &Lead) {
        self.count += 1;
        if let Some(v) = lead.value {
            self.adjust(v.currency, v.cents);
        }
    }

    /// Accounts for a lead leaving the column.
    pub fn remove(&mut self, lead: &Lead) {
        self.count = (self.count - 1).max(0);
        if let Some(v) = lead.value {
            self.adjust(v.currency, -v.cents);
        }
    }

    fn adjust(&mut self, currency: super::money::Currency, cents: i64) {
        match self.totals.iter_mut().find(|m| m.currency == currency) {
            Some(m) => m.cents += cents,
            None => self.totals.push(Money::new(cents, currency)),
        }
        self.totals.retain(|m| m.cents != 0);
        self.totals.sort_by_key(|m| std::cmp::Reverse(m.cents));
    }
}

/// Where a lead's next step stands: shown as a chip with text and colour, never colour alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStepStatus {
    /// An open lead with nothing planned.
    Missing,
    Overdue {
        kind: NextStepKind,
        days: i64,
    },
    DueToday {
        kind: NextStepKind,
    },
    Later {
        kind: NextStepKind,
        days: i64,
    },
}

impl NextStepStatus {
    /// The status of `lead` in a stage of `kind` at `now`, counting days in the viewer's zone;
    /// `None` for closed leads, which need no next step.
    pub fn of(lead: &Lead, kind: StageKind, now: Timestamp, offset_minutes: i32) -> Option<Self> {
        if kind.is_closed() {
            return None;
        }
        let Some(step) = &lead.next_step else {
            return Some(NextStepStatus::Missing);
        };
        let days = step.due_at.day_number(offset_minutes) - now.day_number(offset_minutes);
        Some(match days {
            d if d < 0 => NextStepStatus::Overdue {
                kind: step.kind,
                days: -d,
            },
            0 => NextStepStatus::DueToday { kind: step.kind },
            d => NextStepStatus::Later {
                kind: step.kind,
                days: d,
            },
        })
    }

    /// CSS modifier: `missing`, `overdue`, `today`, `later`.
    pub fn class(self) -> &'static str {
        match self {
            NextStepStatus::Missing => "missing",
            NextStepStatus::Overdue { .. } => "overdue",
            NextStepStatus::DueToday { .. } => "today",
            NextStepStatus::Later { .. } => "later",
        }
    }

    /// The chip's text, e.g. `Call · 3d late`.
    pub fn label(self) -> String {
        match self {
            NextStepStatus::Missing => "No next step".to_string(),
            NextStepStatus::Overdue { kind, days } => format!("{} · {days}d late", kind.label()),
            NextStepStatus::DueToday { kind } => format!("{} · today", kind.label()),
            NextStepStatus::Later { kind, days: 1 } => format!("{} · tomorrow", kind.label()),
            NextStepStatus::Later { kind, days } => format!("{} · in {days}d", kind.label()),
        }
    }
}

/// What changed between two versions of a lead, in words, for the conflict prompt:
/// "Stage: New → Contacted", "Value: $1,000 → $2,500", …
pub fn describe_changes(before: &Lead, after: &Lead, pipeline: &Pipelines) -> Vec<String> {
    let stage = |id: StageId| {
        pipeline
            .get(id)
            .map_or_else(|| format!("stage {id}"), |s| s.name.clone())
    };
    let opt = |v: Option<String>| v.unwrap_or_else(|| "none".into());
    let step = |l: &Lead| {
        l.next_step
            .as_ref()
            .map(|s| format!("{} · {}", s.kind.label(), s.due_at.short_date(0)))
    };
    let mut out = Vec::new();
    let mut diff = |label: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{label}: {a} → {b}"));
        }
    };
    diff("Stage", stage(before.stage_id), stage(after.stage_id));
    diff(
        "Owner",
        opt(before.owner.as_ref().map(|o| o.name.clone())),
        opt(after.owner.as_ref().map(|o| o.name.clone())),
    );
    diff(
        "Value",
        opt(before.value.map(|v| v.display())),
        opt(after.value.map(|v| v.display())),
    );
    diff("Next step", opt(step(before)), opt(step(after)));
    diff(
        "Contact",
        before.contact_name.clone(),
        after.contact_name.clone(),
    );
    diff(
        "Company",
        opt(before.company.clone()),
        opt(after.company.clone()),
    );
    diff(
        "E-mail",
        opt(before.email.clone()),
        opt(after.email.clone()),
    );
    diff("Phone", opt(before.phone.clone()), opt(after.phone.clone()));
    if out.is_empty() && before.last_touched_at != after.last_touched_at {
        out.push("A touch was logged".into());
    }
    out
}

/// Sorts cards the way `stage_id`'s column shows them under `sort`.
pub fn sort_cards(pipeline: &Pipelines, stage_id: StageId, sort: CardSort, cards: &mut [Lead]) {
    let order = column_order(pipeline, stage_id, sort);
    cards.sort_by(|a, b| order.compare(a, b));
}

/// The order of `stage_id`'s column under `sort`.
pub fn column_order(pipeline: &Pipelines, stage_id: StageId, sort: CardSort) -> ColumnOrder {
    ColumnOrder {
        sort,
        closed: pipeline.get(stage_id).is_some_and(|s| s.kind.is_closed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lead::tests::sample_lead;
    use crate::domain::lead::NextStep;
    use crate::domain::money::Currency;
    use crate::domain::time::HOUR_MS;

    // 2026-11-29T06:00:00Z
    const NOW: Timestamp = Timestamp(1_795_932_000_000);

    fn due(at: Timestamp) -> Lead {
        let mut l = sample_lead();
        l.next_step = Some(NextStep {
            kind: NextStepKind::Call,
            due_at: at,
            note: None,
        });
        l
    }

    #[test]
    fn an_open_lead_without_a_next_step_is_flagged_missing() {
        let mut l = sample_lead();
        l.next_step = None;
        let s = NextStepStatus::of(&l, StageKind::Open, NOW, 0).unwrap();
        assert_eq!(s, NextStepStatus::Missing);
        assert_eq!(s.label(), "No next step");
    }

    #[test]
    fn closed_leads_have_no_chip() {
        assert_eq!(
            NextStepStatus::of(&sample_lead(), StageKind::Won, NOW, 0),
            None
        );
    }

    #[test]
    fn a_step_due_yesterday_is_overdue_by_a_day() {
        let s = NextStepStatus::of(&due(NOW.plus_days(-1)), StageKind::Open, NOW, 0).unwrap();
        assert_eq!(s.label(), "Call · 1d late");
        assert_eq!(s.class(), "overdue");
    }

    #[test]
    fn a_step_earlier_today_is_due_today_not_overdue() {
        let s = NextStepStatus::of(&due(NOW.plus_ms(-2 * HOUR_MS)), StageKind::Open, NOW, 0);
        assert_eq!(s.unwrap().class(), "today");
    }

    #[test]
    fn days_are_counted_in_the_viewers_zone() {
        // 20:00 UTC on the 29th is already the 30th in Tokyo, where 06:00 UTC is still the 29th.
        let at = NOW.plus_ms(14 * HOUR_MS);
        let tokyo = NextStepStatus::of(&due(at), StageKind::Open, NOW, 9 * 60).unwrap();
        assert_eq!(tokyo.label(), "Call · tomorrow");
        let london = NextStepStatus::of(&due(at), StageKind::Open, NOW, 0).unwrap();
        assert_eq!(london.label(), "Call · today");
    }

    #[test]
    fn changes_are_described_field_by_field() {
        let pipeline = crate::domain::stage::tests::default_pipeline();
        let before = sample_lead();
        let mut after = sample_lead();
        after.stage_id = pipeline.stages()[1].id;
        after.value = Some(Money::new(2_500_000, Currency::USD));
        let changes = describe_changes(&before, &after, &pipeline);
        assert_eq!(
            changes,
            [
                format!(
                    "Stage: {} → {}",
                    pipeline.stages()[0].name,
                    pipeline.stages()[1].name
                ),
                "Value: $12,000 → $25,000".to_string()
            ]
        );
        assert!(describe_changes(&before, &before, &pipeline).is_empty());
    }

    #[test]
    fn column_totals_follow_leads_in_and_out_per_currency() {
        let mut col = ColumnSummary::empty(StageId(1));
        let usd = sample_lead();
        let mut eur = sample_lead();
        eur.value = Some(Money::new(500, Currency::parse("EUR").unwrap()));
        col.add(&usd);
        col.add(&eur);
        col.add(&usd);
        assert_eq!(col.count, 3);
        assert_eq!(col.totals[0], Money::new(2_400_000, Currency::USD));
        col.remove(&eur);
        assert_eq!(col.count, 2);
        assert_eq!(col.totals, vec![Money::new(2_400_000, Currency::USD)]);
    }
}
