//! The lead (an inquiry) and the small value types it is made of.

use super::money::Money;
use super::stage::StageId;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A lead's database id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct LeadId(pub i64);

impl fmt::Display for LeadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where an inquiry came from, for cost and return per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Advertising,
    TradeShow,
    DirectMail,
    Web,
    Pr,
    Referral,
    Social,
    Other,
}

impl Channel {
    pub const ALL: [Channel; 8] = [
        Channel::Advertising,
        Channel::TradeShow,
        Channel::DirectMail,
        Channel::Web,
        Channel::Pr,
        Channel::Referral,
        Channel::Social,
        Channel::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Channel::Advertising => "advertising",
            Channel::TradeShow => "trade_show",
            Channel::DirectMail => "direct_mail",
            Channel::Web => "web",
            Channel::Pr => "pr",
            Channel::Referral => "referral",
            Channel::Social => "social",
            Channel::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Advertising => "Advertising",
            Channel::TradeShow => "Trade show",
            Channel::DirectMail => "Direct mail",
            Channel::Web => "Web",
            Channel::Pr => "PR",
            Channel::Referral => "Referral",
            Channel::Social => "Social",
            Channel::Other => "Other",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Channel::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// Why a lead was lost. Every lost lead has one: it is what makes close-out measurable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    NotABuyer,
    NoBudget,
    BoughtElsewhere,
    NoResponse,
    Duplicate,
    SpamBadData,
    /// Needs a note saying what happened.
    Other,
}

impl CloseReason {
    pub const ALL: [CloseReason; 7] = [
        CloseReason::NotABuyer,
        CloseReason::NoBudget,
        CloseReason::BoughtElsewhere,
        CloseReason::NoResponse,
        CloseReason::Duplicate,
        CloseReason::SpamBadData,
        CloseReason::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CloseReason::NotABuyer => "not_a_buyer",
            CloseReason::NoBudget => "no_budget",
            CloseReason::BoughtElsewhere => "bought_elsewhere",
            CloseReason::NoResponse => "no_response",
            CloseReason::Duplicate => "duplicate",
            CloseReason::SpamBadData => "spam_bad_data",
            CloseReason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CloseReason::NotABuyer => "Not a buyer",
            CloseReason::NoBudget => "No budget",
            CloseReason::BoughtElsewhere => "Bought elsewhere",
            CloseReason::NoResponse => "No response",
            CloseReason::Duplicate => "Duplicate",
            CloseReason::SpamBadData => "Spam / bad data",
            CloseReason::Other => "Other",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        CloseReason::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// The kind of the next planned touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NextStepKind {
    Call,
    Email,
    Meeting,
    SendQuote,
    FollowUp,
}

impl NextStepKind {
    pub const ALL: [NextStepKind; 5] = [
        NextStepKind::Call,
        NextStepKind::Email,
        NextStepKind::Meeting,
        NextStepKind::SendQuote,
        NextStepKind::FollowUp,
    ];

    pub fn key(self) -> &'static str {
        match self {
            NextStepKind::Call => "call",
            NextStepKind::Email => "email",
            NextStepKind::Meeting => "meeting",
            NextStepKind::SendQuote => "send_quote",
            NextStepKind::FollowUp => "follow_up",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NextStepKind::Call => "Call",
            NextStepKind::Email => "Email",
            NextStepKind::Meeting => "Meeting",
            NextStepKind::SendQuote => "Send quote",
            NextStepKind::FollowUp => "Follow up",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        NextStepKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// What happens next on a lead, and by when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NextStep {
    pub kind: NextStepKind,
    pub due_at: Timestamp,
    pub note: Option<String>,
}

/// A person, as far as a lead card needs to show them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserRef {
    pub id: i64,
    pub name: String,
}

impl UserRef {
    /// Up to two initials for an avatar: "Dana Whitfield" → "DW".
    pub fn initials(&self) -> String {
        self.name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }
}

/// An inquiry and everything the board and the rules need to know about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Lead {
    pub id: LeadId,
    /// Increases by one on every change; writes carry the version they were based on.
    pub version: i64,
    pub contact_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub channel: Channel,
    pub source_id: i64,
    pub source_name: String,
    pub campaign_id: Option<i64>,
    pub campaign_name: Option<String>,
    /// What the inquirer asked about.
    pub product_interest: Option<String>,
    pub value: Option<Money>,
    /// How promising the lead looks (0–100; `domain::score`); none once closed.
    pub score: Option<i64>,
    pub owner: Option<UserRef>,
    /// The team responsible for the lead (its owner's team when assigned).
    pub team_id: Option<super::access::TeamId>,
    pub stage_id: StageId,
    pub next_step: Option<NextStep>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_touched_at: Option<Timestamp>,
    pub last_touched_at: Option<Timestamp>,
    pub stage_entered_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub close_reason: Option<CloseReason>,
    pub close_note: Option<String>,
    /// What makes up the score, biggest first.
    #[serde(default)]
    pub score_reasons: Vec<super::score::ScoreReason>,
    /// Why the lead looks dead, when it does: it is suggested for closing as "no response".
    #[serde(default)]
    pub suggest_close: Option<String>,
}

impl Lead {
    /// The name a card leads with: the company when known, else the contact.
    pub fn title(&self) -> &str {
        self.company.as_deref().unwrap_or(&self.contact_name)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::money::Currency;

    /// A fresh lead in stage 1 with a value, an owner and a next step.
    pub fn sample_lead() -> Lead {
        Lead {
            id: LeadId(42),
            version: 3,
            contact_name: "Ada Byron".into(),
            email: Some("ada@example.com".into()),
            phone: None,
            company: Some("Analytical Engines Ltd".into()),
            channel: Channel::TradeShow,
            source_id: 2,
            source_name: "Trade shows".into(),
            campaign_id: Some(1),
            campaign_name: Some("PackExpo 2026".into()),
            product_interest: None,
            value: Some(Money::new(1_200_000, Currency::USD)),
            score: None,
            owner: Some(UserRef {
                id: 7,
                name: "Dana Whitfield".into(),
            }),
            team_id: Some(crate::domain::access::TeamId(1)),
            stage_id: StageId(1),
            next_step: Some(NextStep {
                kind: NextStepKind::Call,
                due_at: Timestamp(2_000_000_000_000),
                note: None,
            }),
            created_at: Timestamp(1_700_000_000_000),
            updated_at: Timestamp(1_700_000_000_000),
            first_touched_at: None,
            last_touched_at: None,
            stage_entered_at: Timestamp(1_700_000_000_000),
            closed_at: None,
            close_reason: None,
            close_note: None,
            score_reasons: Vec::new(),
            suggest_close: None,
        }
    }

    #[test]
    fn initials_take_the_first_letters_of_the_first_two_names() {
        let u = |n: &str| UserRef {
            id: 1,
            name: n.into(),
        };
        assert_eq!(u("Dana Whitfield").initials(), "DW");
        assert_eq!(u("cher").initials(), "C");
        assert_eq!(u("Jean Luc Picard").initials(), "JL");
    }

    #[test]
    fn keys_round_trip_for_every_enumerated_value() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.key()), Some(c));
        }
        for r in CloseReason::ALL {
            assert_eq!(CloseReason::parse(r.key()), Some(r));
        }
        for k in NextStepKind::ALL {
            assert_eq!(NextStepKind::parse(k.key()), Some(k));
        }
    }

    #[test]
    fn serde_uses_the_same_keys_as_the_database() {
        for r in CloseReason::ALL {
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.key())
            );
        }
        for c in Channel::ALL {
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.key())
            );
        }
    }

    #[test]
    fn a_card_is_titled_by_company_then_contact() {
        let mut lead = sample_lead();
        assert_eq!(lead.title(), "Analytical Engines Ltd");
        lead.company = None;
        assert_eq!(lead.title(), "Ada Byron");
    }
}
