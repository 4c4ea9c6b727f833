//! Finding a service from what a citizen types: Arabic, Egyptian colloquial, Arabizi or
//! English. The ranking is `diwan_search`'s; this handler checks the query and translates.

use axum::Json;
use axum::extract::State;
use diwan_domain::form::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Longest query accepted: a question, not a document. Ranking time grows with its words.
const MAX_QUERY_CHARS: usize = 500;
const MAX_LIMIT: i64 = 20;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// What the citizen needs, in their own words (up to 500 characters).
    pub q: Option<String>,
    /// 1 to 20, default 5.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub service_id: String,
    /// Relevance, comparable only between the results of one query.
    pub score: f32,
    pub name_ar: String,
    pub name_en: String,
}

/// Something the citizen asked for that is not a service here, and where it is done.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoneElsewhere {
    /// The entry's id in the catalogue's `elsewhere.toml`.
    pub id: String,
    pub name_ar: String,
    pub name_en: String,
    /// Where to go for it.
    pub where_ar: String,
    pub where_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// Best first.
    pub results: Vec<SearchHit>,
    /// `false` when no service is a confident match: the results are at most suggestions,
    /// and the question may be about something Diwan does not offer.
    pub confident: bool,
    /// Set when the question is about something Diwan does not serve but knows where it is
    /// done (a first driving licence, paying a bill): show this rather than the results,
    /// which are then only loosely related. `confident` is then `false`.
    pub done_elsewhere: Option<DoneElsewhere>,
}

/// Services matching a free-text question, best first.
#[utoipa::path(get, path = "/search", tag = "catalogue",
    params(SearchQuery),
    responses((status = 200, body = SearchResponse),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchResponse>> {
    let q = query.q.as_deref().map(str::trim).unwrap_or_default();
    let mut errors = Vec::new();
    if q.is_empty() {
        errors.push(FieldError::new(
            "q",
            "required",
            "اكتب ما تبحث عنه",
            "Type what you are looking for",
        ));
    } else if q.chars().count() > MAX_QUERY_CHARS {
        errors.push(FieldError::new(
            "q",
            "too_long",
            format!("البحث أطول من {MAX_QUERY_CHARS} حرف"),
            format!("The query is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    let limit = query.limit.unwrap_or(5);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            "out_of_range",
            format!("يجب أن يكون العدد بين ١ و{MAX_LIMIT}"),
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let found = state.search.search(q, limit as usize);
    Ok(Json(SearchResponse {
        results: found
            .hits
            .iter()
            .map(|h| SearchHit {
                service_id: h.service_id.to_string(),
                // Three decimals: the rest is noise and makes answers harder to compare.
                score: (h.score * 1000.0).round() / 1000.0,
                name_ar: h.name_ar.to_string(),
                name_en: h.name_en.to_string(),
            })
            .collect(),
        confident: found.confident,
        done_elsewhere: found
            .elsewhere
            .and_then(|h| state.catalog.elsewhere.get(h.service_id))
            .map(|e| DoneElsewhere {
                id: e.id.clone(),
                name_ar: e.name.ar.clone(),
                name_en: e.name.en.clone(),
                where_ar: e.done_at.ar.clone(),
                where_en: e.done_at.en.clone(),
            }),
    }))
}
