//! The lead score: how promising an open lead looks, 0–100, with the reasons that make it up,
//! so a rep can see why a lead is at the top and argue with it.
//!
//! Four parts, each with a cap:
//! - fit (up to 40): the estimated value, a stated product interest, a known territory;
//! - source quality (up to 25): the source's win rate over its closed leads (won / closed),
//!   neutral while it has fewer than `MIN_CLOSED` of them;
//! - engagement (−15 to 25): conversations and booked meetings count, the person writing in
//!   again counts, touches that went unanswered count against;
//! - recency (−20 to 10): how long since anything happened on the lead.
//!
//! The total is clamped to 0–100. Pure: the inputs are gathered by the service layer.

use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Closed leads a source needs before its win rate counts.
pub const MIN_CLOSED: i64 = 5;
/// Unanswered touches in a row after which a lead is suggested for closing as "no response".
pub const DEAD_AFTER_UNANSWERED: i64 = 4;

/// One part of a score: what it is about and how many points it gave (negative: took).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ScoreReason {
    pub label: String,
    pub points: i64,
}

/// What a lead's score is computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreInputs {
    /// Estimated value in minor units (any currency), when known.
    pub value_cents: Option<i64>,
    /// Its display form ("$12,400"), for the reason.
    pub value_text: Option<String>,
    pub product_interest: bool,
    pub territory_known: bool,
    pub source_name: String,
    /// The source's closed leads: (won, closed).
    pub source_record: (i64, i64),
    /// Touches that reached the person (a conversation or a booked meeting).
    pub replies: i64,
    /// Times the person wrote in (the first inquiry included).
    pub inquiries: i64,
    /// Touches since the last reply (or since the start) that got no answer.
    pub unanswered: i64,
    /// The last thing that happened: a touch, an inquiry, or the lead's creation.
    pub last_activity: Timestamp,
}

/// A score and its reasons, biggest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Score {
    pub total: i64,
    pub reasons: Vec<ScoreReason>,
}

fn reason(label: impl Into<String>, points: i64) -> ScoreReason {
    ScoreReason {
        label: label.into(),
        points,
    }
}

/// Scores a lead as of `now`.
pub fn score(i: &ScoreInputs, now: Timestamp) -> Score {
    let mut reasons = Vec::new();

    // Fit.
    if let Some(cents) = i.value_cents.filter(|c| *c > 0) {
        let points = match cents / 100 {
            v if v >= 50_000 => 25,
            v if v >= 10_000 => 18,
            v if v >= 1_000 => 10,
            _ => 4,
        };
        let text = i.value_text.clone().unwrap_or_else(|| "set".into());
        reasons.push(reason(format!("Value {text}"), points));
    }
    if i.product_interest {
        reasons.push(reason("Names a product", 8));
    }
    if i.territory_known {
        reasons.push(reason("Territory known", 7));
    }

    // Source quality.
    let (won, closed) = i.source_record;
    if closed >= MIN_CLOSED {
        let rate = won * 100 / closed;
        reasons.push(reason(
            format!("{} wins {rate}% of closed leads", i.source_name),
            (won * 50 / closed).min(25),
        ));
    } else {
        reasons.push(reason(
            format!("{}: too few closed leads to judge", i.source_name),
            10,
        ));
    }

    // Engagement.
    if i.replies > 0 {
        let label = if i.replies == 1 {
            "1 conversation".to_string()
        } else {
            format!("{} conversations", i.replies)
        };
        reasons.push(reason(label, (i.replies * 8).min(18)));
    }
    if i.inquiries > 1 {
        reasons.push(reason(
            format!("Wrote in {} times", i.inquiries),
            ((i.inquiries - 1) * 4).min(7),
        ));
    }
    if i.unanswered >= 2 {
        reasons.push(reason(
            format!("{} touches unanswered", i.unanswered),
            -((i.unanswered - 1) * 5).min(15),
        ));
    }

    // Recency.
    let days = (now.0 - i.last_activity.0).max(0) / 86_400_000;
    let (label, points) = match days {
        0..=2 => ("Active in the last 2 days".to_string(), 10),
        3..=7 => ("Active this week".to_string(), 5),
        8..=30 => (format!("Quiet for {days} days"), 0),
        31..=90 => (format!("Quiet for {days} days"), -10),
        _ => (format!("Quiet for {days} days"), -20),
    };
    if points != 0 {
        reasons.push(reason(label, points));
    }

    reasons.sort_by_key(|r| std::cmp::Reverse(r.points.abs()));
    let total = reasons.iter().map(|r| r.points).sum::<i64>().clamp(0, 100);
    Score { total, reasons }
}

/// The reasons as one line, for a tooltip: "+18 Value $12,400 · −10 Quiet for 40 days".
pub fn explain(reasons: &[ScoreReason]) -> String {
    reasons
        .iter()
        .map(|r| {
            let sign = if r.points < 0 { "−" } else { "+" };
            format!("{sign}{} {}", r.points.abs(), r.label)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Whether an open lead looks dead: several touches in a row without an answer, or the last
/// touch unanswered and the lead idle past the policy's limit. (A lead nobody has tried yet is
/// not dead, only neglected: the policy flags it as stale.) The text says why, for the
/// suggestion to close it as "no response".
pub fn dead_lead(
    unanswered: i64,
    idle_days: Option<i64>,
    limit_days: Option<u32>,
) -> Option<String> {
    if unanswered >= DEAD_AFTER_UNANSWERED {
        return Some(format!("{unanswered} touches in a row got no answer"));
    }
    match (idle_days, limit_days) {
        (Some(idle), Some(limit)) if unanswered > 0 && idle > i64::from(limit) => Some(format!(
            "The last touch got no answer and nothing has happened for {idle} days \
             (the policy allows {limit})"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    const NOW: Timestamp = Timestamp(1_750_000_000_000);

    fn inputs() -> ScoreInputs {
        ScoreInputs {
            value_cents: None,
            value_text: None,
            product_interest: false,
            territory_known: false,
            source_name: "Web".into(),
            source_record: (0, 0),
            replies: 0,
            inquiries: 1,
            unanswered: 0,
            last_activity: NOW,
        }
    }

    #[test]
    fn a_bare_new_lead_scores_on_source_and_recency_alone() {
        let s = score(&inputs(), NOW);
        assert_eq!(s.total, 20);
        assert_eq!(
            s.reasons,
            vec![
                reason("Web: too few closed leads to judge", 10),
                reason("Active in the last 2 days", 10)
            ]
        );
    }

    #[test]
    fn every_part_adds_up_and_is_explained() {
        let i = ScoreInputs {
            value_cents: Some(1_240_000),
            value_text: Some("$12,400".into()),
            product_interest: true,
            territory_known: true,
            source_record: (3, 10),
            replies: 1,
            inquiries: 2,
            last_activity: Timestamp(NOW.0 - 5 * DAY),
            ..inputs()
        };
        let s = score(&i, NOW);
        // 18 value + 8 product + 7 territory + 15 source (30%) + 8 reply + 4 inquiry + 5 week
        assert_eq!(s.total, 65);
        assert_eq!(s.reasons[0], reason("Value $12,400", 18));
        assert!(s
            .reasons
            .contains(&reason("Web wins 30% of closed leads", 15)));
        assert_eq!(
            explain(&s.reasons[..2]),
            "+18 Value $12,400 · +15 Web wins 30% of closed leads"
        );
    }

    #[test]
    fn silence_and_unanswered_touches_pull_a_lead_down_but_not_below_zero() {
        let quiet = ScoreInputs {
            unanswered: 5,
            last_activity: Timestamp(NOW.0 - 100 * DAY),
            ..inputs()
        };
        let s = score(&quiet, NOW);
        assert_eq!(s.total, 0);
        assert!(s.reasons.contains(&reason("5 touches unanswered", -15)));
        assert!(s.reasons.contains(&reason("Quiet for 100 days", -20)));
        assert_eq!(explain(&s.reasons[..1]), "−20 Quiet for 100 days");
    }

    #[test]
    fn a_strong_source_outranks_a_weak_one_with_the_same_lead() {
        let strong = score(
            &ScoreInputs {
                source_record: (6, 10),
                ..inputs()
            },
            NOW,
        );
        let weak = score(
            &ScoreInputs {
                source_record: (1, 20),
                ..inputs()
            },
            NOW,
        );
        assert!(strong.total > weak.total);
        assert_eq!(strong.total, 35, "a 60% win rate gives the full 25");
    }

    #[test]
    fn dead_leads_are_named_with_the_reason() {
        assert_eq!(dead_lead(3, Some(2), Some(14)), None);
        assert_eq!(
            dead_lead(4, Some(2), Some(14)).unwrap(),
            "4 touches in a row got no answer"
        );
        assert_eq!(
            dead_lead(1, Some(20), Some(14)).unwrap(),
            "The last touch got no answer and nothing has happened for 20 days \
             (the policy allows 14)"
        );
        assert_eq!(
            dead_lead(0, Some(20), Some(14)),
            None,
            "never tried: stale, not dead"
        );
        assert_eq!(dead_lead(1, Some(14), Some(14)), None);
        assert_eq!(
            dead_lead(0, Some(200), None),
            None,
            "no idle limit, no suggestion"
        );
    }
}
