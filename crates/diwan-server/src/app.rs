//! The router: every route, its limits and its error handling, and the OpenAPI document
//! generated from the same handlers so the two cannot drift apart.

use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::routes::{
    applications, auth, certificates, documents, health, ledger, me, search, services, uploads,
};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Diwan API", description = "Government services online: catalogue, sign-in, applications and officer workflows. Every error is application/problem+json (RFC 9457) with a stable `code` and messages in Arabic and English."),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    tags((name = "catalogue"), (name = "sign-in"), (name = "applications"), (name = "certificates"), (name = "ledger"), (name = "operations"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The `/api/v1` routes and their OpenAPI description.
fn api(state: &AppState) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let json_limit = state.settings.max_json_bytes;
    let upload_limit = state.settings.max_upload_bytes;
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(services::list_services))
        .routes(routes!(services::get_service))
        .routes(routes!(search::search))
        .routes(routes!(auth::citizen_otp))
        .routes(routes!(auth::citizen_verify))
        .routes(routes!(auth::officer_login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(applications::create, applications::list))
        .routes(routes!(applications::get_one))
        .routes(routes!(applications::act))
        .routes(routes!(applications::events))
        .routes(routes!(documents::get_document))
        .routes(routes!(certificates::get_certificate))
        .routes(routes!(certificates::certificate_pdf))
        .routes(routes!(certificates::certificate_png))
        .routes(routes!(certificates::revoke))
        .routes(routes!(certificates::verify))
        .routes(routes!(me::access_log))
        .routes(routes!(ledger::checkpoint))
        .routes(routes!(ledger::vkey))
        .routes(routes!(ledger::entries))
        .routes(routes!(ledger::inclusion))
        .routes(routes!(ledger::consistency))
        .layer(DefaultBodyLimit::max(json_limit))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(uploads::upload))
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .split_for_parts();
    // `/healthz` sits outside `/api/v1`: a path-level server says so. (A path key must start
    // with `/` and is appended to the server URL without resolving `..`.)
    let (_, health_doc) = OpenApiRouter::<AppState>::new()
        .routes(routes!(health::healthz))
        .routes(routes!(certificates::keys))
        .split_for_parts();
    for (path, mut item) in health_doc.paths.paths {
        item.servers = Some(vec![utoipa::openapi::server::Server::new("/")]);
        doc.paths.paths.insert(path, item);
    }
    (router, doc)
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = api(&state);
    let metrics = state.metrics.clone();
    let doc_json = serde_json::to_value(&doc).unwrap_or_default();
    let api = api
        .route("/openapi.json", get(move || async move { Json(doc_json) }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(health::healthz))
        .route("/.well-known/diwan/keys", get(certificates::keys))
        .route(
            "/verify",
            get(crate::pages::verify::form).post(crate::pages::verify::submit),
        )
        .route("/assets/diwan.css", get(crate::pages::stylesheet))
        .merge(crate::pages::routes(&state))
        .fallback(crate::pages::errors::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(CatchPanicLayer::custom(panic_response))
        // Answers carry personal data and tokens: no shared cache may keep them.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        // Outside the panic catcher so a panic is counted as the 500 it becomes. `layer` wraps
        // each route (and the fallbacks) after routing, so the route template is known.
        .layer(middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        "هذه الطريقة غير مدعومة لهذا العنوان",
        "This method is not supported for this address",
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("handler panicked").into_response()
}
