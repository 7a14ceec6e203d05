//! The client's address. The socket's peer is the client, unless the peer
//! is one of the configured trusted proxies: then the proxies'
//! `X-Forwarded-For` says who connected to them. Only entries appended by
//! trusted proxies count, so the list is read from the right: the first
//! entry that is not itself a trusted proxy is the client. Anything further
//! left was written by that client and may be made up.
//!
//! The result goes into every request's extensions as [`app::core::ClientIp`],
//! where server functions read it (`app::core::client_ip()`).

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    str::FromStr,
    sync::Arc,
};

use app::core::ClientIp;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

/// One address or a CIDR range (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange(IpNet);

impl IpRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let net = match text.parse::<IpNet>() {
            Ok(net) => net,
            // A bare address is a range of one.
            Err(_) => text
                .parse::<IpAddr>()
                .map(|ip| IpNet::from(ip.to_canonical()))
                .map_err(|_| format!("{text:?} is no IP address or CIDR range"))?,
        };
        Ok(IpRange(net.trunc()))
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// `--trusted-proxies`: comma-separated addresses or ranges; empty: none,
/// so `X-Forwarded-For` is never read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<IpRange>);

impl TrustedProxies {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(ip))
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .filter(|part| !part.trim().is_empty())
            .map(IpRange::from_str)
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ranges: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "{}", ranges.join(","))
    }
}

/// The client's address: `peer` is the socket's, `forwarded_for` the
/// `X-Forwarded-For` header values in the order they came.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &TrustedProxies) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(client) {
        // A header from an untrusted peer is whatever it chose to write.
        return client;
    }
    let entries: Vec<&str> = forwarded_for
        .iter()
        .flat_map(|value| value.split(','))
        .collect();
    for entry in entries.into_iter().rev() {
        let Some(ip) = forwarded_entry(entry) else {
            // Unreadable: nothing left of it can be vouched for, so the last
            // address a trusted proxy gave is the best there is.
            break;
        };
        client = ip;
        if !trusted.contains(ip) {
            break;
        }
    }
    client
}

/// `192.0.2.7`, `2001:db8::1`, or either with a port (`[2001:db8::1]:443`),
/// as some proxies write them.
fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Puts [`ClientIp`] into the request. Without a peer address (a service
/// called directly, not through a socket) it puts nothing: no address is
/// better than a made-up one.
pub async fn middleware(
    State(trusted): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    {
        let ip = client_address(peer.ip(), &forwarded_for(request.headers()), &trusted);
        request.extensions_mut().insert(ClientIp(ip));
    }
    next.run(request).await
}

/// Every `X-Forwarded-For` value; one that is not text makes the chain
/// unreadable from there on, like a garbled entry.
fn forwarded_for(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| value.to_str().unwrap_or("?"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusted(text: &str) -> TrustedProxies {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let none = TrustedProxies::default();
        assert_eq!(
            client_address(ip("203.0.113.9"), &["198.51.100.1"], &none),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_spoofed_header_from_an_untrusted_peer_is_ignored() {
        let proxies = trusted("10.0.0.0/8");
        assert_eq!(
            client_address(ip("203.0.113.9"), &["10.0.0.5, 198.51.100.1"], &proxies),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_entry_is_the_client() {
        let proxies = trusted("10.0.0.1");
        // The client wrote "1.2.3.4" itself; the proxy appended its real address.
        assert_eq!(
            client_address(ip("10.0.0.1"), &["1.2.3.4, 198.51.100.7"], &proxies),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop() {
        let proxies = trusted("10.0.0.0/8, 192.168.1.1");
        assert_eq!(
            client_address(
                ip("10.0.0.1"),
                &["6.6.6.6, 198.51.100.7", "192.168.1.1, 10.2.3.4"],
                &proxies
            ),
            ip("198.51.100.7"),
            "several headers are one list, in order"
        );
        // Only proxies in the chain: the left-most is the best known.
        assert_eq!(
            client_address(ip("10.0.0.1"), &["10.9.9.9, 10.0.0.2"], &proxies),
            ip("10.9.9.9")
        );
        // No header at all: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.1"), &[], &proxies),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_address_a_proxy_gave() {
        let proxies = trusted("10.0.0.0/8");
        assert_eq!(
            client_address(ip("10.0.0.1"), &["nonsense"], &proxies),
            ip("10.0.0.1")
        );
        assert_eq!(
            client_address(
                ip("10.0.0.1"),
                &["198.51.100.7, unknown, 10.0.0.3"],
                &proxies
            ),
            ip("10.0.0.3"),
            "nothing left of the garbage is believed"
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &["", "?"], &proxies),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ports_and_mapped_addresses_are_understood() {
        let proxies = trusted("10.0.0.1, ::1");
        assert_eq!(
            client_address(ip("::ffff:10.0.0.1"), &["198.51.100.7:4431"], &proxies),
            ip("198.51.100.7"),
            "a dual-stack socket reports IPv4 peers as mapped IPv6"
        );
        assert_eq!(
            client_address(ip("::1"), &["[2001:db8::7]:443"], &proxies),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn ranges_parse_and_match() {
        let range: IpRange = "192.168.0.0/16".parse().unwrap();
        assert!(range.contains(ip("192.168.200.1")));
        assert!(!range.contains(ip("192.169.0.1")));
        assert!(!range.contains(ip("::1")));
        let all: IpRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        let v6: IpRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!("10.0.0.0/33".parse::<IpRange>().is_err());
        assert!("proxy.example".parse::<IpRange>().is_err());
        assert_eq!(trusted(""), TrustedProxies::default());
        assert_eq!(trusted(" 10.0.0.1 , ").to_string(), "10.0.0.1/32");
    }
}
