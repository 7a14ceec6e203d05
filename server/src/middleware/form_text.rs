//! Every server function's form passes here: a field holding a NUL byte,
//! or bytes that are no UTF-8, is refused (422, in Dutch) before any
//! function reads it. PostgreSQL cannot store a NUL in text (it answered
//! 500), SQLite stores it silently, and no field of the portal has a use
//! for either. What each field may hold beyond that is its `domain` type's
//! rule, where the function parses it.

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use app::error::AppError;

const MESSAGE: &str =
    "Een veld bevat een teken dat hier niet kan (een nul-teken, of tekst die geen UTF-8 is). \
     Typ de tekst opnieuw.";

/// Whether every name and value of the form is UTF-8 without a NUL.
fn plain_form(body: &[u8]) -> bool {
    body.split(|&b| b == b'&').all(|pair| {
        pair.split(|&b| b == b'=').all(|part| {
            let spaced: Vec<u8> = part
                .iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect();
            let decoded: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
            std::str::from_utf8(&decoded).is_ok_and(|text| !text.contains('\0'))
        })
    })
}

pub async fn middleware(request: Request, next: Next) -> Response {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !(is_form && request.uri().path().starts_with("/api/")) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The body limit (outside this layer) bounds what is read here.
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if !plain_form(&bytes) {
        let error = serde_json::to_string(&AppError::invalid(MESSAGE)).unwrap_or_default();
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            error,
        )
            .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::plain_form;

    #[test]
    fn a_nul_or_bytes_that_are_no_utf8_are_refused() {
        assert!(plain_form(b"name=Jan+de+Vries&email=jan%40voorbeeld.nl"));
        assert!(plain_form(b"name=Zo%C3%AB&empty="));
        assert!(plain_form(b""));
        assert!(!plain_form(b"name=a%00b"));
        assert!(!plain_form(b"na%00me=x"));
        assert!(!plain_form(b"name=%FF%FE"));
        assert!(!plain_form(b"name=ok&other=%C0"));
    }
}
