//! Prometheus metrics: every API request counted and timed by a middleware ([`track`]), and
//! the store's figures (applications per service and state, overdue ones, group commits, pool
//! size) read once per scrape. Served by [`crate::startup::serve_metrics`] on a listener of its
//! own, never on the API's.
//!
//! Each node has its own recorder, not the process-global one: a test process runs many nodes
//! and each must count only its own requests. Recording starts when the metrics listener is
//! served, so a node without one pays nothing and keeps no samples.
//!
//! Must never: put a raw path, a token, a national ID or any other request value in a label.
//! Labels are route templates, method names, status codes, service ids and state ids, all
//! bounded by the router and the catalogue.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use diwan_domain::service::Catalog;
use diwan_store::{OverdueCutoff, StoreMetrics};
use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::error::ApiError;
use crate::state::AppState;

/// Buckets of every `*_seconds` histogram, 1 ms to 10 s. Set explicitly so the exporter writes
/// real Prometheus histograms (aggregatable across nodes), not summaries.
pub const LATENCY_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The Prometheus text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How often recorded samples are folded into their buckets between scrapes.
pub(crate) const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The `route` label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// One node's recorder.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// False until the metrics listener is served.
    enabled: AtomicBool,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("enabled", &self.is_enabled())
            .finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let builder = PrometheusBuilder::new();
        // Fails only for an empty bucket list, which LATENCY_BUCKETS is not.
        let builder = builder
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            describe_counter!(
                "diwan_http_requests_total",
                "HTTP requests answered, by method, route template and status code."
            );
            describe_histogram!(
                "diwan_http_request_duration_seconds",
                Unit::Seconds,
                "Time to answer an HTTP request (until the response head), by method and route template."
            );
        });
        Metrics {
            recorder,
            handle,
            enabled: AtomicBool::new(false),
        }
    }

    /// Starts recording requests; called when the metrics listener is served.
    pub(crate) fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Folds recorded samples into their buckets so memory stays bounded between scrapes.
    pub(crate) fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }

    fn record_request(&self, method: &'static str, route: String, status: u16, took: Duration) {
        metrics::with_local_recorder(&self.recorder, || {
            counter!(
                "diwan_http_requests_total",
                "method" => method,
                "route" => route.clone(),
                "status" => status.to_string(),
            )
            .increment(1);
            histogram!(
                "diwan_http_request_duration_seconds",
                "method" => method,
                "route" => route,
            )
            .record(took.as_secs_f64());
        });
    }
}

/// Middleware: counts and times every request by method, route template and status. Applied
/// per route by `Router::layer`, so axum's [`MatchedPath`] is already known here.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    if !metrics.is_enabled() {
        return next.run(request).await;
    }
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    metrics.record_request(method, route, response.status().as_u16(), started.elapsed());
    response
}

/// The method as a label: anything but the standard methods is `other`, since a client may
/// send any token as a method and each would otherwise become a new series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// The metrics listener's routes: `GET /metrics`, and problem+json for anything else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::not_found() })
        .with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        render(&state).await,
    )
        .into_response()
}

/// The whole exposition: the recorded request metrics, then the store's figures read now.
pub async fn render(state: &AppState) -> String {
    let mut out = state.metrics.handle.render();
    let cutoffs = overdue_cutoffs(&state.catalog, state.now_ms());
    let snapshot = state.store.metrics_snapshot(&cutoffs).await;
    if let Err(e) = &snapshot {
        tracing::error!(error = %e, "metrics: the store's figures could not be read");
    }
    family(
        &mut out,
        "diwan_store_up",
        "gauge",
        "1 when the store answered this scrape's query, else 0.",
    );
    let _ = writeln!(out, "diwan_store_up {}", u8::from(snapshot.is_ok()));
    if let Ok(snapshot) = snapshot {
        write_store(&mut out, &state.catalog, &cutoffs, &snapshot);
    }
    out
}

/// One cutoff per state with a service-level target: an application in that state since
/// before `now - sla_hours` is overdue.
pub fn overdue_cutoffs(catalog: &Catalog, now_ms: i64) -> Vec<OverdueCutoff> {
    catalog
        .services
        .values()
        .flat_map(|service| {
            service.workflow.states.iter().filter_map(move |state| {
                state.sla_hours.map(|hours| OverdueCutoff {
                    service_id: service.id.clone(),
                    state: state.id.clone(),
                    before: now_ms.saturating_sub(i64::from(hours) * 3_600_000),
                })
            })
        })
        .collect()
}

fn write_store(out: &mut String, catalog: &Catalog, cutoffs: &[OverdueCutoff], s: &StoreMetrics) {
    if let Some(counts) = &s.applications {
        // Every state of every service, zero included, so a series does not vanish when its
        // last application moves on; plus any pair only the store knows (a retired service).
        let mut table: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
        for service in catalog.services.values() {
            for state in &service.workflow.states {
                table.insert((&service.id, &state.id), (0, 0));
            }
        }
        for c in counts {
            table.insert((&c.service_id, &c.state), (c.count, c.overdue));
        }
        family(
            out,
            "diwan_applications",
            "gauge",
            "Applications now in each state of each service.",
        );
        for ((service, state), (count, _)) in &table {
            let _ = writeln!(
                out,
                "diwan_applications{{service=\"{}\",state=\"{}\"}} {count}",
                escape(service),
                escape(state)
            );
        }
        family(
            out,
            "diwan_applications_overdue",
            "gauge",
            "Applications in a state longer than its service-level target (states with a target only).",
        );
        for cutoff in cutoffs {
            let overdue = table
                .get(&(cutoff.service_id.as_str(), cutoff.state.as_str()))
                .map_or(0, |(_, overdue)| *overdue);
            let _ = writeln!(
                out,
                "diwan_applications_overdue{{service=\"{}\",state=\"{}\"}} {overdue}",
                escape(&cutoff.service_id),
                escape(&cutoff.state)
            );
        }
    }
    if let Some(commits) = s.commits {
        family(
            out,
            "diwan_store_commit_batches_total",
            "counter",
            "Group commits (one transaction and one fsync each) since the store opened.",
        );
        let _ = writeln!(out, "diwan_store_commit_batches_total {}", commits.batches);
        family(
            out,
            "diwan_store_commit_jobs_total",
            "counter",
            "Write jobs committed in those batches; jobs / batches is the mean batch size.",
        );
        let _ = writeln!(out, "diwan_store_commit_jobs_total {}", commits.jobs);
    }
    if let Some(pool) = s.pool {
        family(
            out,
            "diwan_store_pool_connections",
            "gauge",
            "Database connections the store's pool holds.",
        );
        let _ = writeln!(out, "diwan_store_pool_connections {}", pool.size);
        if let Some(idle) = pool.idle {
            family(
                out,
                "diwan_store_pool_idle_connections",
                "gauge",
                "Database connections of the pool not in use.",
            );
            let _ = writeln!(out, "diwan_store_pool_idle_connections {idle}");
        }
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value in the text format: backslash, double quote and newline escaped.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn unusual_methods_share_one_label() {
        let custom = Method::from_bytes(b"SECRET-TOKEN-123").expect("a method token");
        assert_eq!(method_label(&custom), "other");
        assert_eq!(method_label(&Method::POST), "POST");
    }

    #[test]
    fn latency_is_a_histogram_with_buckets() {
        let metrics = Metrics::new();
        metrics.record_request("GET", "/healthz".to_owned(), 200, Duration::from_millis(3));
        let text = metrics.handle.render();
        assert!(
            text.contains("# TYPE diwan_http_request_duration_seconds histogram"),
            "{text}"
        );
        assert!(
            text.contains(
                "diwan_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.005\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "diwan_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
            ),
            "{text}"
        );
    }
}
