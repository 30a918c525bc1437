//! Recognition: the leaderboard that ranks follow-up discipline before revenue, streak
//! badges, and who may see it.

use serde::{Deserialize, Serialize};

crate::keyed! {
    /// Who sees the leaderboard, as an admin sets it.
    #[derive(Default, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Visibility {
        /// Each rep and manager sees their own team's reps.
        #[default]
        Team => "team", "Each team sees its own reps";
        /// Everyone sees every rep.
        Organisation => "organisation", "Everyone sees every rep";
        /// Nobody but admins (for the payout export).
        Off => "off", "Off (admins only, for the payout export)";
    }
}

/// A badge a rep has earned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Badge {
    /// Every open lead on track this many days in a row.
    Streak(u32),
    /// Every first touch of the period within the SLA (at least five leads).
    AllInSla,
}

/// The streak lengths that earn a badge.
pub const STREAK_BADGES: [u32; 4] = [3, 5, 10, 20];

impl Badge {
    pub fn label(self) -> String {
        match self {
            Badge::Streak(days) => format!("{days}-day streak"),
            Badge::AllInSla => "Every first touch in SLA".into(),
        }
    }
}

/// The badges for a streak of `streak_days` and `sla` = (first touches in SLA, counted): the
/// highest streak badge reached, and the SLA badge.
pub fn badges(streak_days: u32, sla: (u32, u32)) -> Vec<Badge> {
    let mut out: Vec<Badge> = STREAK_BADGES
        .iter()
        .rev()
        .find(|d| streak_days >= **d)
        .map(|d| Badge::Streak(*d))
        .into_iter()
        .collect();
    if sla.1 >= 5 && sla.0 == sla.1 {
        out.push(Badge::AllInSla);
    }
    out
}

/// One rep on the board.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    pub rep_id: i64,
    pub name: String,
    pub team: Option<String>,
    /// The follow-up score (0–100).
    pub score: Option<f64>,
    /// First touches within the SLA, of those counted.
    pub sla_hits: u32,
    pub sla_counted: u32,
    pub next_step_share: Option<f64>,
    pub data_complete_share: Option<f64>,
    pub wins: u32,
    /// Won value in the organisation's currency (minor units).
    pub won_cents: i64,
    pub streak: u32,
    pub badges: Vec<Badge>,
    /// The rep's quotas holding this period, with how far along they are.
    #[serde(default)]
    pub quotas: Vec<super::quota::Attainment>,
}

/// Ranks discipline first: the follow-up score (none last), then SLA hits, then wins, then
/// won value, then name.
pub fn rank(rows: &mut [Standing]) {
    rows.sort_by(|a, b| {
        let score = |s: &Standing| s.score.unwrap_or(-1.0);
        score(b)
            .total_cmp(&score(a))
            .then(b.sla_hits.cmp(&a.sla_hits))
            .then(b.wins.cmp(&a.wins))
            .then(b.won_cents.cmp(&a.won_cents))
            .then(a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(name: &str, score: Option<f64>, sla_hits: u32, wins: u32) -> Standing {
        Standing {
            rep_id: 0,
            name: name.into(),
            team: None,
            score,
            sla_hits,
            sla_counted: 10,
            next_step_share: None,
            data_complete_share: None,
            wins,
            won_cents: i64::from(wins) * 100_000,
            streak: 0,
            badges: Vec::new(),
            quotas: Vec::new(),
        }
    }

    #[test]
    fn discipline_ranks_before_revenue() {
        let mut rows = vec![
            standing("Closer", Some(60.0), 3, 9),
            standing("Steady", Some(92.0), 8, 1),
            standing("Tied, fewer hits", Some(92.0), 5, 5),
            standing("New", None, 0, 0),
            standing("Also steady", Some(92.0), 8, 1),
        ];
        rank(&mut rows);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["Also steady", "Steady", "Tied, fewer hits", "Closer", "New"]
        );
    }

    #[test]
    fn streak_badges_take_the_highest_step_reached() {
        assert_eq!(badges(0, (0, 0)), vec![]);
        assert_eq!(
            badges(2, (4, 4)),
            vec![],
            "four leads are too few for the SLA badge"
        );
        assert_eq!(badges(3, (0, 0)), vec![Badge::Streak(3)]);
        assert_eq!(badges(9, (5, 5)), vec![Badge::Streak(5), Badge::AllInSla]);
        assert_eq!(badges(45, (9, 10)), vec![Badge::Streak(20)]);
        assert_eq!(Badge::Streak(10).label(), "10-day streak");
    }

    #[test]
    fn visibility_keys_round_trip() {
        for v in Visibility::ALL {
            assert_eq!(Visibility::parse(v.key()), Some(v));
        }
        assert_eq!(Visibility::parse("everyone"), None);
    }
}
