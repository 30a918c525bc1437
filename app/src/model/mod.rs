//! The wire and view types every layer shares: what a page, the REST API and the live feed
//! send and receive. Serde only (no Leptos, no sqlx): the service builds them, the server
//! functions in `api` and the REST handlers send them, the pages render them.

pub mod accounts;
pub mod board;
pub mod calendar;
pub mod campaigns;
pub mod compliance;
pub mod dedupe;
pub mod fields;
pub mod forecast;
pub mod import;
pub mod inbox;
pub mod intake;
pub mod keys;
pub mod lead;
pub mod live;
pub mod mailbox;
pub mod people;
pub mod pipelines;
pub mod quotas;
pub mod quotes;
pub mod recognition;
pub mod review;
pub mod roi;
pub mod routing;
pub mod today;
pub mod webhooks;

pub use live::{LiveEvent, LiveKind};
