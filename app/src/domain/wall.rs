//! The wall display: which panels a screen rotates through, how often, over which period, and
//! the shape of a win as the wall announces it.
//!
//! A wall hangs where visitors walk past: a win carries the company, the owner's name and the
//! value, never a contact's e-mail or phone.

use super::money::Money;
use super::time::{civil_from_days, days_from_civil, Timestamp, DAY_MS};
use super::zone::Zone;
use serde::{Deserialize, Serialize};

/// One screenful of the wall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum WallPanel {
    /// Spend and won revenue per channel, with ROI.
    Roi,
    /// The period's inquiries by the furthest stage they reached.
    Funnel,
    /// This month's wins and won value, and the open pipeline's value by stage.
    Month,
    /// Each team's follow-up compliance.
    Compliance,
    /// The newest wins, as they happen.
    Wins,
}

impl WallPanel {
    pub const ALL: [WallPanel; 5] = [
        WallPanel::Roi,
        WallPanel::Funnel,
        WallPanel::Month,
        WallPanel::Compliance,
        WallPanel::Wins,
    ];

    pub fn key(self) -> &'static str {
        match self {
            WallPanel::Roi => "roi",
            WallPanel::Funnel => "funnel",
            WallPanel::Month => "month",
            WallPanel::Compliance => "compliance",
            WallPanel::Wins => "wins",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            WallPanel::Roi => "Return by channel",
            WallPanel::Funnel => "Funnel",
            WallPanel::Month => "This month",
            WallPanel::Compliance => "Follow-up compliance",
            WallPanel::Wins => "Newest wins",
        }
    }

    pub fn parse(key: &str) -> Option<WallPanel> {
        Self::ALL.into_iter().find(|p| p.key() == key.trim())
    }
}

/// The periods a wall may report over, in days.
pub const WALL_PERIODS: [u32; 4] = [30, 90, 180, 365];
/// Seconds each panel stays up: bounds.
pub const MIN_SECONDS: u32 = 5;
pub const MAX_SECONDS: u32 = 600;

/// What one wall screen shows, set by an admin per wall token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WallConfig {
    /// In the order they rotate; never empty.
    pub panels: Vec<WallPanel>,
    /// The ROI and funnel period.
    pub days: u32,
    /// Seconds per panel.
    pub seconds: u32,
}

/// Seconds per panel unless an admin chooses otherwise: a full turn of the five panels a
/// minute, as the README says.
pub const DEFAULT_SECONDS: u32 = 12;

impl Default for WallConfig {
    fn default() -> Self {
        WallConfig {
            panels: WallPanel::ALL.to_vec(),
            days: 90,
            // The five panels in a minute.
            seconds: DEFAULT_SECONDS,
        }
    }
}

impl WallConfig {
    /// Checks an admin's choice; errors name their field.
    pub fn check(&self) -> Result<(), Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        if self.panels.is_empty() {
            errors.push(("panels", "Pick at least one panel".to_string()));
        }
        let mut seen = Vec::new();
        for p in &self.panels {
            if seen.contains(p) {
                errors.push(("panels", format!("\"{}\" is listed twice", p.title())));
                break;
            }
            seen.push(*p);
        }
        if !WALL_PERIODS.contains(&self.days) {
            errors.push(("days", "Choose a period of 30, 90, 180 or 365 days".into()));
        }
        if !(MIN_SECONDS..=MAX_SECONDS).contains(&self.seconds) {
            errors.push((
                "seconds",
                format!("Show each panel for {MIN_SECONDS} to {MAX_SECONDS} seconds"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The panels as stored: keys joined by commas.
    pub fn panels_text(&self) -> String {
        self.panels
            .iter()
            .map(|p| p.key())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The stored panel list; unknown keys (from a newer version) are skipped, and an empty
    /// result falls back to every panel.
    pub fn panels_from_text(text: &str) -> Vec<WallPanel> {
        let panels: Vec<WallPanel> = text.split(',').filter_map(WallPanel::parse).collect();
        if panels.is_empty() {
            WallPanel::ALL.to_vec()
        } else {
            panels
        }
    }
}

/// A win as the wall shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallWin {
    /// The event that recorded the win (newest first on the wall; also tells a repeat).
    pub event_id: i64,
    pub at: Timestamp,
    /// The company, or the lead's title when there is none.
    pub name: String,
    pub owner: Option<String>,
    pub value: Option<Money>,
    pub source: Option<String>,
}

/// How many wins the wall keeps on screen.
pub const WALL_WINS: usize = 8;

/// Adds a live win to the list the wall shows: newest first, no repeats (a replayed event),
/// at most [`WALL_WINS`].
pub fn push_win(wins: &mut Vec<WallWin>, win: WallWin) {
    if wins.iter().any(|w| w.event_id == win.event_id) {
        return;
    }
    let at = wins
        .iter()
        .position(|w| w.event_id < win.event_id)
        .unwrap_or(wins.len());
    wins.insert(at, win);
    wins.truncate(WALL_WINS);
}

/// The first instant of the calendar month `at` falls in, in `zone` (the organisation's), and
/// the month's name ("November 2026").
pub fn month_start(at: Timestamp, zone: &Zone) -> (Timestamp, String) {
    let local = zone.to_local(at.0);
    let (y, m, _) = civil_from_days(local.div_euclid(DAY_MS));
    let start = zone.to_utc(days_from_civil(y, m, 1) * DAY_MS);
    (
        Timestamp(start),
        format!("{} {y}", super::time::MONTH_NAMES[(m - 1) as usize]),
    )
}

/// The panel after `current` in rotation (wrapping), given how many there are.
pub fn next_panel(current: usize, count: usize) -> usize {
    if count == 0 {
        0
    } else {
        (current + 1) % count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(id: i64) -> WallWin {
        WallWin {
            event_id: id,
            at: Timestamp(id),
            name: format!("Co {id}"),
            owner: None,
            value: None,
            source: None,
        }
    }

    #[test]
    fn a_good_config_passes_and_round_trips_its_panels() {
        let c = WallConfig {
            panels: vec![WallPanel::Wins, WallPanel::Roi],
            days: 30,
            seconds: 15,
        };
        assert_eq!(c.check(), Ok(()));
        assert_eq!(c.panels_text(), "wins,roi");
        assert_eq!(WallConfig::panels_from_text("wins,roi"), c.panels);
        assert_eq!(
            WallConfig::panels_from_text("wins,tickertape, roi"),
            c.panels
        );
        assert_eq!(WallConfig::panels_from_text(""), WallPanel::ALL.to_vec());
    }

    #[test]
    fn every_bad_field_is_named() {
        let c = WallConfig {
            panels: vec![],
            days: 14,
            seconds: 2,
        };
        let fields: Vec<&str> = c.check().unwrap_err().iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["panels", "days", "seconds"]);
        let twice = WallConfig {
            panels: vec![WallPanel::Roi, WallPanel::Roi],
            ..WallConfig::default()
        };
        let errors = twice.check().unwrap_err();
        assert_eq!(errors[0].0, "panels");
        assert!(errors[0].1.contains("twice"), "{}", errors[0].1);
        let slow = WallConfig {
            seconds: 601,
            ..WallConfig::default()
        };
        assert_eq!(slow.check().unwrap_err()[0].0, "seconds");
    }

    #[test]
    fn wins_are_newest_first_without_repeats_and_capped() {
        let mut wins = vec![win(5), win(3)];
        push_win(&mut wins, win(4));
        push_win(&mut wins, win(9));
        push_win(&mut wins, win(4));
        let ids: Vec<i64> = wins.iter().map(|w| w.event_id).collect();
        assert_eq!(ids, [9, 5, 4, 3]);
        for id in 10..30 {
            push_win(&mut wins, win(id));
        }
        assert_eq!(wins.len(), WALL_WINS);
        assert_eq!(wins[0].event_id, 29);
        assert_eq!(wins[WALL_WINS - 1].event_id, 22);
    }

    #[test]
    fn the_month_starts_at_local_midnight_on_the_first() {
        let ny = Zone::parse("EST5EDT,M3.2.0,M11.1.0").unwrap();
        // 2026-12-01 03:00 UTC is still November 30 in New York.
        let at = Timestamp(days_from_civil(2026, 12, 1) * DAY_MS + 3 * 3_600_000);
        let (start, name) = month_start(at, &ny);
        assert_eq!(name, "November 2026");
        // November 1 00:00 EDT = 04:00 UTC.
        assert_eq!(
            start.0,
            days_from_civil(2026, 11, 1) * DAY_MS + 4 * 3_600_000
        );
        let (start, name) = month_start(at, &Zone::utc());
        assert_eq!(name, "December 2026");
        assert_eq!(start.0, days_from_civil(2026, 12, 1) * DAY_MS);
    }

    #[test]
    fn rotation_wraps() {
        assert_eq!(next_panel(0, 3), 1);
        assert_eq!(next_panel(2, 3), 0);
        assert_eq!(next_panel(0, 1), 0);
        assert_eq!(next_panel(4, 0), 0);
    }
}
