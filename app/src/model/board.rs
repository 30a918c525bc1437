//! The board as the server sends it: every column's summary and first page of cards, with
//! what the browser needs to judge moves the way the server will.

use crate::domain::{Actor, BoardFilter, ColumnSummary, Lead, Pipelines, Policies, Timestamp};
use serde::{Deserialize, Serialize};

/// One column as first loaded: its summary and the first page of cards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BoardColumn {
    pub summary: ColumnSummary,
    pub cards: Vec<Lead>,
    /// Where the next page of this column starts, when there is one.
    pub next: Option<String>,
}

/// The whole board as the server renders it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Board {
    pub pipeline: Pipelines,
    pub columns: Vec<BoardColumn>,
    /// The server's clock when the board was read: chips are computed against it so that the
    /// server-rendered and the hydrated page agree.
    pub now: Timestamp,
    /// Most cards loaded per column.
    pub page_size: i64,
    /// The newest event id when the board was read: the live feed resumes after it, so no
    /// change committed between render and connect is missed.
    pub last_event_id: i64,
    /// Who the board was read for: the UI asks `access::edit_lead` with it to decide which
    /// cards can be dragged (the server decides again on every move).
    pub viewer: Actor,
    /// The filter the board was read with (the URL's).
    pub filter: BoardFilter,
    /// The follow-up policies in force: cards show what their lead breaks.
    pub policies: Policies,
}
