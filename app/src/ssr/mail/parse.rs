//! A raw message as the filing needs it: who wrote to whom, when, the text (HTML-only bodies
//! turned into text, every charset decoded), attachments by name and size, and a message it
//! forwards (attached as `message/rfc822`, or quoted inline under a "Forwarded message" line).

use crate::domain::Timestamp;
use mail_parser::{Address, Message, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

/// Most characters of text kept per message.
pub const MAX_BODY_CHARS: usize = 100_000;

/// A person in a header: lower-case address and display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub address: String,
    pub name: Option<String>,
}

impl Person {
    /// "Ada Byron <ada@example.com>", or the address alone.
    pub fn display(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} <{}>", self.address),
            None => self.address.clone(),
        }
    }
}

/// An attachment, with its contents.
#[derive(Clone, Debug)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// A parsed message.
#[derive(Clone, Debug)]
pub struct Mail {
    /// The Message-ID, or a digest of the whole message when it has none: the key that keeps
    /// a message from being filed twice.
    pub key: String,
    pub from: Option<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub subject: String,
    pub date: Option<Timestamp>,
    pub body: String,
    pub attachments: Vec<Attachment>,
    /// The message this one forwards.
    pub forwarded: Option<Box<Mail>>,
    /// Sent by a machine (an auto-reply, a bounce, a list): `Auto-Submitted` or `Precedence`.
    pub automatic: bool,
}

impl Mail {
    /// Every recipient, To before Cc.
    pub fn recipients(&self) -> impl Iterator<Item = &Person> {
        self.to.iter().chain(self.cc.iter())
    }
}

/// Parses `raw`, or says why it cannot be filed.
pub fn parse(raw: &[u8]) -> Result<Mail, String> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| "malformed: not an e-mail message".to_string())?;
    let mut mail = read(&message, raw)?;
    if mail.forwarded.is_none() {
        mail.forwarded = inline_forward(&mail.body).map(Box::new);
    }
    Ok(mail)
}

fn read(message: &Message<'_>, raw: &[u8]) -> Result<Mail, String> {
    let from = message
        .from()
        .and_then(|a| people(a).into_iter().next())
        .ok_or_else(|| "malformed: no sender (From) address".to_string())?;
    let key = match message.message_id() {
        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
        _ => format!("sha256:{:x}", Sha256::digest(raw)),
    };
    let mut body = message
        .body_text(0)
        .map(|t| t.replace("\r\n", "\n"))
        .unwrap_or_default();
    if body.chars().count() > MAX_BODY_CHARS {
        body = body.chars().take(MAX_BODY_CHARS).collect();
        body.push_str("\n[…]");
    }
    let mut attachments = Vec::new();
    let mut forwarded = None;
    for part in message.attachments() {
        if let (Some(inner), None) = (part.message(), forwarded.as_ref()) {
            if let Ok(m) = read(inner, part.contents()) {
                forwarded = Some(Box::new(m));
            }
        }
        let content_type = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{}", c.ctype(), s),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into());
        let name = part
            .attachment_name()
            .map(str::to_string)
            .or_else(|| {
                part.message()
                    .and_then(|m| m.subject())
                    .map(|s| format!("{s}.eml"))
            })
            .unwrap_or_else(|| "attachment".into());
        attachments.push(Attachment {
            name,
            content_type,
            data: part.contents().to_vec(),
        });
    }
    Ok(Mail {
        key,
        from: Some(from),
        to: message.to().map(people).unwrap_or_default(),
        cc: message.cc().map(people).unwrap_or_default(),
        subject: message.subject().unwrap_or("").trim().to_string(),
        date: message
            .date()
            .map(|d| Timestamp(d.to_timestamp().saturating_mul(1000))),
        body,
        attachments,
        forwarded,
        automatic: automatic(message),
    })
}

fn automatic(message: &Message<'_>) -> bool {
    let header = |name: &'static str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    header("Auto-Submitted").is_some_and(|v| v != "no")
        || header("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list"))
}

fn people(address: &Address<'_>) -> Vec<Person> {
    address
        .iter()
        .filter_map(|a| {
            let address = a.address()?.trim().to_lowercase();
            address.contains('@').then(|| Person {
                address,
                name: a
                    .name()
                    .map(|n| n.trim().trim_matches('"').to_string())
                    .filter(|n| !n.is_empty()),
            })
        })
        .collect()
}

/// A message forwarded inline: after a marker line, a header block naming its sender.
fn inline_forward(body: &str) -> Option<Mail> {
    const MARKERS: [&str; 4] = [
        "forwarded message",
        "begin forwarded message",
        "original message",
        "weitergeleitete nachricht",
    ];
    let lines: Vec<&str> = body.lines().collect();
    let start = lines.iter().position(|l| {
        let l = l
            .trim()
            .trim_matches(|c| c == '-' || c == ' ')
            .to_lowercase();
        MARKERS.iter().any(|m| l.trim_end_matches(':') == *m)
    })?;
    let mut from = None;
    let mut subject = String::new();
    let mut end = start + 1;
    for (i, line) in lines.iter().enumerate().skip(start + 1).take(12) {
        let line = line.trim().trim_start_matches('>').trim();
        if line.is_empty() && from.is_some() {
            end = i + 1;
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        match name.trim().to_lowercase().as_str() {
            "from" | "von" | "de" => from = sender(value),
            "subject" | "betreff" | "objet" => subject = value.trim().to_string(),
            _ => {}
        }
        end = i + 1;
    }
    let from = from?;
    let body = lines[end.min(lines.len())..].join("\n");
    Some(Mail {
        key: String::new(),
        from: Some(from),
        to: Vec::new(),
        cc: Vec::new(),
        subject,
        date: None,
        body,
        attachments: Vec::new(),
        forwarded: None,
        automatic: false,
    })
}

/// "Ada Byron <ada@example.com>" or a bare address.
fn sender(value: &str) -> Option<Person> {
    let value = value.trim();
    let (name, address) = match (value.rfind('<'), value.rfind('>')) {
        (Some(a), Some(b)) if a < b => (
            Some(value[..a].trim().trim_matches('"').to_string()),
            &value[a + 1..b],
        ),
        _ => (None, value),
    };
    let address = address.trim().to_lowercase();
    (address.contains('@') && !address.contains(char::is_whitespace)).then(|| Person {
        address,
        name: name.filter(|n| !n.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_body_and_encodings_are_read() {
        let raw = b"From: =?UTF-8?Q?Dana_M=C3=BCller?= <Dana@Example.com>\r\n\
To: Ada <ada@analytical.test>, bob@b.test\r\nCc: box@closeloop.test\r\n\
Subject: =?ISO-8859-1?Q?Pr=E4sentation?=\r\nMessage-ID: <m1@x>\r\n\
Date: Mon, 07 Dec 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe aus K=F6ln\r\n";
        let m = parse(raw).unwrap();
        assert_eq!(m.key, "m1@x");
        let from = m.from.unwrap();
        assert_eq!(from.address, "dana@example.com");
        assert_eq!(from.name.as_deref(), Some("Dana Müller"));
        assert_eq!(
            m.to.iter().map(|p| p.address.as_str()).collect::<Vec<_>>(),
            ["ada@analytical.test", "bob@b.test"]
        );
        assert_eq!(m.cc[0].address, "box@closeloop.test");
        assert_eq!(m.subject, "Präsentation");
        assert_eq!(m.body.trim(), "Grüße aus Köln");
        assert_eq!(m.date, Some(Timestamp(1_796_634_000_000)));
    }

    #[test]
    fn an_html_only_body_becomes_text_and_attachments_are_listed() {
        let raw = b"From: a@b.test\r\nTo: c@d.test\r\nSubject: Quote\r\n\
Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>there</b></p><p>Line two</p>\r\n\
--XX\r\nContent-Type: application/pdf; name=quote.pdf\r\n\
Content-Disposition: attachment; filename=quote.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n\
JVBERi0xLjQK\r\n--XX--\r\n";
        let m = parse(raw).unwrap();
        assert!(m.body.contains("Hello there"), "{:?}", m.body);
        assert!(!m.body.contains('<'));
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].name, "quote.pdf");
        assert_eq!(m.attachments[0].content_type, "application/pdf");
        assert_eq!(m.attachments[0].data, b"%PDF-1.4\n");
        assert!(m.key.starts_with("sha256:"), "no Message-ID: a digest");
    }

    #[test]
    fn forwarded_messages_are_found_attached_or_inline() {
        let attached = b"From: rep@closeloop.test\r\nTo: box@closeloop.test\r\nSubject: Fwd: Hi\r\n\
Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nFYI\r\n\
--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: Ada <ada@analytical.test>\r\nTo: rep@closeloop.test\r\n\
Subject: Hi\r\nDate: Sun, 06 Dec 2026 10:00:00 +0000\r\n\r\nCan we talk?\r\n--B--\r\n";
        let m = parse(attached).unwrap();
        let f = m.forwarded.as_ref().expect("attached forward");
        assert_eq!(f.from.as_ref().unwrap().address, "ada@analytical.test");
        assert_eq!(f.subject, "Hi");
        assert!(f.body.contains("Can we talk?"));

        let inline = b"From: rep@closeloop.test\r\nTo: box@closeloop.test\r\nSubject: Fwd: Hi\r\n\r\n\
See below\r\n\r\n---------- Forwarded message ---------\r\nFrom: Ada Byron <Ada@Analytical.test>\r\n\
Date: Sun, Dec 6, 2026 at 10:00 AM\r\nSubject: Hi\r\nTo: <rep@closeloop.test>\r\n\r\nCan we talk?\r\n";
        let m = parse(inline).unwrap();
        let f = m.forwarded.as_ref().expect("inline forward");
        let from = f.from.as_ref().unwrap();
        assert_eq!(from.address, "ada@analytical.test");
        assert_eq!(from.name.as_deref(), Some("Ada Byron"));
        assert_eq!(f.subject, "Hi");
        assert_eq!(f.body.trim(), "Can we talk?");
    }

    #[test]
    fn machine_mail_is_told_apart() {
        let reply = parse(b"From: a@b.test\r\nAuto-Submitted: auto-replied\r\n\r\nAway").unwrap();
        assert!(reply.automatic);
        let bulk = parse(b"From: a@b.test\r\nPrecedence: bulk\r\n\r\nNews").unwrap();
        assert!(bulk.automatic);
        let person = parse(b"From: a@b.test\r\nAuto-Submitted: no\r\n\r\nHi").unwrap();
        assert!(!person.automatic);
    }

    #[test]
    fn a_message_without_a_sender_is_malformed() {
        assert!(parse(b"\x00\x01garbage without headers")
            .unwrap_err()
            .starts_with("malformed"));
        assert!(parse(b"").is_err());
        assert!(parse(b"Subject: no sender\r\n\r\nbody")
            .unwrap_err()
            .contains("From"));
    }
}
