//! Wire and view types of quotes (`/quotes/:id`, the lead panel's list) and the
//! product catalogue (`/admin/products`).

use crate::domain::quote::{Company, Product, Quote};
use crate::domain::{Lead, Timestamp};
use serde::{Deserialize, Serialize};

/// The quote page: the quote, the lead it is for, the seller, and what the viewer may do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuoteView {
    pub quote: Quote,
    pub lead: Lead,
    /// The lead's stage name.
    pub stage: String,
    pub company: Company,
    /// The viewer may edit the draft and change its status (the lead's editors, while the
    /// lead is open).
    pub can_edit: bool,
    /// Active catalogue products to add as lines.
    pub products: Vec<Product>,
    /// Who drafted it.
    pub author: Option<String>,
    pub now: Timestamp,
}
