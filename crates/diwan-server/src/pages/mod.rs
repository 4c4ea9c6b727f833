//! Server-rendered HTML pages: Arabic first and right-to-left, English beside it, no script,
//! templates compiled into the binary (askama escapes every value).

pub mod verify;

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The pages' shared stylesheet.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/diwan.css"),
    )
        .into_response()
}

/// An HTML page with the headers every page carries: no script may run, nothing may frame
/// it, forms post only back here.
pub fn html(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}
