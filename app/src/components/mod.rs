//! Reusable pieces of the UI.

pub mod bell;
pub mod chart;
pub mod custom_fields;
pub mod files;
pub mod guard;
pub mod header;
pub mod keys;
pub mod lead_card;
pub mod lead_panel;
pub mod lead_picker;
pub mod live;
pub mod loaded;
pub mod new_lead;
pub mod outage;
pub mod quota;
pub mod status;
