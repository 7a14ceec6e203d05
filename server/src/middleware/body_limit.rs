//! The largest request body each path takes: 64 KB for every form of the
//! portal, and room for one file where 'Gebruikers importeren' sends it.
//! A body declared larger is refused (413) before anything reads it; one
//! that grows past the limit while read fails its read.

use axum::{
    body::Body,
    extract::Request,
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// No form of the portal comes near this.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The import's file (5 MB) as base64url in a form field, with room.
pub const IMPORT_BODY_LIMIT: usize = 7 * 1024 * 1024 + 64 * 1024;

fn limit_for(path: &str) -> usize {
    if path == app::pages::import::PREVIEW_ENDPOINT {
        IMPORT_BODY_LIMIT
    } else {
        BODY_LIMIT
    }
}

pub async fn middleware(request: Request, next: Next) -> Response {
    let limit = limit_for(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let (parts, body) = request.into_parts();
    let body = Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_import_takes_a_file() {
        assert_eq!(limit_for("/api/login"), BODY_LIMIT);
        assert_eq!(limit_for("/api/preview_import"), IMPORT_BODY_LIMIT);
        assert_eq!(limit_for("/api/preview_import/x"), BODY_LIMIT);
    }
}
