//! The custom field settings page as the server sends it.

use crate::domain::ids::FieldId;
use crate::domain::Pipelines;
use serde::{Deserialize, Serialize};

/// Everything `/settings/fields` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSettings {
    /// The pipelines with their stages and every field definition, retired ones too.
    pub pipelines: Pipelines,
    /// How many leads (contacts, companies) have a value for each field.
    pub used: Vec<(FieldId, i64)>,
    /// Whether the viewer may change the fields (admins).
    pub can_edit: bool,
}

impl FieldSettings {
    pub fn used(&self, field: FieldId) -> i64 {
        self.used
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(0, |(_, n)| *n)
    }
}
