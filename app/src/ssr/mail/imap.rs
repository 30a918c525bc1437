//! Reading the shared mailbox over IMAP: connect (implicit TLS, STARTTLS, or plain to this
//! machine only), log in, open the folder, list the messages above a UID with their sizes,
//! and fetch them in batches without marking them read (`BODY.PEEK`).

use crate::model::mailbox::Security;
use async_imap::{Client, Session};
use futures::TryStreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// Longest wait for any one step (connecting, a command, a batch of messages).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// Where and as whom to read.
#[derive(Clone)]
pub struct Account {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    pub password: String,
    pub folder: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

/// What went wrong, and which field of the admin's form it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImapError {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for ImapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn fail(field: &'static str, message: impl Into<String>) -> ImapError {
    ImapError {
        field,
        message: message.into(),
    }
}

/// A byte stream to the server, plain or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}

/// A logged-in connection with the folder open.
pub struct Mailbox {
    session: Session<Box<dyn Io>>,
    /// The folder's UIDVALIDITY: when it changes, old UIDs mean nothing.
    pub uid_validity: u32,
}

/// The certificate authorities trusted: Mozilla's, and any given in `extra` (PEM
/// certificates, for a company's own CA).
pub fn tls_roots(extra: &[CertificateDer<'static>]) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra {
        let _ = roots.add(cert.clone());
    }
    Arc::new(roots)
}

/// Mozilla's authorities and those of the PEM file at `path`, if given.
pub fn roots_with(path: Option<&std::path::Path>) -> Result<Arc<RootCertStore>, String> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    let Some(path) = path else {
        return Ok(tls_roots(&[]));
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: not PEM certificates ({e})", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificates in it", path.display()));
    }
    Ok(tls_roots(&certs))
}

async fn step<T, E: std::fmt::Display>(
    field: &'static str,
    what: &str,
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, ImapError> {
    match tokio::time::timeout(STEP_TIMEOUT, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(fail(field, format!("{what}: {e}"))),
        Err(_) => Err(fail(
            field,
            format!("{what}: no answer in {} s", STEP_TIMEOUT.as_secs()),
        )),
    }
}

/// Whether `host` names this machine (plain IMAP is allowed there only).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn tls(
    stream: TcpStream,
    host: &str,
    roots: &Arc<RootCertStore>,
) -> Result<Box<dyn Io>, ImapError> {
    // ring, not aws-lc-rs: it builds with the C compiler alone (aws-lc needs CMake). It lacks
    // only the post-quantum hybrid key exchange, which mail servers rarely offer yet.
    #[allow(deprecated)]
    let provider = tokio_rustls::rustls::crypto::ring::default_provider();
    let config = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| fail("security", format!("TLS: {e}")))?
        .with_root_certificates(roots.clone())
        .with_no_client_auth();
    let name = ServerName::try_from(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    )
    .map_err(|_| fail("host", format!("“{host}” is not a host name")))?;
    let stream = step(
        "security",
        "TLS handshake",
        TlsConnector::from(Arc::new(config)).connect(name, stream),
    )
    .await?;
    Ok(Box::new(stream))
}

/// Connects, logs in and opens the folder.
pub async fn open(account: &Account, roots: &Arc<RootCertStore>) -> Result<Mailbox, ImapError> {
    if account.security == Security::None && !is_loopback(&account.host) {
        return Err(fail(
            "security",
            "Without TLS the password would cross the network in clear: choose TLS or STARTTLS",
        ));
    }
    let address = format!("{}:{}", account.host, account.port);
    let tcp = step(
        "host",
        &format!("Could not connect to {address}"),
        TcpStream::connect(&address),
    )
    .await?;
    let _ = tcp.set_nodelay(true);
    let mut client: Client<Box<dyn Io>> = match account.security {
        Security::Tls => Client::new(tls(tcp, &account.host, roots).await?),
        Security::None => Client::new(Box::new(tcp) as Box<dyn Io>),
        Security::Starttls => {
            let mut plain = Client::new(tcp);
            greeting(&mut plain).await?;
            step(
                "security",
                "STARTTLS",
                plain.run_command_and_check_ok("STARTTLS", None),
            )
            .await?;
            Client::new(tls(plain.into_inner(), &account.host, roots).await?)
        }
    };
    if account.security != Security::Starttls {
        greeting(&mut client).await?;
    }
    let login = tokio::time::timeout(
        STEP_TIMEOUT,
        client.login(&account.username, &account.password),
    )
    .await
    .map_err(|_| fail("host", "The server did not answer the log-in"))?;
    let mut session = match login {
        Ok(s) => s,
        Err((async_imap::error::Error::No(_), _)) => {
            return Err(fail(
                "password",
                "The server refused this user name and password",
            ))
        }
        Err((e, _)) => return Err(fail("host", format!("Log-in failed: {e}"))),
    };
    let folder = step(
        "folder",
        "Opening the folder",
        session.select(&account.folder),
    )
    .await;
    let folder = match folder {
        Ok(f) => f,
        Err(_) => {
            return Err(fail(
                "folder",
                format!("There is no folder “{}” in this mailbox", account.folder),
            ))
        }
    };
    Ok(Mailbox {
        session,
        uid_validity: folder.uid_validity.unwrap_or(0),
    })
}

async fn greeting<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug>(
    client: &mut Client<T>,
) -> Result<(), ImapError> {
    match step(
        "host",
        "Waiting for the server's greeting",
        client.read_response(),
    )
    .await?
    {
        Some(_) => Ok(()),
        None => Err(fail("host", "The server closed the connection")),
    }
}

impl Mailbox {
    /// The messages above `after` (UID), with their sizes, in UID order.
    pub async fn list_after(&mut self, after: u32) -> Result<Vec<(u32, u32)>, ImapError> {
        let from = after.saturating_add(1);
        let fetched: Vec<_> = step("host", "Listing messages", async {
            self.session
                .uid_fetch(format!("{from}:*"), "(UID RFC822.SIZE)")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        // "n:*" names the last message even when its UID is below n.
        let mut out: Vec<(u32, u32)> = fetched
            .iter()
            .filter_map(|f| Some((f.uid?, f.size.unwrap_or(0))))
            .filter(|(uid, _)| *uid > after)
            .collect();
        out.sort_unstable();
        out.dedup_by_key(|(uid, _)| *uid);
        Ok(out)
    }

    /// The raw messages of `uids`, in UID order (a message deleted meanwhile is left out).
    pub async fn fetch(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetched: Vec<_> = step("host", "Fetching messages", async {
            self.session
                .uid_fetch(set, "(UID BODY.PEEK[])")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        let mut out: Vec<(u32, Vec<u8>)> = fetched
            .iter()
            .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
            .collect();
        out.sort_unstable_by_key(|(uid, _)| *uid);
        Ok(out)
    }

    /// Logs out (best effort).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.session.logout()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_this_machine_only() {
        for h in ["127.0.0.1", "localhost", "::1", "[::1]", "LOCALHOST"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["10.0.0.1", "imap.example.com", "192.168.1.2", "0.0.0.0"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
