//! The public, tamper-evident log: signed checkpoints, the exact leaf bytes, RFC 6962 proofs
//! computed from stored nodes (O(log n) reads each), and the checkpoint key. No sign-in: the
//! log holds no personal data in clear, and anyone may audit it.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diwan_ledger::{Checkpoint, Hash, NodeId, NodeMap};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The most entries one request returns.
const MAX_ENTRIES: u64 = 1_000;

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn out_of_range(field: &str, ar: &str, en: &str) -> ApiError {
    ApiError::invalid_field(field, "out_of_range", ar.to_owned(), en.to_owned())
}

/// The latest signed checkpoint (C2SP tlog-checkpoint, a signed note).
#[utoipa::path(get, path = "/ledger/checkpoint", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain")))]
pub async fn checkpoint(State(state): State<AppState>) -> ApiResult<Response> {
    let head = state.store.ledger_head().await?;
    let signer = state.trust.checkpoint_signer();
    let note = signer
        .sign_checkpoint(&Checkpoint::new(signer.name(), head.size, Hash(head.root)))
        .map_err(ApiError::internal)?;
    Ok(text(note))
}

/// The checkpoint verifier key, C2SP `vkey` form.
#[utoipa::path(get, path = "/ledger/vkey", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain")))]
pub async fn vkey(State(state): State<AppState>) -> Response {
    text(format!(
        "{}\n",
        state.trust.checkpoint_signer().verifier_key()
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    /// First index (from 0).
    pub start: u64,
    /// One past the last index; at most 1000 entries are returned, and never past the tree.
    pub end: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryDto {
    pub index: u64,
    /// Base64 of the exact leaf bytes: `SHA-256(0x00 || data)` is the leaf hash.
    pub data: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntriesDto {
    pub entries: Vec<LedgerEntryDto>,
}

/// Leaves `start..end` of the log, as stored.
#[utoipa::path(get, path = "/ledger/entries", tag = "ledger", params(EntriesQuery),
    responses((status = 200, body = EntriesDto),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn entries(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<EntriesQuery>,
) -> ApiResult<Json<EntriesDto>> {
    if query.end < query.start {
        return Err(out_of_range(
            "end",
            "يجب ألا تكون النهاية قبل البداية",
            "end must not be before start",
        ));
    }
    let end = query.end.min(query.start.saturating_add(MAX_ENTRIES));
    let leaves = state.store.ledger_leaves(query.start, end).await?;
    Ok(Json(EntriesDto {
        entries: leaves
            .into_iter()
            .filter_map(|leaf| {
                leaf.index.map(|index| LedgerEntryDto {
                    index,
                    data: STANDARD.encode(&leaf.entry),
                })
            })
            .collect(),
    }))
}

/// Reads the stored nodes a proof needs, in one store call, as a node map.
async fn stored(state: &AppState, wanted: Vec<NodeId>) -> ApiResult<NodeMap> {
    let keys: Vec<(u8, u64)> = wanted.iter().map(|n| (n.level(), n.index())).collect();
    let hashes = state.store.ledger_nodes(&keys).await?;
    let mut map = NodeMap::new();
    for (node, hash) in wanted.into_iter().zip(hashes) {
        map.insert(node, Hash(hash));
    }
    Ok(map)
}

fn encode(hashes: Vec<Hash>) -> Vec<String> {
    hashes.into_iter().map(|h| h.to_base64()).collect()
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    pub index: u64,
    /// The tree size of the checkpoint the proof is for.
    pub size: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionDto {
    pub index: u64,
    pub size: u64,
    /// Base64 hashes, leaf side first (RFC 9162 inclusion proof).
    pub hashes: Vec<String>,
}

/// Proof that leaf `index` is in the tree of `size` leaves.
#[utoipa::path(get, path = "/ledger/proof/inclusion", tag = "ledger", params(InclusionQuery),
    responses((status = 200, body = InclusionDto),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn inclusion(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<InclusionQuery>,
) -> ApiResult<Json<InclusionDto>> {
    let head = state.store.ledger_head().await?;
    if query.size == 0 || query.size > head.size {
        return Err(out_of_range(
            "size",
            "حجم الشجرة أكبر من السجل الحالي",
            "size is beyond the current log",
        ));
    }
    if query.index >= query.size {
        return Err(out_of_range(
            "index",
            "الرقم خارج الشجرة",
            "index is not below size",
        ));
    }
    let wanted =
        diwan_ledger::inclusion_proof_nodes(query.index, query.size).map_err(ApiError::internal)?;
    let map = stored(&state, wanted).await?;
    let proof =
        diwan_ledger::inclusion_proof(&map, query.index, query.size).map_err(ApiError::internal)?;
    Ok(Json(InclusionDto {
        index: query.index,
        size: query.size,
        hashes: encode(proof),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyDto {
    pub from: u64,
    pub to: u64,
    /// Base64 hashes (RFC 9162 consistency proof).
    pub hashes: Vec<String>,
}

/// Proof that the tree of `from` leaves is a prefix of the tree of `to` leaves.
#[utoipa::path(get, path = "/ledger/proof/consistency", tag = "ledger", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyDto),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn consistency(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ConsistencyQuery>,
) -> ApiResult<Json<ConsistencyDto>> {
    let head = state.store.ledger_head().await?;
    if query.to > head.size {
        return Err(out_of_range(
            "to",
            "حجم الشجرة أكبر من السجل الحالي",
            "to is beyond the current log",
        ));
    }
    if query.from > query.to {
        return Err(out_of_range(
            "from",
            "يجب ألا يكون الحجم الأول أكبر من الثاني",
            "from must not be greater than to",
        ));
    }
    let wanted =
        diwan_ledger::consistency_proof_nodes(query.from, query.to).map_err(ApiError::internal)?;
    let map = stored(&state, wanted).await?;
    let proof =
        diwan_ledger::consistency_proof(&map, query.from, query.to).map_err(ApiError::internal)?;
    Ok(Json(ConsistencyDto {
        from: query.from,
        to: query.to,
        hashes: encode(proof),
    }))
}
