//! What an inquiry is sent as (a web form, an integration, the REST API) and what its sender
//! is answered.

use crate::domain::LeadId;
use serde::{Deserialize, Serialize};

/// An inquiry as a web form or integration submits it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IntakeLead {
    #[serde(alias = "name")]
    pub contact_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub product_interest: Option<String>,
    /// Estimated value in minor units (cents).
    #[serde(default)]
    pub value_cents: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    /// What the person wrote.
    #[serde(default)]
    pub message: Option<String>,
    /// Where they are, for territory rules: ISO 3166 two-letter code, region or state, postcode.
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default, alias = "state")]
    pub region: Option<String>,
    #[serde(default, alias = "zip")]
    pub postcode: Option<String>,
    /// The honeypot: a field people never see and never fill. Anything in it marks the
    /// submission as a bot's: it is answered like any other and discarded.
    #[serde(default)]
    pub website: Option<String>,
}

crate::keyed! {
    /// What became of an inquiry.
    #[derive(Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum IntakeOutcome {
        /// A new lead (new person, or a person whose leads are all closed).
        Created => "created", "New lead";
        /// The person has an open lead: the inquiry was added to it.
        Attached => "attached", "Added to the open lead";
        /// Caught by the honeypot; nothing was stored.
        Discarded => "discarded", "Discarded";
    }
}

/// The answer to an inquiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IntakeReceipt {
    /// The lead the inquiry is on (none when discarded).
    pub lead_id: Option<LeadId>,
    pub outcome: IntakeOutcome,
    /// Leads of people this one is likely (not surely) to be, flagged for the merge screen.
    pub possible_duplicates: Vec<LeadId>,
    /// True when this repeats an earlier submission with the same `Idempotency-Key`.
    pub replayed: bool,
    /// The rep an assignment rule gave the new lead to (none: it waits unassigned, or the
    /// inquiry went to an existing lead).
    #[serde(default)]
    pub assigned_to: Option<String>,
}

/// A lead entered through the REST API by a signed-in rep or manager.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewLeadRequest {
    /// The source the lead is attributed to (`GET /sources`).
    pub source_id: i64,
    /// A campaign of that source (`GET /campaigns`).
    #[serde(default)]
    pub campaign_id: Option<i64>,
    pub contact_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub product_interest: Option<String>,
    /// Estimated value in minor units (cents).
    #[serde(default)]
    pub value_cents: Option<i64>,
    /// ISO 4217 code of the value; USD when not given.
    #[serde(default)]
    pub currency: Option<String>,
    /// What the person asked, kept as the lead's first inquiry.
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postcode: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_travels_as_its_key() {
        for o in IntakeOutcome::ALL {
            assert_eq!(
                serde_json::to_string(&o).unwrap(),
                format!("\"{}\"", o.key())
            );
        }
    }
}
