//! The pure domain: lead, stage, money, time, the rules that decide a stage move, and the
//! follow-up policy with its business-hour clocks.
//!
//! No Leptos, no sqlx, no IO: the same code runs natively on the server (which enforces it)
//! and in WASM in the browser (which previews it), and is unit-tested natively.

pub mod access;
pub mod account;
pub mod activity;
pub mod board;
pub mod calendar;
pub mod campaign;
pub mod compliance;
pub mod contact;
pub mod event;
pub mod fields;
pub mod filter;
pub mod forecast;
pub mod ids;
pub mod import;
pub mod keyed;
pub mod lead;
pub mod money;
pub mod moves;
pub mod pipeline_form;
pub mod policy;
pub mod policy_form;
pub mod quota;
pub mod quote;
pub mod recognition;
pub mod review;
pub mod roi;
pub mod routing;
pub mod score;
pub mod stage;
pub mod time;
pub mod today;
pub mod wall;
pub mod zone;

pub use access::{Actor, LeadScope, Principal, Role, TeamId, UserId};
pub use account::Email;
pub use board::{ColumnSummary, NextStepStatus};
pub use filter::{BoardFilter, CardSort, ColumnPage, FilterOptions};
pub use lead::{Channel, CloseReason, Lead, LeadId, NextStep, NextStepKind, UserRef};
pub use money::{Currency, Money};
pub use moves::{apply_move, AssignRequest, MoveRejection, MoveRequest};
pub use policy::{
    check_worked, check_write, entry_requirements, escalation_due, evaluate, next_change,
    next_rung_at, refusal_message, EscalationStep, Finding, FindingKind, Policies, Policy,
};
pub use stage::{Criterion, Pipeline, PipelineId, Pipelines, Stage, StageId, StageKind};
pub use time::Timestamp;
