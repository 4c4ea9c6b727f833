//! Request extractors whose failures are problem+json like every other error: malformed
//! JSON, a wrong content type, unknown fields, wrong types and oversize bodies all become a
//! clear `4xx` naming the offending field, never a `5xx`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body: like `axum::Json`, with problem+json rejections that say which field failed.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        require_json(req.headers())?;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Refuses a body that does not declare itself JSON (`application/json` or `…+json`).
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "application/json" || v.ends_with("+json")
        })
        .unwrap_or(false);
    if is_json {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Unsupported media type",
        "يجب إرسال البيانات بصيغة JSON مع الترويسة Content-Type: application/json",
        "Send the body as JSON with Content-Type: application/json",
    ))
}

/// Parses JSON, reporting the path of the value that did not fit.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "Malformed JSON",
                format!(
                    "تعذّرت قراءة JSON: خطأ في السطر {} العمود {}",
                    inner.line(),
                    inner.column()
                ),
                format!("The body is not valid JSON: {inner}"),
            );
        }
        let path = e.path().to_string();
        let text = inner.to_string();
        // The path of an unknown field already ends with its name; a missing field is named
        // only in serde's message, and the path locates the object that lacks it.
        let field = between_backticks(&text)
            .filter(|_| text.starts_with("missing field"))
            .map(|f| {
                if path == "." {
                    f.to_string()
                } else {
                    format!("{path}.{f}")
                }
            })
            .unwrap_or_else(|| path.clone());
        let code = if text.starts_with("unknown field") {
            "unknown_field"
        } else if text.starts_with("missing field") {
            "missing_field"
        } else {
            "invalid_type"
        };
        let message_en = text.split(" at line ").next().unwrap_or(&text).to_string();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "Invalid request body",
            format!("قيمة غير صالحة في الحقل «{field}»: {message_en}"),
            format!("Invalid value for `{field}`: {message_en}"),
        )
        .with_field(field)
        .with_extra(serde_json::json!({ "reason": code }))
    })?;
    // Trailing bytes after the value are as malformed as a broken value.
    de.end().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "Malformed JSON",
            "توجد بيانات زائدة بعد نهاية JSON",
            format!("The body is not valid JSON: {e}"),
        )
    })?;
    Ok(value)
}

fn between_backticks(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some(&s[start..start + len])
}

pub fn body_rejection(r: BytesRejection) -> ApiError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unreadable_body",
            "Unreadable body",
            "تعذّرت قراءة محتوى الطلب",
            "The request body could not be read",
        )
    }
}

pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        "Body too large",
        "حجم الطلب أكبر من المسموح",
        "The request body is larger than allowed",
    )
}

/// Query parameters with problem+json rejections.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| {
                let text = e.body_text();
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "Invalid query",
                    format!("معاملات الاستعلام غير صحيحة: {text}"),
                    format!("Invalid query parameters: {text}"),
                )
            })
    }
}

/// Path parameters with problem+json rejections (e.g. an id that is not valid UTF-8).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|e| {
                let text = e.body_text();
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_path",
                    "Invalid path",
                    format!("عنوان الطلب غير صالح: {text}"),
                    format!("Invalid address: {text}"),
                )
            })
    }
}
