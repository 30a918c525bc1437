//! Server functions of the import screen: upload a file, check or import it as a background
//! job, cancel. Progress arrives over `/api/imports/{id}/progress` (server-sent events).

use crate::domain::account::{Campaign, SourceSummary};
use serde::{Deserialize, Serialize};

/// What an import can be attributed to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportChoices {
    pub sources: Vec<SourceSummary>,
    pub campaigns: Vec<Campaign>,
}
