//! Headers that tell the browser what the portal's pages may do: a
//! Content-Security-Policy with a fresh nonce per request (so an injected
//! `<script>` cannot run: only the hydration scripts carry the nonce),
//! `Permissions-Policy`, HSTS under https, and `no-store` on every server
//! function's answer (they carry personal data and session state).

use axum::{
    extract::{Request, State},
    http::{header, HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use base64::Engine as _;
use leptos::prelude::{provide_context, use_context};

/// The nonce of one request, put into its extensions before the page
/// renders so Leptos writes the same value into its script tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CspNonce(pub String);

impl CspNonce {
    /// 128 random bits, base64url (the CSP nonce grammar allows `-` and `_`).
    pub fn new() -> CspNonce {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the OS random source failed");
        CspNonce(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }
}

impl Default for CspNonce {
    fn default() -> Self {
        Self::new()
    }
}

/// The policy for HTML answers. Styles come only from the stylesheet (the
/// pages have no `style` attributes; the QR code's SVG colours are
/// presentation attributes, which CSP does not govern); images from the
/// site or `data:`; wasm may be compiled, nothing else evaluated.
pub fn content_security_policy(nonce: &CspNonce) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'self'; object-src 'none'",
        nonce.0
    )
}

pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=()";
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// For the Leptos context closure: hands this request's nonce to Leptos
/// (which otherwise makes one of its own the header would not know).
pub fn provide_leptos_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// Whether to send `Strict-Transport-Security`: only when the public URL
/// is https, or a browser would refuse the portal over plain http.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hsts(pub bool);

pub async fn middleware(State(hsts): State<Hsts>, mut request: Request, next: Next) -> Response {
    let nonce = CspNonce::new();
    request.extensions_mut().insert(nonce.clone());
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    if hsts.0 {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("text/html"));
    if html {
        if let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_fresh_and_fit_the_csp_grammar() {
        let a = CspNonce::new();
        let b = CspNonce::new();
        assert_ne!(a, b);
        assert_eq!(a.0.len(), 22);
        assert!(a
            .0
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert!(content_security_policy(&a).contains(&format!("'nonce-{}'", a.0)));
    }
}
