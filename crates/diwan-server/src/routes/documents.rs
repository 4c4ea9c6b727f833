//! The documents attached to an application, for the applicant and the officers reviewing it.
//! Reached through the application, so whoever may see the application may see its
//! documents, and nobody else: an upload id alone opens nothing.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use diwan_domain::service::FieldType;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiPath;
use crate::routes::applications::{Purpose, load_visible};
use crate::state::AppState;

/// The file a `file` field of the application refers to.
#[utoipa::path(get, path = "/applications/{id}/documents/{field}", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path), ("field" = String, Path, description = "The id of a `file` field of the service")),
    responses((status = 200, description = "The file, with its media type", content_type = "application/octet-stream"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_document(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, field)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    // Only a file field of some service is a document: anything else is not found before
    // the application is opened, so made-up text never reaches the ledger as a purpose.
    let is_some_file_field = state.catalog.services.values().any(|s| {
        s.field(&field)
            .is_some_and(|f| f.field_type == diwan_domain::service::FieldType::File)
    });
    if field.len() > 64 || !is_some_file_field {
        return Err(ApiError::not_found());
    }
    let app = load_visible(&state, &caller, &id, Purpose::Document(&field)).await?;
    let service = state
        .catalog
        .service(&app.service_id)
        .ok_or_else(ApiError::not_found)?;
    let is_file_field = service
        .field(&field)
        .is_some_and(|f| f.field_type == FieldType::File);
    let upload_id = app
        .data
        .get(&field)
        .and_then(|v| v.as_str())
        .filter(|_| is_file_field)
        .ok_or_else(ApiError::not_found)?;
    let (meta, bytes) = state.store.get_upload_content(upload_id).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&meta.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    // The file name is the citizen's; keep only safe characters in the header.
    let safe_name: String = meta
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}
