//! The shared mailbox: its settings as the admin sees them, what it filed, the messages
//! waiting for a rep to file them, and one message in full.

use crate::domain::{LeadId, Timestamp};
use serde::{Deserialize, Serialize};

crate::keyed! {
    /// How the connection to the IMAP server is protected.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Security {
        Tls => "tls", "TLS (port 993)";
        Starttls => "starttls", "STARTTLS (port 143)";
        /// Only to a server on this machine: the password would cross the network in clear.
        None => "none", "None (a server on this machine only)";
    }
}

impl Security {
    /// The port this kind of connection usually uses.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Tls => 993,
            Security::Starttls | Security::None => 143,
        }
    }
}

crate::keyed! {
    /// What became of a message read from the mailbox.
    #[derive(Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum MailOutcome {
        /// A user wrote to someone on file: an e-mail touch on their lead.
        Touch => "touch", "Logged as touches";
        /// Someone on file wrote: an inquiry on their lead.
        Inquiry => "inquiry", "Filed as inquiries";
        /// Someone unknown wrote to a user: waiting in their "To file" list.
        ToFile => "to_file", "Waiting to be filed";
        /// A waiting message a user filed (a new lead, or on a lead).
        Filed => "filed", "Filed by hand";
        /// None of these (the reason says why).
        Skipped => "skipped", "Skipped";
    }
}

/// The admin's form to connect the mailbox. An empty password keeps the stored one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxForm {
    pub host: String,
    /// As typed; empty takes the usual port of `security`.
    pub port: String,
    pub security: String,
    pub username: String,
    pub password: String,
    /// The folder to read; empty is INBOX.
    pub folder: String,
    /// Keep attachments' contents (otherwise only their names and sizes).
    pub keep_attachments: bool,
    /// The source of leads made from the mailbox's messages.
    pub source_id: Option<i64>,
}

/// The connected mailbox (never its password).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxSummary {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    pub folder: String,
    pub keep_attachments: bool,
    pub source_id: Option<i64>,
    pub connected_by: Option<String>,
    pub connected_at: Timestamp,
    /// The last time the mailbox was read without error.
    pub checked_at: Option<Timestamp>,
    /// What went wrong on the last attempt, if it failed.
    pub error: Option<String>,
}

/// A message that was skipped, and why (the admin's list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedMail {
    pub received_at: Timestamp,
    pub from: Option<String>,
    pub subject: String,
    pub reason: String,
}

/// The mailbox page of an admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxStatus {
    /// Whether the server has a key to seal the password with (CLOSELOOP_SECRET_KEY).
    pub key_configured: bool,
    pub mailbox: Option<MailboxSummary>,
    /// How many messages came to each outcome, in [`MailOutcome::ALL`] order.
    pub counts: Vec<(MailOutcome, i64)>,
    /// The latest skipped messages, newest first.
    pub skipped: Vec<SkippedMail>,
    /// The sources a lead made from a message may be attributed to: (id, name).
    pub sources: Vec<(i64, String)>,
    /// Seconds between reads of the mailbox.
    pub poll_seconds: u64,
}

/// A message waiting in a rep's "To file" list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingMail {
    pub id: i64,
    pub from_name: Option<String>,
    pub from_address: String,
    pub subject: String,
    pub sent_at: Timestamp,
    /// The first lines of the text.
    pub excerpt: String,
    /// Whom it was written to (a manager sees their reps' messages too).
    pub for_user: String,
}

/// The "To file" page: the messages, and the open leads they may be filed on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailToFile {
    pub messages: Vec<WaitingMail>,
    pub leads: Vec<crate::domain::lead::LeadOption>,
}

/// An attachment of a message: its name and size, and whether its contents were kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// Downloadable at `/mail/<id>/attachments/<position>`.
    pub kept: bool,
}

/// One message in full, as its lead's viewers (or the rep it waits for) read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailView {
    pub id: i64,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub sent_at: Option<Timestamp>,
    pub body: String,
    pub attachments: Vec<AttachmentInfo>,
    pub outcome: MailOutcome,
    /// The lead it is filed on: (id, title).
    pub lead: Option<(LeadId, String)>,
    /// Whether the reader may file it (it waits in their list, or a rep's they manage).
    pub may_file: bool,
}

/// The first `lines` non-empty lines of a text, at most `chars` characters, quoted replies
/// ("> …") and signature separators left out.
pub fn excerpt(text: &str, lines: usize, chars: usize) -> String {
    let mut out = String::new();
    for line in text
        .lines()
        .map(str::trim)
        .take_while(|l| *l != "--")
        .filter(|l| !l.is_empty() && !l.starts_with('>'))
        .take(lines)
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(line);
    }
    if out.chars().count() > chars {
        out = out.chars().take(chars.saturating_sub(1)).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_the_first_lines_without_quotes_or_signature() {
        let text = "Hi Ada,\n\n> you wrote\nThanks for the call.\nPrices attached.\n--\nDana";
        assert_eq!(excerpt(text, 2, 200), "Hi Ada, Thanks for the call.");
        assert_eq!(
            excerpt(text, 5, 200),
            "Hi Ada, Thanks for the call. Prices attached."
        );
        assert_eq!(excerpt(text, 5, 10), "Hi Ada, T…");
        assert_eq!(excerpt("", 3, 10), "");
    }

    #[test]
    fn each_security_has_its_usual_port() {
        assert_eq!(Security::Tls.default_port(), 993);
        assert_eq!(Security::parse("starttls"), Some(Security::Starttls));
        assert_eq!(Security::Starttls.default_port(), 143);
    }
}
