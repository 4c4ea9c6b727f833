//! Document uploads. A citizen uploads a file first and puts the returned id in a `file`
//! field. The type is decided from the file's own bytes, not from what the client claims.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use diwan_store::{NewUpload, StoreError, UploadMeta, UploadQuota};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::crypto::sha256_hex;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::too_large;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadDto {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

impl From<UploadMeta> for UploadDto {
    fn from(m: UploadMeta) -> Self {
        UploadDto {
            id: m.id,
            filename: m.filename,
            content_type: m.content_type,
            size: m.size,
            sha256: m.sha256,
        }
    }
}

/// The media type of a file by its magic bytes, for the types Diwan accepts.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// What one citizen may upload in a day: the papers of several applications, with room for
/// retakes, while one account cannot fill the store's disk.
const QUOTA_WINDOW_MS: i64 = 24 * 3600 * 1000;
const QUOTA_FILES: u32 = 40;
const QUOTA_BYTES: u64 = 200 * 1024 * 1024;

/// Keeps a checked file (type sniffed, size within the limit) as the caller's upload, within
/// the caller's daily quota. The API and the portal's forms both store uploads through here.
pub(crate) async fn store(
    state: &AppState,
    caller: &Caller,
    filename: String,
    content_type: &str,
    bytes: &[u8],
) -> ApiResult<UploadMeta> {
    let now = state.now_ms();
    let stored = state
        .store
        .put_upload(NewUpload {
            id: uuid::Uuid::now_v7().to_string(),
            owner_id: caller.user.id.clone(),
            filename,
            content_type: content_type.to_owned(),
            sha256: sha256_hex(bytes),
            bytes: bytes.to_vec(),
            at: now,
            quota: Some(UploadQuota {
                since: now - QUOTA_WINDOW_MS,
                max_files: QUOTA_FILES,
                max_bytes: QUOTA_BYTES,
            }),
        })
        .await;
    match stored {
        Ok(meta) => Ok(meta),
        Err(StoreError::UploadQuotaReached { oldest_at }) => {
            let wait_ms = (oldest_at + QUOTA_WINDOW_MS - now).max(1_000);
            Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "upload_quota_reached",
                "Upload quota reached",
                format!(
                    "رفعت اليوم أكثر مما يُسمح به ({QUOTA_FILES} ملفًا أو {} ميجابايت)؛ استخدم الملفات التي رفعتها أو حاول لاحقًا",
                    QUOTA_BYTES / (1024 * 1024)
                ),
                format!(
                    "You have uploaded the most allowed in a day ({QUOTA_FILES} files or {} MB); use the files you uploaded or try later",
                    QUOTA_BYTES / (1024 * 1024)
                ),
            )
            .with_field("file")
            .retry_after(u64::try_from(wait_ms).unwrap_or(1_000).div_ceil(1000)))
        }
        Err(e) => Err(e.into()),
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_multipart",
            "Invalid multipart body",
            "يجب إرسال الملف كنموذج multipart/form-data في الحقل file",
            "Send the file as multipart/form-data in the field `file`",
        )
        .with_field("file")
    }
}

/// Uploads one document (PDF, JPEG or PNG) in the multipart field `file`.
#[utoipa::path(post, path = "/uploads", tag = "applications", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "One part named `file`."),
    responses((status = 201, body = UploadDto),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<UploadDto>)> {
    caller.require_citizen()?;
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "يجب إرسال الملف كنموذج multipart/form-data",
            "Send the file as multipart/form-data",
        )
    })?;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = diwan_domain::clean_text::clean_file_name(field.file_name().unwrap_or(""));
        let bytes = field.bytes().await.map_err(multipart_error)?;
        if bytes.is_empty() {
            return Err(ApiError::invalid_field(
                "file",
                "empty_file",
                "الملف فارغ",
                "The file is empty",
            ));
        }
        let Some(content_type) = sniff(&bytes) else {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "file_type_not_accepted",
                "File type not accepted",
                "نقبل ملفات PDF أو صور JPEG أو PNG فقط",
                "We accept only PDF files and JPEG or PNG images",
            )
            .with_field("file"));
        };
        let meta = store(&state, &caller, filename, content_type, &bytes).await?;
        return Ok((StatusCode::CREATED, Json(meta.into())));
    }
    Err(ApiError::invalid_field(
        "file",
        "required",
        "أرفق الملف في الحقل file",
        "Attach the file in the field `file`",
    ))
}
