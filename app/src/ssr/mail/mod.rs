//! The shared mailbox's machinery: the IMAP client and the message parser. What a message
//! becomes is decided in `service::mailbox`.

pub mod imap;
pub mod parse;
