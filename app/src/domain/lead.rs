//! The lead (an inquiry) and the small value types it is made of.

use super::ids::{StageId, TeamId};
use super::money::Money;
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

crate::keyed! {
    /// Where an inquiry came from, for cost and return per channel.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum Channel {
        Advertising => "advertising", "Advertising";
        TradeShow => "trade_show", "Trade show";
        DirectMail => "direct_mail", "Direct mail";
        Web => "web", "Web";
        Pr => "pr", "PR";
        Referral => "referral", "Referral";
        Social => "social", "Social";
        Other => "other", "Other";
    }
}

crate::keyed! {
    /// Why a lead was lost. Every lost lead has one: it is what makes close-out measurable.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum CloseReason {
        NotABuyer => "not_a_buyer", "Not a buyer";
        NoBudget => "no_budget", "No budget";
        BoughtElsewhere => "bought_elsewhere", "Bought elsewhere";
        NoResponse => "no_response", "No response";
        Duplicate => "duplicate", "Duplicate";
        SpamBadData => "spam_bad_data", "Spam / bad data";
        /// Needs a note saying what happened.
        Other => "other", "Other";
    }
}

crate::keyed! {
    /// The kind of the next planned touch.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum NextStepKind {
        Call => "call", "Call";
        Email => "email", "Email";
        Meeting => "meeting", "Meeting";
        SendQuote => "send_quote", "Send quote";
        FollowUp => "follow_up", "Follow up";
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
    pub team_id: Option<TeamId>,
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
    /// Custom field values by field key (`domain::fields`), in their stored shapes.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub fields: super::fields::FieldValues,
    /// The day the lead is expected to close (`YYYY-MM-DD`): the forecast's month.
    #[serde(default)]
    pub expected_close: Option<String>,
    /// The rep commits to winning it by then: the forecast's "committed" figure.
    #[serde(default)]
    pub committed: bool,
}

impl Lead {
    /// The name a card leads with: the company when known, else the contact.
    pub fn title(&self) -> &str {
        self.company.as_deref().unwrap_or(&self.contact_name)
    }

    /// The person's name where it is not already the title (a lead without a company is
    /// titled by its contact): shown under a title, it never repeats it.
    pub fn contact_beside_title(&self) -> Option<&str> {
        self.company.as_ref().map(|_| self.contact_name.as_str())
    }
}

/// A lead as a picker lists it: enough to tell two "Acme" leads apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadOption {
    pub id: LeadId,
    pub title: String,
    /// The contact, when the title is the company.
    pub contact: Option<String>,
    pub stage: String,
    /// The estimated value, formatted.
    pub value: Option<String>,
}

impl LeadOption {
    /// Whether every word of `query` is in the title, contact or stage (any case).
    pub fn matches(&self, query: &str) -> bool {
        let hay = format!(
            "{} {} {}",
            self.title,
            self.contact.as_deref().unwrap_or(""),
            self.stage
        )
        .to_lowercase();
        query
            .split_whitespace()
            .all(|w| hay.contains(&w.to_lowercase()))
    }

    /// "Ada Byron · Qualified · $12,000".
    pub fn detail(&self) -> String {
        [
            self.contact.clone(),
            Some(self.stage.clone()),
            self.value.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

/// `leads` as a picker lists them: by title (ignoring case), then the larger value first,
/// then the lead number, so equal titles keep a stable order.
/// `stage_name` names a stage (none: "Unknown stage").
pub fn lead_options(
    leads: &[Lead],
    stage_name: impl Fn(StageId) -> Option<String>,
) -> Vec<LeadOption> {
    let mut sorted: Vec<&Lead> = leads.iter().collect();
    sorted.sort_by(|a, b| {
        a.title()
            .to_lowercase()
            .cmp(&b.title().to_lowercase())
            .then_with(|| {
                let v = |l: &Lead| l.value.map_or(0, |m| m.cents);
                v(b).cmp(&v(a))
            })
            .then(a.id.0.cmp(&b.id.0))
    });
    sorted
        .into_iter()
        .map(|l| LeadOption {
            id: l.id,
            title: l.title().to_string(),
            contact: l.contact_beside_title().map(str::to_string),
            stage: stage_name(l.stage_id).unwrap_or_else(|| "Unknown stage".into()),
            value: l.value.map(|v| v.display()),
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::money::Currency;

    /// A fresh lead in stage 1 with a value, an owner and a next step.
    pub fn sample_lead() -> Lead {
        Lead {
            fields: Default::default(),
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
            team_id: Some(TeamId(1)),
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
            expected_close: None,
            committed: false,
        }
    }

    #[test]
    fn a_picker_sorts_thousands_of_leads_and_tells_equal_titles_apart() {
        let leads: Vec<Lead> = (0..5_000)
            .map(|i| {
                let mut l = sample_lead();
                l.id = LeadId(i);
                l.stage_id = StageId(1);
                l.company = Some(["acme", "Zeta", "Acme", "beta"][i as usize % 4].into());
                l.value = Some(Money::new((i % 7) * 100_000, Currency::USD));
                l
            })
            .collect();
        let options = lead_options(&leads, |s| (s == StageId(1)).then(|| "New".into()));
        assert_eq!(options.len(), 5_000);
        let titles: Vec<String> = options.iter().map(|o| o.title.to_lowercase()).collect();
        assert!(titles.windows(2).all(|w| w[0] <= w[1]), "sorted by title");
        // Among the "Acme"s, the largest value first.
        assert_eq!(options[0].detail(), "Ada Byron · New · $6,000");
        assert!(options[0].matches("ACME new"));
        assert!(!options[0].matches("zeta"));
        assert_eq!(options.iter().filter(|o| o.matches("zeta")).count(), 1_250);
    }

    #[test]
    fn the_contact_under_a_title_never_repeats_it() {
        let mut lead = sample_lead();
        assert_eq!(lead.title(), "Analytical Engines Ltd");
        assert_eq!(lead.contact_beside_title(), Some("Ada Byron"));
        lead.company = None;
        assert_eq!(lead.title(), "Ada Byron");
        assert_eq!(lead.contact_beside_title(), None);
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
