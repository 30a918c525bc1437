//! Outbound webhooks as the admin's page shows them: the endpoints, what each wants, and its
//! delivery log.

use crate::domain::{LeadId, Timestamp};
use serde::{Deserialize, Serialize};

crate::keyed! {
    /// What an endpoint can ask to be told about.
    #[derive(Hash, Serialize, Deserialize)]
    pub enum WebhookKind {
        #[serde(rename = "lead.created")]
        LeadCreated => "lead.created", "Lead created";
        #[serde(rename = "lead.moved")]
        LeadMoved => "lead.moved", "Lead moved to an open stage";
        #[serde(rename = "lead.won")]
        LeadWon => "lead.won", "Lead won";
        #[serde(rename = "lead.lost")]
        LeadLost => "lead.lost", "Lead lost";
        #[serde(rename = "lead.assigned")]
        LeadAssigned => "lead.assigned", "Lead assigned";
        #[serde(rename = "touch.logged")]
        TouchLogged => "touch.logged", "Touch logged";
        #[serde(rename = "policy.breach")]
        PolicyBreach => "policy.breach", "Follow-up policy breach";
    }
}

/// The admin's form for a new endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookForm {
    pub url: String,
    /// Keys of [`WebhookKind`].
    pub kinds: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// Lets the endpoint be on a private or loopback address (and plain http): for systems
    /// on the company's own network. Off, such addresses are refused (no request forgery).
    #[serde(default)]
    pub allow_private: bool,
}

crate::keyed! {
    /// Where a delivery stands.
    #[derive(Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum DeliveryStatus {
        Pending => "pending", "Pending";
        Delivered => "delivered", "Delivered";
        Failed => "failed", "Gave up";
    }
}

/// One delivery of one event to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    /// The event's id: the `webhook-id` header is `evt_<event_id>`, the same on every attempt.
    pub event_id: i64,
    pub kind: WebhookKind,
    pub lead_id: Option<LeadId>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// The receiver's last HTTP status, if it answered.
    pub last_code: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// An endpoint, with its recent deliveries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSummary {
    pub id: i64,
    pub url: String,
    pub kinds: Vec<WebhookKind>,
    pub description: String,
    pub allow_private: bool,
    pub created_at: Timestamp,
    pub created_by: Option<String>,
    pub pending: i64,
    pub failed: i64,
    /// The newest deliveries first.
    pub deliveries: Vec<Delivery>,
}

/// The admin's webhooks page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksPage {
    /// Whether the server can keep signing secrets (CLOSELOOP_SECRET_KEY).
    pub key_configured: bool,
    pub webhooks: Vec<WebhookSummary>,
}

/// A new endpoint: its signing secret, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedWebhook {
    pub id: i64,
    /// `whsec_…` (Standard Webhooks): the receiver verifies signatures with it.
    pub secret: String,
}

/// The wait before attempt `attempts + 1` after `attempts` failed ones: 5 s, 20 s, 80 s, …
/// four times longer each time, at most 6 hours.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let n = attempts.clamp(1, 12) - 1;
    (5_000i64 * 4i64.pow(n as u32)).min(6 * 3_600_000)
}

/// How long a delivery is retried before it is given up: a day.
pub const RETRY_FOR_MS: i64 = 24 * 3_600_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_six_hours_and_span_a_day() {
        assert_eq!(retry_delay_ms(1), 5_000);
        assert_eq!(retry_delay_ms(2), 20_000);
        assert_eq!(retry_delay_ms(3), 80_000);
        assert_eq!(retry_delay_ms(12), 6 * 3_600_000);
        let mut at = 0;
        let mut attempts = 0;
        while at <= RETRY_FOR_MS {
            attempts += 1;
            at += retry_delay_ms(attempts);
        }
        assert!(
            (10..=16).contains(&attempts),
            "{attempts} attempts in a day"
        );
    }

    #[test]
    fn kinds_have_dotted_keys() {
        assert_eq!(WebhookKind::parse("lead.won"), Some(WebhookKind::LeadWon));
        assert!(WebhookKind::ALL.iter().all(|k| k.key().contains('.')));
    }
}
