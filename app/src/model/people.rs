//! Server functions of the contact and company pages, and the privacy erasure.

use crate::domain::{Lead, LeadId, Pipelines, Timestamp};
use serde::{Deserialize, Serialize};

/// A person on file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactCard {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// (id, name)
    pub company: Option<(i64, String)>,
    /// When their personal data was erased on request.
    pub erased_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// One activity on one of the leads a page lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryItem {
    pub at: Timestamp,
    pub lead_id: LeadId,
    pub lead_title: String,
    /// "Call · Reached", "Inquiry", …
    pub title: String,
    pub who: Option<String>,
    pub note: Option<String>,
}

/// What a contact's or a company's page shows: the people, every lead the viewer may see (open
/// and closed), how many more there are that they may not, and the newest activities on them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleView {
    pub name: String,
    /// The company's people, or the one contact.
    pub contacts: Vec<ContactCard>,
    /// The leads the viewer may see (nothing is said of any others).
    pub leads: Vec<Lead>,
    pub activities: Vec<HistoryItem>,
    pub pipeline: Pipelines,
    /// The viewer may erase a contact's personal data (admins).
    pub can_erase: bool,
}
