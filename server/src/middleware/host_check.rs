//! Only the portal's own host is served. A page on another site can make
//! its own name resolve to this server (DNS rebinding); the browser then
//! sends that name as `Host`, and its `Origin` matches it, so the
//! same-origin check alone would take the page for ours. Any request whose
//! `Host` is not the public URL's (or, while a development outbox runs, a
//! loopback name) gets 421 before any route sees it. The development pages
//! (`/dev/…`) answer only a loopback name asked from a loopback socket, so a
//! proxy in front never passes them on.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::same_origin::Origin;

/// The hosts this portal answers to.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    /// The public URL's origin (`--public-url`).
    pub public: Origin,
    /// Loopback names (`localhost`, `127.0.0.1`, `[::1]`, any port) too:
    /// only while a development outbox runs, which listens on loopback only.
    pub loopback: bool,
}

impl AllowedHosts {
    pub fn allows(&self, host: &str) -> bool {
        self.public.matches_host(host) || (self.loopback && is_loopback_name(host))
    }
}

/// `Host` (`host[:port]`) names this machine's loopback interface.
pub fn is_loopback_name(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // `[::1]:3000`: the address between the brackets.
        Some(rest) => match rest.split_once(']') {
            Some((inside, port)) if port.is_empty() || port.starts_with(':') => inside,
            _ => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The request's `Host` (or its HTTP/2 authority).
fn host_of(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
}

/// One `Host` field, and an absolute-form target (or HTTP/2's authority)
/// naming the same host as `Host` where both are sent: RFC 9112 §3.2 asks
/// for 400 otherwise, and the check above would read only one of them.
fn one_authority(request: &Request) -> bool {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let (first, second) = (hosts.next(), hosts.next());
    if second.is_some() {
        return false;
    }
    match (request.uri().authority(), first) {
        (Some(authority), Some(host)) => host
            .to_str()
            .is_ok_and(|host| host.eq_ignore_ascii_case(authority.as_str())),
        _ => true,
    }
}

pub async fn middleware(
    State(hosts): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    if !one_authority(&request) {
        return plain(
            StatusCode::BAD_REQUEST,
            "Geweigerd: het verzoek noemt meer dan één adres.",
        );
    }
    let host = host_of(&request).unwrap_or("");
    if !hosts.allows(host) {
        tracing::warn!(
            "refused {} {} for host {:?}",
            request.method(),
            request.uri().path(),
            host.chars().take(100).collect::<String>()
        );
        return plain(
            StatusCode::MISDIRECTED_REQUEST,
            "Geweigerd: dit adres hoort niet bij het portaal.",
        );
    }
    if request.uri().path().starts_with("/dev/") {
        let from_loopback = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|peer| peer.0.ip().is_loopback());
        if !(from_loopback && is_loopback_name(host)) {
            return plain(StatusCode::NOT_FOUND, "Niet gevonden.");
        }
    }
    next.run(request).await
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(public: &str, loopback: bool) -> AllowedHosts {
        AllowedHosts {
            public: Origin::parse(public).unwrap(),
            loopback,
        }
    }

    #[test]
    fn only_the_public_host_is_ours() {
        let live = hosts("https://portaal.example.nl", false);
        for ok in [
            "portaal.example.nl",
            "PORTAAL.example.nl",
            "portaal.example.nl:443",
        ] {
            assert!(live.allows(ok), "{ok}");
        }
        for other in [
            "evil.example",
            "portaal.example.nl.evil.example",
            "portaal.example.nl:8443",
            "127.0.0.1:3000",
            "localhost",
            "",
            "portaal.example.nl/x",
            "user@portaal.example.nl",
        ] {
            assert!(!live.allows(other), "{other}");
        }
    }

    #[test]
    fn loopback_names_only_while_an_outbox_runs() {
        let dev = hosts("http://127.0.0.1:3000", true);
        for ok in [
            "127.0.0.1:3000",
            "127.0.0.1:41234",
            "localhost:3000",
            "[::1]:3000",
            "LOCALHOST",
        ] {
            assert!(dev.allows(ok), "{ok}");
        }
        for other in [
            "evil.example:3000",
            "localhost.evil.example",
            "[::1]x",
            "10.0.0.1:3000",
        ] {
            assert!(!dev.allows(other), "{other}");
        }
        let live = hosts("https://portaal.example.nl", false);
        assert!(!live.allows("localhost:3000"));
    }
}
