//! The one error type of the API. Every error leaves as `application/problem+json`
//! (RFC 9457) with a stable `code`, the offending `field` when there is one, and a message in
//! Arabic and English. A 5xx shows the client nothing internal; the cause goes to the log.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use diwan_domain::form::FieldError;
use diwan_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Boxed so that `Result<T, ApiError>` stays one pointer wide on the happy path.
#[derive(Debug)]
pub struct ApiError(Box<ApiErrorParts>);

#[derive(Debug)]
pub struct ApiErrorParts {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub message_ar: String,
    pub message_en: String,
    pub field: Option<String>,
    pub errors: Vec<FieldError>,
    pub extra: Option<serde_json::Value>,
    pub retry_after_secs: Option<u64>,
    /// For logs only: the internal cause of a 5xx.
    pub cause: Option<String>,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:diwan:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short English summary of the kind of problem.
    pub title: String,
    pub status: u16,
    /// The English message, as RFC 9457's `detail`.
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    pub message_ar: String,
    pub message_en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every failing field of a form, for `422 validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldErrorDoc>)]
    pub errors: Vec<FieldError>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub extra: Option<serde_json::Value>,
}

/// One failing form field.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct FieldErrorDoc {
    pub field: String,
    pub code: String,
    pub message_ar: String,
    pub message_en: String,
}

impl std::ops::Deref for ApiError {
    type Target = ApiErrorParts;
    fn deref(&self) -> &ApiErrorParts {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ApiErrorParts {
        &mut self.0
    }
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        ar: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        ApiError(Box::new(ApiErrorParts {
            status,
            code,
            title,
            message_ar: ar.into(),
            message_en: en.into(),
            field: None,
            errors: Vec::new(),
            extra: None,
            retry_after_secs: None,
            cause: None,
        }))
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_extra(mut self, extra: serde_json::Value) -> Self {
        self.extra = Some(extra);
        self
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// `422` listing every failing field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let field = if errors.len() == 1 {
            errors.first().map(|e| e.field.clone())
        } else {
            None
        };
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Validation failed",
            "بعض البيانات غير صحيحة؛ راجع الحقول المذكورة",
            "Some of the information is not valid; check the fields listed",
        );
        e.field = field;
        e.errors = errors;
        e
    }

    /// One invalid field of a request body, as a `422` with a single entry.
    pub fn invalid_field(
        field: &str,
        code: &str,
        ar: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        ApiError::validation(vec![FieldError::new(field, code, ar, en)])
    }

    pub fn not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            "لم يتم العثور على ما تبحث عنه",
            "We could not find what you asked for",
        )
    }

    pub fn unauthenticated() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign-in required",
            "يرجى تسجيل الدخول أولًا",
            "Sign in first",
        )
    }

    pub fn forbidden(ar: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", ar, en)
    }

    /// A server-side failure: the client learns only that it failed and may retry.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal error",
            "حدث خطأ في الخادم؛ حاول مرة أخرى بعد قليل",
            "Something went wrong on our side; try again shortly",
        );
        e.cause = Some(cause.to_string());
        e
    }

    /// The stable code, for a caller that handles one kind of problem itself.
    pub fn code(&self) -> &'static str {
        self.0.code
    }

    /// The messages, Arabic then English.
    pub fn messages(&self) -> (&str, &str) {
        (&self.0.message_ar, &self.0.message_en)
    }

    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            "الخدمة غير متاحة مؤقتًا؛ حاول بعد قليل",
            "The service is temporarily unavailable; try again shortly",
        );
        e.cause = Some(cause.to_string());
        e.retry_after(5)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::VersionConflict { current, state } => ApiError::new(
                StatusCode::CONFLICT,
                "version_conflict",
                "Version conflict",
                "تغيّر الطلب منذ أن اطّلعت عليه؛ أعد تحميله ثم حاول مرة أخرى",
                "The application changed since you read it; reload it and try again",
            )
            .with_field("expected_version")
            .with_extra(serde_json::json!({ "current_version": current, "current_state": state })),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = *self.0;
        if e.status.is_server_error() {
            tracing::error!(
                code = e.code,
                cause = e.cause.as_deref().unwrap_or(""),
                "request failed"
            );
        }
        let body = Problem {
            problem_type: format!("urn:diwan:problem:{}", e.code),
            title: e.title.to_string(),
            status: e.status.as_u16(),
            detail: e.message_en.clone(),
            code: e.code.to_string(),
            message_ar: e.message_ar,
            message_en: e.message_en,
            field: e.field,
            errors: e.errors,
            extra: e.extra,
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (e.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = e.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if e.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
