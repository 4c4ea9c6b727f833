//! Server-rendered HTML pages: the citizens' portal at `/`, the officers' back office at
//! `/office` and the public `/verify`. Arabic first and right-to-left, English by a visible
//! switch; no script; templates compiled into the binary (askama escapes every value).
//!
//! Invariants:
//! - Pages hold no rules of their own: they call the API's handlers or the functions those
//!   share (`routes::auth`, `routes::applications::{submit, take_action, load_visible}`), so
//!   a page and the API can never disagree on who may do what.
//! - Every page that shows an application, or serves one of its documents, loads it through
//!   `routes::applications::load_visible`, which records an officer's read in the ledger.
//! - Every form carries a CSRF token bound to the browser's session (`session.rs`); a post
//!   without the right one changes nothing.

// Handlers answer `Result<Response, Response>`: the error is itself a finished page, handed
// straight back to axum, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

pub mod apply;
pub mod catalogue;
pub mod errors;
pub mod form;
pub mod office;
pub mod session;
pub mod sign_in;
pub mod status;
pub mod ui;
pub mod verify;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;
use crate::pages::session::Visitor;
use crate::state::AppState;

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

/// Amiri (SIL Open Font Licence), the same files the certificate printer embeds: an Arabic
/// face that reads well on every device, served from the binary so no page needs a font
/// host. The licence is served beside it, as the OFL asks.
static AMIRI_REGULAR: &[u8] = include_bytes!("../../../diwan-print/fonts/Amiri-Regular.ttf");
static AMIRI_BOLD: &[u8] = include_bytes!("../../../diwan-print/fonts/Amiri-Bold.ttf");
static OFL: &str = include_str!("../../../diwan-print/fonts/OFL.txt");

fn font(bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, "font/ttf"),
            (header::CACHE_CONTROL, "public, max-age=604800"),
        ],
        bytes,
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
                "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        body,
    )
        .into_response()
}

/// A page with its status and the request's cookies.
pub fn render<T: Template>(v: &Visitor, status: StatusCode, page: T) -> Response {
    match page.render() {
        Ok(body) => v.finish((status, html(body)).into_response()),
        Err(e) => v.fail(ApiError::internal(e)),
    }
}

/// A form shown again with the errors of `e`: its status, and its `Retry-After` when it
/// has one (a sign-in limit), as the API would answer.
pub fn render_refused<T: Template>(v: &Visitor, e: &ApiError, page: T) -> Response {
    let mut response = render(v, e.status, page);
    if let Some(secs) = e.retry_after_secs {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    }
    response
}

/// A form body that could not be read at all (not a browser's form post).
pub fn bad_form(v: &Visitor) -> Response {
    v.fail(ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_form",
        "Invalid form",
        "تعذرت قراءة النموذج المرسل؛ ارجع إلى الصفحة وأعد المحاولة",
        "The form could not be read; go back to the page and try again",
    ))
}

/// The portal's and back office's routes.
pub fn routes(state: &AppState) -> Router<AppState> {
    // A form may carry a few documents, each up to the upload limit.
    let form_limit = state.settings.max_upload_bytes.saturating_mul(3);
    Router::new()
        .route("/", get(status::home))
        .route("/sign-in", get(sign_in::form).post(sign_in::send_code))
        .route(
            "/sign-in/code",
            get(sign_in::code_again).post(sign_in::check_code),
        )
        .route("/sign-out", axum::routing::post(sign_in::sign_out))
        .route("/services", get(catalogue::list))
        .route("/services/{id}", get(catalogue::service))
        .route(
            "/services/{id}/apply",
            get(apply::form)
                .post(apply::submit)
                .layer(DefaultBodyLimit::max(form_limit)),
        )
        .route("/applications/{id}", get(status::application))
        .route(
            "/applications/{id}/respond",
            get(apply::respond_form)
                .post(apply::respond)
                .layer(DefaultBodyLimit::max(form_limit)),
        )
        .route(
            "/applications/{id}/documents/{field}",
            get(status::document),
        )
        .route(
            "/applications/{id}/certificate.pdf",
            get(status::certificate),
        )
        .route("/access-log", get(status::access_log))
        .route(
            "/office/sign-in",
            get(office::sign_in_form).post(office::sign_in),
        )
        .route("/office", get(office::queue))
        .route(
            "/office/applications/{id}",
            get(office::application).post(office::act),
        )
        .route(
            "/office/applications/{id}/documents/{field}",
            get(office::document),
        )
        .route("/assets/amiri.ttf", get(|| async { font(AMIRI_REGULAR) }))
        .route("/assets/amiri-bold.ttf", get(|| async { font(AMIRI_BOLD) }))
        .route(
            "/assets/OFL.txt",
            get(|| async { ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], OFL) }),
        )
}
