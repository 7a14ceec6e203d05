//! Every server function's form passes here: a field holding a NUL byte,
//! or bytes that are no UTF-8, is refused (422, in Dutch, naming the
//! field) before any function reads it. PostgreSQL cannot store a NUL in
//! text (it answered 500), SQLite stores it silently, and no field of the
//! portal has a use for either. What each field may hold beyond that is
//! its `domain` type's rule, where the function parses it.

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use app::error::AppError;

/// The field as its form labels it, for the message.
fn label(field: &str) -> &str {
    match field {
        "login_name" => "Inlognaam",
        "password" | "current_password" => "Wachtwoord",
        "new_password" => "Nieuw wachtwoord",
        "repeat_password" => "Herhaal wachtwoord",
        "display_name" | "name" => "Naam",
        "email" => "E-mailadres",
        "mobile" => "Mobiel nummer",
        "account" => "Inlognaam of e-mailadres",
        "code" | "sms_code" | "app_code" => "Code",
        "recovery_code" => "Herstelcode",
        "trust_days" => "Apparaat onthouden (dagen)",
        "dormant_days" => "Niet ingelogd na (dagen)",
        _ => "Een veld",
    }
}

/// Percent-decoded, `+` as a space.
fn decoded(part: &[u8]) -> Vec<u8> {
    let spaced: Vec<u8> = part
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&spaced).collect()
}

/// The first field of the form whose name or value is not UTF-8 or holds
/// a NUL (its name as far as it reads), if any.
fn refused_field(body: &[u8]) -> Option<String> {
    let plain = |bytes: &[u8]| std::str::from_utf8(bytes).is_ok_and(|t| !t.contains('\0'));
    body.split(|&b| b == b'&').find_map(|pair| {
        let mut parts = pair.splitn(2, |&b| b == b'=');
        let name = decoded(parts.next().unwrap_or_default());
        let value = decoded(parts.next().unwrap_or_default());
        (!plain(&name) || !plain(&value)).then(|| String::from_utf8_lossy(&name).into_owned())
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
    if let Some(field) = refused_field(&bytes) {
        let message = format!(
            "{}: dit bevat een teken dat hier niet kan (een nul-teken, of tekst die geen UTF-8 \
             is). Typ het opnieuw.",
            label(&field)
        );
        let error = serde_json::to_string(&AppError::invalid(message)).unwrap_or_default();
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
    use super::{label, refused_field};

    #[test]
    fn a_nul_or_bytes_that_are_no_utf8_are_refused_by_field() {
        assert_eq!(
            refused_field(b"name=Jan+de+Vries&email=jan%40voorbeeld.nl"),
            None
        );
        assert_eq!(refused_field(b"name=Zo%C3%AB&empty="), None);
        assert_eq!(refused_field(b""), None);
        assert_eq!(refused_field(b"name=a%00b").as_deref(), Some("name"));
        assert_eq!(
            refused_field(b"ok=1&login_name=%FF%FE").as_deref(),
            Some("login_name")
        );
        assert_eq!(
            refused_field(b"name=ok&other=%C0").as_deref(),
            Some("other")
        );
        assert!(refused_field(b"na%00me=x").is_some());
        assert_eq!(label("login_name"), "Inlognaam");
        assert_eq!(label("iets"), "Een veld");
    }
}
