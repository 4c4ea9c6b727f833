//! Who is at the other end: the client's IP address, for the per-client limits on sign-in.
//!
//! The address is the TCP peer's (axum's `ConnectInfo`, which `startup::serve` provides),
//! unless that peer is one of the deployment's trusted proxies (`trusted_proxies`, CIDR
//! blocks): then `X-Forwarded-For` is read from the right, past every trusted address, and
//! the first address not trusted is the client. Anything to the left of it was written by
//! the client and is never believed; from a peer that is not trusted the header is ignored
//! altogether, so a client cannot escape its limits by naming another address.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::state::AppState;

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address; `None` only when the server was not given the peer's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(Option<IpAddr>);

/// The key of every client whose address is unknown: they share one budget.
const UNKNOWN_CLIENT: IpAddr = IpAddr::V6(Ipv6Addr::UNSPECIFIED);

impl ClientAddr {
    /// The client behind `peer`, the TCP peer of a request with these `headers`.
    pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpNet]) -> ClientAddr {
        // An IPv4 client of a dual-stack listener arrives as `::ffff:a.b.c.d`.
        let peer = peer.to_canonical();
        if !is_trusted(peer, trusted_proxies) {
            return ClientAddr(Some(peer));
        }
        let hops = forwarded_for(headers);
        let mut client = peer;
        for hop in hops.iter().rev() {
            // A hop that is not an address: whoever wrote it, nothing left of it can be
            // placed, so the client is the last address read (the leftmost of the trusted
            // chain, or the peer).
            let Some(ip) = hop else { break };
            client = *ip;
            if !is_trusted(client, trusted_proxies) {
                break;
            }
        }
        ClientAddr(Some(client))
    }

    /// The client's IP address, if the server knows it.
    pub fn ip(self) -> Option<IpAddr> {
        self.0
    }

    /// The key the per-client limits count under: an IPv4 address itself, an IPv6 address's
    /// /64 (one subscriber's network: a host picks any address in it at will), and one
    /// fixed key for every client whose address is unknown.
    pub fn limit_key(self) -> IpAddr {
        match self.0 {
            Some(IpAddr::V4(ip)) => IpAddr::V4(ip),
            Some(IpAddr::V6(ip)) => {
                IpAddr::V6(Ipv6Addr::from(u128::from(ip) & !(u128::from(u64::MAX))))
            }
            None => UNKNOWN_CLIENT,
        }
    }
}

fn is_trusted(ip: IpAddr, trusted_proxies: &[IpNet]) -> bool {
    trusted_proxies.iter().any(|net| net.contains(&ip))
}

/// Every hop of every `X-Forwarded-For` line, in order; `None` for one that is not an
/// address. A line is split on its raw bytes, so bytes that are not visible ASCII spoil only
/// their own hop: a client's `\xff` that a proxy merged into one line with the address it
/// saw must not hide that address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let mut hops = Vec::new();
    for line in headers.get_all(X_FORWARDED_FOR) {
        hops.extend(
            line.as_bytes()
                .split(|b| *b == b',')
                .map(|hop| std::str::from_utf8(hop).ok().and_then(parse_hop)),
        );
    }
    hops
}

/// `203.0.113.7`, `2001:db8::1`, and the forms some proxies write with a port
/// (`203.0.113.7:4711`, `[2001:db8::1]:4711`) or brackets alone.
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let ip = text
        .parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            text.strip_prefix('[')?
                .strip_suffix(']')?
                .parse::<Ipv6Addr>()
                .ok()
                .map(IpAddr::V6)
        })?;
    Some(ip.to_canonical())
}

/// One `trusted_proxies` entry: a CIDR block (`10.0.0.0/8`, `2001:db8::/32`) or a single
/// address. An IPv4-mapped IPv6 block is read as the IPv4 block it maps, as addresses are.
/// A block of every address (a prefix of 0) is refused: it would let any client name any
/// address it likes and so escape its limits.
pub fn parse_trusted_proxy(text: &str) -> Result<IpNet, String> {
    let net = parse_block(text)?;
    if net.prefix_len() == 0 {
        return Err(format!(
            "trusted_proxies: {:?} covers every address (a prefix of 0), so any client could \
             name itself any address; list only the proxies' own addresses or subnets",
            text.trim()
        ));
    }
    Ok(net)
}

/// A `trusted_proxies` entry as a block, IPv4-mapped blocks read as IPv4.
fn parse_block(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    let net = text
        .parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!(
                "trusted_proxies: {text:?} is not an address or a CIDR block \
                 (such as 10.0.0.0/8, 192.0.2.10 or 2001:db8::/32)"
            )
        })?;
    if let IpNet::V6(v6) = net
        && let IpAddr::V4(v4) = IpAddr::V6(v6.network()).to_canonical()
        && v6.prefix_len() >= 96
        && let Ok(mapped) = ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
    {
        return Ok(IpNet::V4(mapped));
    }
    Ok(net)
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddr, Infallible> {
        match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => Ok(ClientAddr::resolve(
                peer.ip(),
                &parts.headers,
                &state.settings.trusted_proxies,
            )),
            None => {
                // Served without `into_make_service_with_connect_info`: a bug, said once.
                static SAID: AtomicBool = AtomicBool::new(false);
                if !SAID.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "the peer's address is unknown; every client shares one sign-in budget"
                    );
                }
                Ok(ClientAddr(None))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|n| parse_trusted_proxy(n).unwrap())
            .collect()
    }

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for line in lines {
            h.append(X_FORWARDED_FOR, HeaderValue::from_str(line).unwrap());
        }
        h
    }

    /// The client of a request from `peer` carrying these `X-Forwarded-For` lines.
    fn client(peer: &str, lines: &[&str], trusted: &[&str]) -> IpAddr {
        ClientAddr::resolve(ip(peer), &headers(lines), &nets(trusted))
            .ip()
            .unwrap()
    }

    const PROXIES: &[&str] = &["10.0.0.0/8", "2001:db8:ffff::/48"];

    #[test]
    fn the_header_from_an_untrusted_peer_is_ignored() {
        assert_eq!(
            client("198.51.100.7", &["1.2.3.4"], &[]),
            ip("198.51.100.7")
        );
        assert_eq!(
            client("198.51.100.7", &["1.2.3.4"], PROXIES),
            ip("198.51.100.7"),
            "the peer is not one of the proxies"
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        assert_eq!(
            client("10.0.0.2", &["203.0.113.9"], PROXIES),
            ip("203.0.113.9")
        );
        assert_eq!(
            client("10.0.0.2", &[], PROXIES),
            ip("10.0.0.2"),
            "no header: the peer"
        );
    }

    #[test]
    fn the_chain_is_read_from_the_right_past_trusted_hops_only() {
        // The client claimed 1.2.3.4; the first proxy wrote what it saw, the second the first.
        assert_eq!(
            client("10.0.0.2", &["1.2.3.4, 203.0.113.9, 10.0.0.1"], PROXIES),
            ip("203.0.113.9")
        );
        // The same chain across several header lines.
        assert_eq!(
            client("10.0.0.2", &["1.2.3.4", "203.0.113.9", "10.0.0.1"], PROXIES),
            ip("203.0.113.9")
        );
        // Every hop trusted: the leftmost is the client (an internal caller).
        assert_eq!(
            client("10.0.0.2", &["10.9.9.9, 10.0.0.1"], PROXIES),
            ip("10.9.9.9")
        );
        assert_eq!(
            client(
                "2001:db8:ffff::2",
                &["2001:db8:1:2::5, 2001:db8:ffff::1"],
                PROXIES
            ),
            ip("2001:db8:1:2::5")
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_address_read() {
        assert_eq!(client("10.0.0.2", &["unknown"], PROXIES), ip("10.0.0.2"));
        assert_eq!(client("10.0.0.2", &[""], PROXIES), ip("10.0.0.2"));
        assert_eq!(
            client("10.0.0.2", &["203.0.113.9, nonsense, 10.0.0.1"], PROXIES),
            ip("10.0.0.1")
        );
        // Garbage left of the client, written by the client, does not matter.
        assert_eq!(
            client("10.0.0.2", &["<script>, 203.0.113.9"], PROXIES),
            ip("203.0.113.9")
        );
        let mut h = HeaderMap::new();
        h.append(
            X_FORWARDED_FOR,
            HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        );
        assert_eq!(
            ClientAddr::resolve(ip("10.0.0.2"), &h, &nets(PROXIES)).ip(),
            Some(ip("10.0.0.2"))
        );
    }

    /// The client of a request from `peer` carrying one raw `X-Forwarded-For` line.
    fn client_of_raw(peer: &str, line: &[u8]) -> IpAddr {
        let mut h = HeaderMap::new();
        h.append(X_FORWARDED_FOR, HeaderValue::from_bytes(line).unwrap());
        ClientAddr::resolve(ip(peer), &h, &nets(PROXIES))
            .ip()
            .unwrap()
    }

    #[test]
    fn bytes_that_are_not_ascii_spoil_only_their_own_hop() {
        // A client sent `\xff`; the proxy appended the address it saw to the same line.
        assert_eq!(
            client_of_raw("10.0.0.2", b"\xff, 203.0.113.9"),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_of_raw("10.0.0.2", b"1.2.3.4\xfe\xff, 203.0.113.9, 10.0.0.1"),
            ip("203.0.113.9")
        );
        // Right of the client, such a hop still stops the walk at the last address read.
        assert_eq!(
            client_of_raw("10.0.0.2", b"203.0.113.9, \xff, 10.0.0.1"),
            ip("10.0.0.1")
        );
        // Multi-byte UTF-8 within a hop is not an address either.
        assert_eq!(
            client_of_raw("10.0.0.2", "١٢٣, 203.0.113.9".as_bytes()),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn hops_with_ports_and_brackets_are_read() {
        assert_eq!(
            client("10.0.0.2", &["203.0.113.9:4711"], PROXIES),
            ip("203.0.113.9")
        );
        assert_eq!(
            client("10.0.0.2", &["[2001:db8:1::7]:4711"], PROXIES),
            ip("2001:db8:1::7")
        );
        assert_eq!(
            client("10.0.0.2", &[" [2001:db8:1::7] "], PROXIES),
            ip("2001:db8:1::7")
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4() {
        assert_eq!(
            client("::ffff:10.0.0.2", &["::ffff:203.0.113.9"], PROXIES),
            ip("203.0.113.9")
        );
        assert_eq!(
            parse_trusted_proxy("::ffff:10.0.0.0/104"),
            Ok("10.0.0.0/8".parse().unwrap())
        );
        // Not mapped: stays IPv6.
        assert_eq!(
            parse_trusted_proxy("::/64"),
            Ok("::/64".parse::<IpNet>().unwrap())
        );
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        let key = |text: &str| ClientAddr(Some(ip(text))).limit_key();
        assert_eq!(
            key("2001:db8:1:2::1"),
            key("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_eq!(key("2001:db8:1:2:aaaa::1"), ip("2001:db8:1:2::"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("203.0.113.9"), ip("203.0.113.9"));
        assert_ne!(key("203.0.113.9"), key("203.0.113.10"));
        assert_eq!(ClientAddr(None).limit_key(), UNKNOWN_CLIENT);
    }

    #[test]
    fn trusted_proxies_are_blocks_or_single_addresses() {
        assert_eq!(
            parse_trusted_proxy("192.0.2.10"),
            Ok("192.0.2.10/32".parse().unwrap())
        );
        assert_eq!(
            parse_trusted_proxy(" 2001:db8::/32 "),
            Ok("2001:db8::/32".parse().unwrap())
        );
        for bad in [
            "10.0.0.0/33",
            "0.0.0.0/0",
            "::/0",
            "::ffff:0.0.0.0/96",
            "1.2.3.4/0",
            "10.0.0/8",
            "proxy.internal",
            "",
            "10.0.0.0/8,",
        ] {
            let e = parse_trusted_proxy(bad).unwrap_err();
            assert!(e.contains("trusted_proxies") && e.contains(bad), "{e}");
        }
        for every in ["0.0.0.0/0", "::/0", "::ffff:0.0.0.0/96"] {
            let e = parse_trusted_proxy(every).unwrap_err();
            assert!(e.contains("every address"), "{e}");
        }
        // The smallest prefix that is not everything is still a block.
        assert_eq!(
            parse_trusted_proxy("::ffff:0.0.0.0/97"),
            Ok("0.0.0.0/1".parse().unwrap())
        );
    }
}
