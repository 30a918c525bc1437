//! Requests to other systems' endpoints (outbound webhooks), guarded against server-side
//! request forgery: the host is resolved once, every address it has must be public unless the
//! endpoint is allowed private ones, and the connection goes to the address checked (a name
//! cannot re-resolve elsewhere in between). HTTPS with Mozilla's roots (plain http only where
//! private addresses are allowed); no redirects followed; 10 s for the whole exchange.

use axum::http::{Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// Longest wait for one delivery, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// An endpoint address, checked for shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// Path and query, at least "/".
    pub path: String,
}

/// Parses an endpoint address: `https://host[:port]/path`, or `http://…` when private
/// addresses are allowed. The problem in words when it is not one.
pub fn endpoint(url: &str, allow_private: bool) -> Result<Endpoint, String> {
    let url = url.trim();
    if url.len() > 2000 {
        return Err("The address is too long".into());
    }
    let uri: Uri = url
        .parse()
        .map_err(|_| "Enter an address such as https://example.com/hooks/closeloop".to_string())?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") if allow_private => false,
        Some("http") => {
            return Err(
                "Use https:// (plain http only for a system on your own network, with private addresses allowed)"
                    .into(),
            )
        }
        _ => return Err("Enter an address starting with https://".into()),
    };
    let authority = uri.authority().ok_or("The address has no host")?;
    if authority.as_str().contains('@') {
        return Err("The address may not carry a user name or password".into());
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host.is_empty() {
        return Err("The address has no host".into());
    }
    let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
    let path = uri
        .path_and_query()
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    Ok(Endpoint {
        https,
        host,
        port,
        path: if path.is_empty() { "/".into() } else { path },
    })
}

/// Whether an address is on the public internet (not loopback, private, link-local, shared,
/// multicast, documentation or otherwise special).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || (a == 192 && b == 0) // IETF protocol assignments
                || (a == 198 && (18..20).contains(&b)) // benchmarking
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b) // NAT64
        }
    }
}

/// The address to connect to: the host resolved, refused when any of its addresses is not
/// public and private ones are not allowed.
pub async fn resolve(e: &Endpoint, allow_private: bool) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> =
        tokio::time::timeout(TIMEOUT, tokio::net::lookup_host((e.host.as_str(), e.port)))
            .await
            .map_err(|_| format!("Looking up {} took too long", e.host))?
            .map_err(|_| format!("{} does not resolve", e.host))?
            .collect();
    let first = *addrs
        .first()
        .ok_or_else(|| format!("{} does not resolve", e.host))?;
    if !allow_private {
        if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "{} is a private or local address ({}): allow private addresses for this endpoint to use it",
                e.host,
                bad.ip()
            ));
        }
    }
    Ok(first)
}

/// What the receiver said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
}

/// POSTs `body` (JSON) with `headers` to the endpoint: the receiver's status, or why there
/// was none.
pub async fn post(
    e: &Endpoint,
    allow_private: bool,
    roots: &Arc<RootCertStore>,
    headers: &[(&str, String)],
    body: String,
) -> Result<Answer, String> {
    tokio::time::timeout(TIMEOUT, exchange(e, allow_private, roots, headers, body))
        .await
        .map_err(|_| format!("No answer in {} s", TIMEOUT.as_secs()))?
}

async fn exchange(
    e: &Endpoint,
    allow_private: bool,
    roots: &Arc<RootCertStore>,
    headers: &[(&str, String)],
    body: String,
) -> Result<Answer, String> {
    let addr = resolve(e, allow_private).await?;
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|err| format!("Could not connect to {addr}: {err}"))?;
    let _ = tcp.set_nodelay(true);
    let host_header = if (e.https && e.port == 443) || (!e.https && e.port == 80) {
        e.host.clone()
    } else {
        format!("{}:{}", e.host, e.port)
    };
    let mut request = Request::post(e.path.as_str())
        .header("host", host_header)
        .header("content-type", "application/json")
        .header("user-agent", "Closeloop-Webhooks/1");
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|err| format!("Bad request: {err}"))?;
    let status = if e.https {
        #[allow(deprecated)] // ring: see ssr::mail::imap
        let provider = tokio_rustls::rustls::crypto::ring::default_provider();
        let config = ClientConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .map_err(|err| format!("TLS: {err}"))?
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        let name = ServerName::try_from(e.host.clone())
            .map_err(|_| format!("“{}” is not a host name", e.host))?;
        let tls = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|err| format!("TLS handshake: {err}"))?;
        send(TokioIo::new(tls), request).await?
    } else {
        send(TokioIo::new(tcp), request).await?
    };
    Ok(Answer { status })
}

async fn send<T>(io: T, request: Request<Full<Bytes>>) -> Result<u16, String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|err| format!("HTTP: {err}"))?;
    let driver = tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|err| format!("HTTP: {err}"))?;
    let status = response.status().as_u16();
    // Read (and drop) a little of the body so the exchange completes cleanly.
    let _ = tokio::time::timeout(Duration::from_secs(2), response.into_body().collect()).await;
    driver.abort();
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_https_unless_private_ones_are_allowed() {
        let e = endpoint("https://hooks.example.com/in?x=1", false).unwrap();
        assert_eq!(
            (e.https, e.host.as_str(), e.port, e.path.as_str()),
            (true, "hooks.example.com", 443, "/in?x=1")
        );
        assert!(endpoint("http://hooks.example.com/in", false).is_err());
        let local = endpoint("http://127.0.0.1:8080", true).unwrap();
        assert_eq!(
            (local.https, local.port, local.path.as_str()),
            (false, 8080, "/")
        );
        for bad in [
            "",
            "hooks.example.com",
            "ftp://x.example",
            "https://user:pw@x.example/",
            "https:///x",
        ] {
            assert!(endpoint(bad, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_public_addresses_pass() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
