//! The client's address behind reverse proxies, for throttling and the audit trail.
//!
//! Each proxy appends the address it received the request from to `X-Forwarded-For`, so only
//! the right end of the list was written by proxies we run; everything to the left of them is
//! whatever the client sent, and a client that rotates a forged left-most entry must not get a
//! fresh sign-in allowance each time. The client is therefore the right-most entry that is not
//! one of our own proxies (the `trusted` networks; with none configured, the right-most entry:
//! one proxy in front).

use std::net::IpAddr;

/// A network of addresses, such as `10.0.0.0/8` or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    /// Parses `a.b.c.d`, `a.b.c.d/n`, or the same in IPv6.
    pub fn parse(s: &str) -> Result<Net, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("\"{s}\" is not an IP address or network (10.0.0.0/8)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(format!("\"{s}\": the prefix length is 0 to {max}")),
            },
        };
        Ok(Net { addr, prefix })
    }

    /// Whether `ip` is in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, width: u32, prefix: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                bits >> (width - u32::from(prefix))
            }
        }
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), 32, self.prefix)
                    == masked(u32::from(ip).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), 128, self.prefix)
                    == masked(u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// The client's address from the `X-Forwarded-For` values (every header line, in order) of a
/// request that came through a trusted proxy: the right-most entry outside `trusted`. `None`
/// when there is no usable entry (the caller then uses the connection's peer).
pub fn client_address<'a>(
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &[Net],
) -> Option<IpAddr> {
    let hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    for hop in hops.iter().rev() {
        // An entry we cannot read was not written by a proxy of ours: stop there rather than
        // reach past it to the client-controlled part.
        let ip: IpAddr = hop.parse().ok()?;
        if !trusted.iter().any(|n| n.contains(ip)) {
            return Some(ip);
        }
    }
    None
}

/// The right-most value of a single-valued forwarded header (`X-Forwarded-Proto`): the one our
/// own proxy wrote.
pub fn last_value<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    lines
        .into_iter()
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_forged_left_most_entry_is_not_the_client() {
        // The client sent "1.2.3.4"; our proxy appended the address it saw.
        let got = client_address(["1.2.3.4, 203.0.113.9"], &[]);
        assert_eq!(got, Some(ip("203.0.113.9")));
        // Rotating the forged part changes nothing.
        let again = client_address(["5.6.7.8, 203.0.113.9"], &[]);
        assert_eq!(again, got);
    }

    #[test]
    fn trusted_proxies_are_skipped_from_the_right() {
        let trusted = [
            Net::parse("10.0.0.0/8").unwrap(),
            Net::parse("192.0.2.7").unwrap(),
        ];
        let got = client_address(["9.9.9.9, 198.51.100.4", "10.1.2.3, 192.0.2.7"], &trusted);
        assert_eq!(got, Some(ip("198.51.100.4")));
        // Only our proxies: no client address in the header.
        assert_eq!(client_address(["10.0.0.1"], &trusted), None);
        // Garbage to the right of the trusted hops stops the walk.
        assert_eq!(
            client_address(["1.1.1.1, nonsense, 10.0.0.1"], &trusted),
            None
        );
        assert_eq!(client_address([], &trusted), None);
    }

    #[test]
    fn networks_parse_and_match_by_prefix() {
        let net = Net::parse("192.168.0.0/16").unwrap();
        assert!(net.contains(ip("192.168.44.1")));
        assert!(!net.contains(ip("192.169.0.1")));
        assert!(!net.contains(ip("::1")));
        assert!(Net::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        let v6 = Net::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::5")));
        for bad in ["10.0.0.0/33", "::/129", "10.0.0", "x", "10.0.0.0/-1"] {
            assert!(Net::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_protocol_is_the_last_value() {
        assert_eq!(last_value(["https, http"]), Some("http"));
        assert_eq!(last_value(["http", "https"]), Some("https"));
        assert_eq!(last_value([""]), None);
    }
}
