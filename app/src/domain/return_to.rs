//! Where a browser may be sent back to after the login (`terug`): a page
//! of the portal itself, or an address on a host configured as protected
//! (`--protect`). Anything else lands on the portal's home page, so
//! Tweestap never forwards a visitor to an address someone else chose.

use url::{Host, Url};

use super::oidc::Strength;

/// The hosts the reverse-proxy check guards (`--protect`), as
/// `host[:port]`, each with the strength its login must have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtectedHosts(pub Vec<(String, Strength)>);

impl ProtectedHosts {
    /// `HOST[:PORT][=passkey|=twee]`, as the setting is written.
    pub fn parse_one(spec: &str) -> Result<(String, Strength), String> {
        let (host, strength) = match spec.trim().split_once('=') {
            None => (spec.trim(), Strength::TwoFactors),
            Some((host, strength)) => (
                host,
                Strength::from_db(strength.trim())
                    .ok_or_else(|| format!("{spec:?}: strength is 'twee' or 'passkey'"))?,
            ),
        };
        let url = Url::parse(&format!("https://{host}/")).map_err(|e| format!("{spec:?}: {e}"))?;
        let authority = authority(&url).ok_or_else(|| format!("{spec:?}: no host"))?;
        if url.path() != "/" || !host.eq_ignore_ascii_case(&authority) {
            return Err(format!(
                "{spec:?}: give the host as host[:port], nothing more"
            ));
        }
        Ok((authority, strength))
    }

    pub fn strength_for(&self, authority: &str) -> Option<Strength> {
        self.0
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(authority))
            .map(|(_, s)| *s)
    }

    pub fn contains(&self, authority: &str) -> bool {
        self.strength_for(authority).is_some()
    }
}

/// The `host[:port]` of an absolute http(s) URL as a browser would read it.
pub fn authority(url: &Url) -> Option<String> {
    let host = match url.host()? {
        Host::Domain(d) => d.to_ascii_lowercase(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => format!("[{ip}]"),
    };
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// The address to follow, as it will be sent in `Location`, or `None`.
/// `public_url`: the portal's own (`--public-url`).
pub fn checked(raw: &str, public_url: &str, protected: &ProtectedHosts) -> Option<String> {
    // What browsers read leniently (backslashes as slashes, tabs and
    // line breaks dropped) is refused outright rather than guessed at.
    if raw.is_empty()
        || raw.len() > 2048
        || raw.contains('\\')
        || raw.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let portal = Url::parse(public_url).ok()?;
    if raw.starts_with('/') {
        // A path of the portal: never `//host` (another site) and never
        // an encoded slash or backslash that some server would decode.
        let lower = raw.to_ascii_lowercase();
        if raw.starts_with("//") || lower.starts_with("/%2f") || lower.contains("%5c") {
            return None;
        }
        let url = portal.join(raw).ok()?;
        return (url.origin() == portal.origin()).then(|| url.to_string());
    }
    let url = Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    if url.origin() == portal.origin() {
        return Some(url.to_string());
    }
    // A protected host, over the portal's own scheme or https.
    let scheme_ok = url.scheme() == "https" || portal.scheme() == "http";
    (scheme_ok && protected.contains(&authority(&url)?)).then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTAL: &str = "https://portaal.kantoor.nl";

    fn hosts() -> ProtectedHosts {
        ProtectedHosts(vec![
            ProtectedHosts::parse_one("wiki.kantoor.nl").unwrap(),
            ProtectedHosts::parse_one("loon.kantoor.nl:8443=passkey").unwrap(),
        ])
    }

    #[test]
    fn protected_hosts_are_read_as_written() {
        assert_eq!(
            hosts().strength_for("loon.kantoor.nl:8443"),
            Some(Strength::Passkey)
        );
        assert_eq!(
            hosts().strength_for("WIKI.kantoor.nl"),
            Some(Strength::TwoFactors)
        );
        for bad in [
            "wiki.kantoor.nl/pad",
            "https://wiki.kantoor.nl",
            "wiki.kantoor.nl=sterk",
            "a@b",
            "",
        ] {
            assert!(ProtectedHosts::parse_one(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn portal_pages_and_protected_hosts_are_followed() {
        for (raw, to) in [
            ("/", "https://portaal.kantoor.nl/"),
            (
                "/oidc/authorize?client_id=a&x=%2F",
                "https://portaal.kantoor.nl/oidc/authorize?client_id=a&x=%2F",
            ),
            (
                "https://wiki.kantoor.nl/pagina?id=1",
                "https://wiki.kantoor.nl/pagina?id=1",
            ),
            ("https://WIKI.kantoor.nl/", "https://wiki.kantoor.nl/"),
            (
                "https://loon.kantoor.nl:8443/strook",
                "https://loon.kantoor.nl:8443/strook",
            ),
            (
                "https://portaal.kantoor.nl/mijn-gegevens",
                "https://portaal.kantoor.nl/mijn-gegevens",
            ),
        ] {
            assert_eq!(checked(raw, PORTAL, &hosts()).as_deref(), Some(to), "{raw}");
        }
    }

    #[test]
    fn every_other_address_is_refused() {
        for raw in [
            "https://evil.example/",
            "//evil.example/",
            "///evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "https:\\\\evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/x%5cevil",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java%0ascript:alert(1)",
            "data:text/html,<script>",
            "https://wiki.kantoor.nl@evil.example/",
            "https://user:pw@wiki.kantoor.nl/",
            "https://wiki.kantoor.nl.evil.example/",
            "http://wiki.kantoor.nl/",
            "https://loon.kantoor.nl/",
            "https://wiki.kantoor.nl:444/",
            "/\tevil",
            " https://wiki.kantoor.nl/",
            "wiki.kantoor.nl/",
            "",
        ] {
            assert_eq!(checked(raw, PORTAL, &hosts()), None, "{raw}");
        }
    }
}
