//! Liveness and readiness for load balancers and operators.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub services: usize,
}

/// `200` when the node can serve: the database answers and the catalogue is loaded.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.store.ping().await.map_err(ApiError::unavailable)?;
    Ok(Json(Health {
        status: "ok".into(),
        services: state.catalog.services.len(),
    }))
}
