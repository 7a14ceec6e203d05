//! Server functions answer only the portal's own pages. A form on another
//! site can make a browser post to `/api/…` with the user's cookie
//! (`SameSite=Lax` stops that for cross-site posts, but not for a sibling
//! subdomain, which is "same-site"); browsers say where such a request
//! comes from in `Sec-Fetch-Site` and `Origin`, and those cannot be set by
//! the page. A request that has neither header (curl, scripts, old
//! clients) is not from a browser page and passes: it has no cookie it did
//! not choose to send.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Scheme, host and port of an `http(s)://` URL, as `Origin` has them
/// (the `url` crate's origin: lower-case host, default ports filled in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(url::Origin);

impl Origin {
    /// An `http://` or `https://` URL without user info, path ignored.
    pub fn parse(text: &str) -> Option<Origin> {
        let url = url::Url::parse(text.trim()).ok()?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.username().is_empty()
            && url.password().is_none();
        plain.then(|| Origin(url.origin()))
    }

    pub fn is_https(&self) -> bool {
        matches!(&self.0, url::Origin::Tuple(scheme, ..) if scheme == "https")
    }

    /// Whether `host_header` (`Host`: `host[:port]`) names this origin under
    /// its own scheme; without a port, the scheme's default.
    pub fn matches_host(&self, host_header: &str) -> bool {
        let url::Origin::Tuple(scheme, ..) = &self.0 else {
            return false;
        };
        // A Host is only host and port; anything that would turn it into
        // more of a URL (user info, a path) is no match.
        if host_header.contains(['/', '\\', '@', '?', '#']) || host_header.trim().is_empty() {
            return false;
        }
        Origin::parse(&format!("{scheme}://{host_header}")).is_some_and(|own| own == *self)
    }
}

/// Why a request was refused, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrossSite {
    /// `Sec-Fetch-Site: cross-site` or `same-site`.
    FetchSite(String),
    /// An `Origin` that is neither the request's own nor the public URL's.
    Origin(String),
}

/// The rule: refused when the browser says the request comes from another
/// site, or its `Origin` is not this site. `host` is the request's `Host`
/// (or HTTP/2 authority); `public` the configured public URL's origin, which
/// counts as our own also when a proxy rewrote `Host`.
pub fn check(headers: &HeaderMap, host: Option<&str>, public: &Origin) -> Result<(), CrossSite> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("?").to_ascii_lowercase();
        // "same-origin" is us; "none" is the user typing or a bookmark.
        if site != "same-origin" && site != "none" {
            return Err(CrossSite::FetchSite(site));
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let text = origin.to_str().unwrap_or("?");
        let ours = Origin::parse(text).is_some_and(|origin| {
            origin == *public || host.is_some_and(|host| origin.matches_host(host))
        });
        if !ours {
            // Includes "null" (sandboxed frames, data: pages, some redirects).
            return Err(CrossSite::Origin(text.chars().take(100).collect()));
        }
    }
    Ok(())
}

/// Refuses cross-site calls of server functions with 403 before they run.
pub async fn middleware(
    State(public_origin): State<Arc<Origin>>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/api/") {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| request.uri().authority().map(|a| a.as_str()));
        if let Err(why) = check(request.headers(), host, &public_origin) {
            tracing::warn!(
                "refused {} {} from another site: {why:?}",
                request.method(),
                request.uri().path()
            );
            return refused();
        }
    }
    next.run(request).await
}

fn refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        "Geweigerd: dit verzoek komt niet van de pagina's van het portaal.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn public() -> Origin {
        Origin::parse("https://portaal.example.nl").unwrap()
    }

    #[test]
    fn origins_parse_with_default_ports() {
        assert_eq!(
            Origin::parse("https://Portaal.Example.nl/inloggen"),
            Origin::parse("https://portaal.example.nl:443")
        );
        assert!(Origin::parse("https://portaal.example.nl")
            .unwrap()
            .is_https());
        assert_ne!(
            Origin::parse("http://127.0.0.1:3000"),
            Origin::parse("http://127.0.0.1:3001")
        );
        assert!(Origin::parse("http://[::1]:3000")
            .unwrap()
            .matches_host("[::1]:3000"));
        assert_eq!(Origin::parse("null"), None);
        assert_eq!(Origin::parse("ftp://example.org"), None);
        assert_eq!(Origin::parse("https://user@evil.example"), None);
        assert_eq!(Origin::parse("http://host:99999"), None);
    }

    #[test]
    fn a_request_without_browser_headers_passes() {
        assert_eq!(
            check(&headers(&[]), Some("127.0.0.1:3000"), &public()),
            Ok(())
        );
    }

    #[test]
    fn another_site_is_refused_by_sec_fetch_site() {
        for site in ["cross-site", "same-site", "Cross-Site"] {
            let mut map = HeaderMap::new();
            map.insert("sec-fetch-site", HeaderValue::from_str(site).unwrap());
            assert!(
                check(&map, Some("portaal.example.nl"), &public()).is_err(),
                "{site}"
            );
        }
        for site in ["same-origin", "none"] {
            let mut map = HeaderMap::new();
            map.insert("sec-fetch-site", HeaderValue::from_str(site).unwrap());
            assert_eq!(
                check(&map, Some("portaal.example.nl"), &public()),
                Ok(()),
                "{site}"
            );
        }
    }

    #[test]
    fn an_origin_must_be_the_requests_own_or_the_public_one() {
        let host = Some("127.0.0.1:3000");
        let own = headers(&[("origin", "http://127.0.0.1:3000")]);
        assert_eq!(check(&own, host, &public()), Ok(()));
        let public_one = headers(&[("origin", "https://portaal.example.nl")]);
        assert_eq!(
            check(&public_one, Some("10.0.0.5:3000"), &public()),
            Ok(()),
            "behind a proxy that rewrote Host"
        );
        for evil in [
            "https://evil.example",
            "http://127.0.0.1:3001",
            "http://127.0.0.1.evil.example:3000",
            "null",
            "http://portaal.example.nl",
        ] {
            let mut map = HeaderMap::new();
            map.insert("origin", HeaderValue::from_str(evil).unwrap());
            assert!(check(&map, host, &public()).is_err(), "{evil}");
        }
        assert!(
            check(&own, None, &public()).is_err(),
            "no Host: only the public origin is known to be ours"
        );
    }

    #[test]
    fn default_ports_match_a_host_without_port() {
        let map = headers(&[("origin", "https://intern.example.nl")]);
        assert_eq!(check(&map, Some("intern.example.nl"), &public()), Ok(()));
        assert_eq!(
            check(&map, Some("intern.example.nl:443"), &public()),
            Ok(())
        );
        assert!(check(&map, Some("intern.example.nl:8443"), &public()).is_err());
    }
}
