//! What an inquiry is sent as (a web form, an integration, the REST API) and what its sender
//! is answered.

use crate::domain::account::{Campaign, Person, SourceSummary};
use crate::domain::contact::{Identity, Phone, DEFAULT_CALLING_CODE};
use crate::domain::{Currency, Email, LeadId, Money, Timestamp};
use crate::error::AppError;
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
    /// Custom field values, already checked against their definitions (an import's mapped
    /// columns). Never read from the wire: a web form or integration cannot set them.
    #[serde(skip)]
    pub fields: crate::domain::fields::FieldValues,
}

/// Longest free message of an inquiry, in characters.
pub const MAX_MESSAGE: usize = 5_000;

fn optional_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, AppError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > max => Err(AppError::field(
            field,
            format!("{field} has at most {max} characters"),
        )),
        Some(s) => Ok(Some(s.to_string())),
    }
}

/// An inquiry checked field by field: every field's error at once, nothing half-accepted.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
pub(crate) struct Checked {
    pub(crate) name: String,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) company: Option<String>,
    pub(crate) product_interest: Option<String>,
    pub(crate) value: Option<Money>,
    pub(crate) message: Option<String>,
    pub(crate) country: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) postcode: Option<String>,
    pub(crate) identity: Identity,
    pub(crate) fields: crate::domain::fields::FieldValues,
}

/// Checks an inquiry field by field, as every intake path does before it writes anything.
pub fn validate(lead: &IntakeLead) -> Result<(), AppError> {
    check(lead).map(|_| ())
}

pub(crate) fn check(lead: &IntakeLead) -> Result<Checked, AppError> {
    let mut fields = Vec::new();
    let mut keep = |r: Result<Option<String>, AppError>| match r {
        Ok(v) => v,
        Err(AppError::Validation { fields: f, .. }) => {
            fields.extend(f);
            None
        }
        Err(_) => None,
    };
    let name = lead.contact_name.trim().to_string();
    let name_error = (name.is_empty() || name.chars().count() > 200).then(|| {
        AppError::field(
            "contact_name",
            "Give the contact's name (1 to 200 characters)",
        )
    });
    let email = keep(optional_text("email", &lead.email, 254).and_then(|e| {
        e.map(|e| Email::parse(&e).map(|e| e.to_string()))
            .transpose()
            .map_err(|m| AppError::field("email", m))
    }));
    let phone = keep(optional_text("phone", &lead.phone, 40).and_then(|p| {
        match p {
            Some(p) => Phone::parse(&p, DEFAULT_CALLING_CODE)
                .map(|_| Some(p))
                .map_err(|m| AppError::field("phone", m)),
            None => Ok(None),
        }
    }));
    let company = keep(optional_text("company", &lead.company, 200));
    let product_interest = keep(optional_text(
        "product_interest",
        &lead.product_interest,
        200,
    ));
    let message = keep(optional_text("message", &lead.message, MAX_MESSAGE));
    let country = keep(
        optional_text("country", &lead.country, 2).and_then(|c| match c {
            Some(c) if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
                Ok(Some(c.to_ascii_uppercase()))
            }
            Some(c) => Err(AppError::field(
                "country",
                format!("\"{c}\" is not a two-letter country code (US, GB, DE, …)"),
            )),
            None => Ok(None),
        }),
    );
    let region = keep(optional_text("region", &lead.region, 100));
    let postcode = keep(optional_text("postcode", &lead.postcode, 20));
    let value = match lead.value_cents {
        None => None,
        Some(c) if c < 0 => {
            keep(Err(AppError::field(
                "value_cents",
                "A value cannot be negative",
            )));
            None
        }
        Some(c) => match Currency::parse(lead.currency.as_deref().unwrap_or("USD")) {
            Ok(currency) => Some(Money::new(c, currency)),
            Err(m) => {
                keep(Err(AppError::field("currency", m)));
                None
            }
        },
    };
    if let Some(AppError::Validation { fields: f, .. }) = name_error {
        fields.splice(0..0, f);
    }
    let has_email_error = fields
        .iter()
        .any(|f| f.field == "email" || f.field == "phone");
    if email.is_none() && phone.is_none() && !has_email_error {
        fields.push(crate::error::FieldError {
            field: "email".into(),
            message: "Give an e-mail address or a phone number".into(),
        });
    }
    if !fields.is_empty() {
        let message = fields
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(AppError::Validation { message, fields });
    }
    let identity = Identity::of(
        &name,
        email.as_deref(),
        phone.as_deref(),
        company.as_deref(),
    );
    Ok(Checked {
        name,
        email,
        phone,
        company,
        product_interest,
        value,
        message,
        country,
        region,
        postcode,
        identity,
        fields: lead.fields.clone(),
    })
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
    /// Who the lead is for: a manager may give it to a rep or manager of their teams (none:
    /// the assignment rules decide); a rep's lead is theirs.
    #[serde(default)]
    pub owner_id: Option<i64>,
}

impl NewLeadRequest {
    /// The inquiry part of the request, as every intake path checks it.
    pub fn inquiry(&self) -> IntakeLead {
        IntakeLead {
            contact_name: self.contact_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            company: self.company.clone(),
            product_interest: self.product_interest.clone(),
            value_cents: self.value_cents,
            currency: self.currency.clone(),
            message: self.message.clone(),
            country: self.country.clone(),
            region: self.region.clone(),
            postcode: self.postcode.clone(),
            website: None,
            fields: Default::default(),
        }
    }
}

/// What the "New lead" form offers the person entering one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLeadChoices {
    pub sources: Vec<SourceSummary>,
    /// Campaigns still running (or not yet ended), newest first; the form shows the chosen
    /// source's.
    pub campaigns: Vec<Campaign>,
    /// Active catalogue products, suggested for "product interest".
    pub products: Vec<String>,
    /// Whom a manager may give the new lead to (empty for a rep: a rep's lead is theirs).
    pub owners: Vec<Person>,
    /// The currency a value is in unless another is chosen.
    pub currency: String,
}

/// A lead already on file that the person being typed in may be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownLead {
    pub lead_id: LeadId,
    pub contact_name: String,
    pub company: Option<String>,
    pub owner: Option<String>,
    pub stage: String,
    pub open: bool,
    pub last_touch: Option<Timestamp>,
    /// Same e-mail or phone (surely the person), or only likely (a similar name).
    pub exact: bool,
    /// Why it matched, in words ("Same e-mail address").
    pub reasons: Vec<String>,
    /// Whether the inquiry may be added to this lead instead of saving a new one.
    pub can_add: bool,
}

impl KnownLead {
    /// "Ada Byron at Analytical Engines already has an open lead owned by Dana (Contacted,
    /// last touch 3 days ago)".
    pub fn sentence(&self, now: Timestamp) -> String {
        let who = match &self.company {
            Some(c) => format!("{} at {c}", self.contact_name),
            None => self.contact_name.clone(),
        };
        let lead = if self.open {
            "an open lead"
        } else {
            "a closed lead"
        };
        let owner = match &self.owner {
            Some(o) => format!(" owned by {o}"),
            None => " nobody owns yet".to_string(),
        };
        let touch = match self.last_touch {
            Some(t) => format!("last touch {}", crate::domain::time::ago(t, now)),
            None => "not touched yet".to_string(),
        };
        let has = if self.exact {
            "already has"
        } else {
            "may be the person with"
        };
        format!("{who} {has} {lead}{owner} ({}, {touch})", self.stage)
    }
}

/// What became of a lead saved from the "New lead" form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLeadSaved {
    pub receipt: IntakeReceipt,
    /// Whether the person who saved it may open the lead (a manager's lead that the rules gave
    /// to another team's rep is out of their sight from then on).
    pub visible: bool,
}

/// What saving the form as it stands would do: the people on file it matches (only leads the
/// person may see), the lead the inquiry would be added to, and who the new lead would go to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLeadPreview {
    pub matches: Vec<KnownLead>,
    /// The open lead "Save" adds the inquiry to (the same person, surely, whose leads are all
    /// the asker's to change): one person, one open lead.
    pub adds_to: Option<LeadId>,
    /// Who a new lead would go to, in words ("Yours", "Sam Lee, by the rule “West”").
    pub goes_to: Option<String>,
    pub now: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_lead_reads_as_a_sentence() {
        let day = 86_400_000;
        let known = KnownLead {
            lead_id: LeadId(4),
            contact_name: "Ada Byron".into(),
            company: Some("Analytical Engines".into()),
            owner: Some("Dana".into()),
            stage: "Contacted".into(),
            open: true,
            last_touch: Some(Timestamp(10 * day)),
            exact: true,
            reasons: vec![],
            can_add: true,
        };
        assert_eq!(
            known.sentence(Timestamp(13 * day + 5)),
            "Ada Byron at Analytical Engines already has an open lead owned by Dana \
             (Contacted, last touch 3 days ago)"
        );
        let quiet = KnownLead {
            company: None,
            owner: None,
            last_touch: None,
            exact: false,
            ..known
        };
        assert_eq!(
            quiet.sentence(Timestamp(13 * day)),
            "Ada Byron may be the person with an open lead nobody owns yet (Contacted, not touched yet)"
        );
    }

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
