//! Server functions of the merge screen: likely duplicates and what to do with each pair.

use crate::domain::contact::MatchReason;
use crate::domain::{Lead, LeadId, Timestamp};
use serde::{Deserialize, Serialize};

/// Two leads that are likely the same person's, flagged at intake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicatePair {
    pub id: i64,
    /// 0–100: how sure the match is.
    pub score: u8,
    pub reasons: Vec<MatchReason>,
    pub found_at: Timestamp,
    /// The newer lead (the one that arrived as a likely duplicate).
    pub lead: Lead,
    /// The earlier lead of the person it may be.
    pub other: Lead,
    /// Both open and the viewer may change both.
    pub can_merge: bool,
    /// The viewer may change both, so may say "same person".
    pub can_decide: bool,
    /// The viewer may say "different people" (`access::dismiss_duplicate`).
    pub can_dismiss: bool,
}

/// What to do with a pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Resolution {
    /// Merge the two open leads into `keep`; the versions the viewer saw guard against changes
    /// made meanwhile.
    Merge {
        keep: LeadId,
        keep_version: i64,
        absorb_version: i64,
    },
    /// One person: one contact, both leads kept.
    SamePerson,
    /// Different people: the pair is dismissed.
    Distinct,
}
