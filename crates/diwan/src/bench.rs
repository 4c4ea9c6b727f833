//! `diwan bench`: throughput and latency over real HTTP against a fresh server, measured in
//! the same run as the disk's own limits, because this disk's flush rate swings by 20x from
//! minute to minute and only same-run ratios mean anything.
//!
//! Scenarios: `submit` (citizens applying), `lifecycle` (submit, start_review, recommend,
//! approve: four writes per application) and `status` (citizens reading an application).
//!
//! Each reports three figures: the durable server (SQLite `synchronous=FULL`, group
//! commit), the same server with durability off (`synchronous=OFF`: the CPU limit), and the
//! naive limit (one row per fsync'd transaction). The last two lines are the ratios.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use diwan_server::startup::{NodeOptions, build_state, serve};
use diwan_store::postgres::{PostgresOptions, PostgresStore};
use diwan_store::sqlite::{SqliteOptions, SqliteStore};
use serde_json::{Value, json};

pub struct BenchOptions {
    pub scenario: String,
    pub clients: usize,
    pub seconds: u64,
    pub catalog: PathBuf,
    pub country: PathBuf,
    /// Where temporary databases go: the disk being measured.
    pub dir: Option<PathBuf>,
    /// A PostgreSQL server to measure instead of the embedded store (a scratch database is
    /// created on it and dropped afterwards).
    pub database: Option<String>,
}

struct RunResult {
    ops: usize,
    errors: usize,
    elapsed: Duration,
    latencies_ms: Vec<f64>,
    batches: (u64, u64),
    /// Ledger leaves appended (and integrated into the tree) during the run.
    leaves: u64,
}

impl RunResult {
    fn rate(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_ms.is_empty() {
            return 0.0;
        }
        let idx = ((self.latencies_ms.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_ms[idx.min(self.latencies_ms.len() - 1)]
    }
}

/// The store under measurement, kept concrete so its batching figures can be read.
enum BenchStore {
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PostgresStore>),
}

impl BenchStore {
    fn as_store(&self) -> Arc<dyn diwan_store::Store> {
        match self {
            BenchStore::Sqlite(s) => s.clone(),
            BenchStore::Postgres(s) => s.clone(),
        }
    }

    /// (batches, jobs): SQLite group commits, or PostgreSQL sequencer batches.
    fn batch_stats(&self) -> (u64, u64) {
        match self {
            BenchStore::Sqlite(s) => s.batch_stats(),
            BenchStore::Postgres(s) => s.sequencer_stats(),
        }
    }
}

pub fn run(options: BenchOptions) -> anyhow::Result<()> {
    if options.database.is_some() {
        return run_postgres(options);
    }
    let scenario = Scenario::parse(&options.scenario)?;
    let base = options.dir.clone().unwrap_or_else(std::env::temp_dir);
    let scratch = tempfile_dir(&base)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "scenario: {}, clients: {}, seconds: {} each, disk: {}",
        options.scenario,
        options.clients,
        options.seconds,
        base.display()
    );

    let naive = naive_commit_rate(
        &scratch.join("naive.db"),
        Duration::from_secs(options.seconds),
    )?;
    println!("naive single-row commits (synchronous=FULL): {naive:.0}/s");

    let durable = runtime.block_on(scenario_run(
        &options,
        scenario,
        &scratch.join("durable"),
        true,
    ))?;
    report(
        "durable (synchronous=FULL, group commit)",
        scenario,
        &durable,
    );
    let nosync = runtime.block_on(scenario_run(
        &options,
        scenario,
        &scratch.join("nosync"),
        false,
    ))?;
    report("no durability (synchronous=OFF)", scenario, &nosync);
    println!("peak_rss_mb: {:.1}", peak_rss_mb());

    // Re-measure the disk after the runs too: its rate drifts, so report the mean of both.
    let naive_after = naive_commit_rate(
        &scratch.join("naive2.db"),
        Duration::from_secs(options.seconds),
    )?;
    let naive_mean = (naive + naive_after) / 2.0;
    println!("naive single-row commits, after: {naive_after:.0}/s (mean {naive_mean:.0}/s)");
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "durable_vs_nosync: {:.2}",
        durable.rate() / nosync.rate().max(1e-9)
    );
    // The last line, on either backend, is the scenario against the disk's own limit.
    println!("ratio_naive: {:.2}", durable.rate() / naive_mean.max(1e-9));
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// Citizens submitting applications.
    Submit,
    /// Submit, then clerk start_review and recommend, then manager approve: four writes.
    Lifecycle,
    /// Citizens reading their application's status.
    Status,
}

impl Scenario {
    fn parse(name: &str) -> anyhow::Result<Scenario> {
        Ok(match name {
            "submit" => Scenario::Submit,
            "lifecycle" => Scenario::Lifecycle,
            "status" => Scenario::Status,
            other => bail!("unknown scenario `{other}`; available: submit, lifecycle, status"),
        })
    }

    fn unit(self) -> &'static str {
        match self {
            Scenario::Submit => "submissions/s",
            Scenario::Lifecycle => "steps/s",
            Scenario::Status => "reads/s",
        }
    }
}

fn report(name: &str, scenario: Scenario, r: &RunResult) {
    let (batches, jobs) = r.batches;
    println!(
        "{name}: {:.0} {}, p50 {:.1} ms, p99 {:.1} ms, errors {}, mean commit batch {:.1}",
        r.rate(),
        scenario.unit(),
        r.percentile(0.50),
        r.percentile(0.99),
        r.errors,
        jobs as f64 / (batches.max(1)) as f64
    );
    println!(
        "  ledger: {} leaves appended and integrated, {:.0}/s",
        r.leaves,
        r.leaves as f64 / r.elapsed.as_secs_f64().max(1e-9)
    );
}

pub(crate) fn tempfile_dir(base: &Path) -> anyhow::Result<PathBuf> {
    let dir = base.join(format!("diwan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// One row per transaction, each committed with a full fsync: what a server without group
/// commit could reach at best on this disk.
fn naive_commit_rate(path: &Path, duration: Duration) -> anyhow::Result<f64> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    )?;
    let body = "x".repeat(600);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < duration {
        conn.execute("INSERT INTO t (body) VALUES (?1)", [&body])?;
        n += 1;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

async fn scenario_run(
    options: &BenchOptions,
    scenario: Scenario,
    data_dir: &Path,
    durable: bool,
) -> anyhow::Result<RunResult> {
    std::fs::create_dir_all(data_dir)?;
    let store = match &options.database {
        None => BenchStore::Sqlite(Arc::new(
            SqliteStore::open(
                &data_dir.join("diwan.db"),
                SqliteOptions {
                    synchronous_full: durable,
                    ..SqliteOptions::default()
                },
            )
            .await?,
        )),
        Some(url) => BenchStore::Postgres(Arc::new(
            PostgresStore::connect(
                url,
                PostgresOptions {
                    pool_size: options.clients.clamp(4, 32),
                },
            )
            .await?,
        )),
    };
    let node = NodeOptions {
        data_dir: data_dir.to_path_buf(),
        catalog_dir: options.catalog.clone(),
        country_file: options.country.clone(),
        demo: false,
        self_enrolment: true,
        secret: Some(vec![1; 32]),
        otp_ttl_secs: 300,
        session_ttl_secs: 3600,
        max_upload_bytes: 10 * 1024 * 1024,
        trust: Default::default(),
        plain_http_cookies_on_loopback: true,
        // Every simulated citizen signs in from this one address.
        client_limits: diwan_server::limits::ClientLimitOptions {
            code_requests_per_window: u32::MAX,
            sign_in_attempts_per_window: u32::MAX,
            officer_attempts_per_window: u32::MAX,
            ..Default::default()
        },
    };
    let state = build_state(store.as_store(), &node).await?;
    let officers = if scenario == Scenario::Lifecycle {
        Some(create_officers(&*store.as_store()).await?)
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state, async {
        let _ = stop_rx.await;
    }));

    // Each client is a different citizen with its own uploaded ID card.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.clients * 2)
        .build()?;
    let mut clients = Vec::new();
    for i in 0..options.clients {
        let national_id = bench_national_id(i);
        let token = sign_in(&http, &base, data_dir, &national_id, i).await?;
        let upload = upload_pdf(&http, &base, &token).await?;
        clients.push((token, upload, national_id));
    }

    let officers = match officers {
        Some((clerk, manager)) => {
            let clerk = login(&http, &base, &clerk).await?;
            let manager = login(&http, &base, &manager).await?;
            Some(Arc::new((clerk, manager)))
        }
        None => None,
    };
    // Reads need something to read: one application per client, made before timing starts.
    let mut targets = Vec::new();
    if scenario == Scenario::Status {
        for (i, (token, upload, national_id)) in clients.iter().enumerate() {
            let created = submit(
                &http,
                &base,
                token,
                &format!("seed-{i}"),
                &application_body(national_id, upload),
            )
            .await?;
            targets.push(created.0);
        }
    }

    let before = store.batch_stats();
    let leaves_before = store.as_store().ledger_head().await?.size;
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (i, (token, upload, national_id)) in clients.into_iter().enumerate() {
        let http = http.clone();
        let base = base.clone();
        let officers = officers.clone();
        let target = targets.get(i).cloned();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let outcome = match (scenario, &officers, &target) {
                    (Scenario::Status, _, Some(id)) => {
                        timed(&mut latencies, get_status(&http, &base, &token, id))
                            .await
                            .map(|_| ())
                    }
                    (Scenario::Lifecycle, Some(o), _) => {
                        let body = application_body(&national_id, &upload);
                        lifecycle(
                            &http,
                            &base,
                            &token,
                            o,
                            &format!("bench-{i}-{n}"),
                            &body,
                            &mut latencies,
                        )
                        .await
                    }
                    _ => {
                        let body = application_body(&national_id, &upload);
                        timed(
                            &mut latencies,
                            submit(&http, &base, &token, &format!("bench-{i}-{n}"), &body),
                        )
                        .await
                        .map(|_| ())
                    }
                };
                if outcome.is_err() {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies_ms = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        latencies_ms.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed();
    let after = store.batch_stats();
    // On PostgreSQL this waits for the sequencer to integrate what the run committed.
    let leaves = store.as_store().ledger_head().await?.size - leaves_before;
    let _ = stop_tx.send(());
    let _ = server.await;
    latencies_ms.sort_by(|a, b| a.total_cmp(b));
    Ok(RunResult {
        ops: latencies_ms.len(),
        errors,
        elapsed,
        latencies_ms,
        batches: (after.0 - before.0, after.1 - before.1),
        leaves,
    })
}

/// A valid Egyptian national ID per client: born 1990-01-01 in Cairo, serial = client number.
fn bench_national_id(i: usize) -> String {
    format!("2900101{:02}{:04}1", 1, i % 10_000)
}

/// Runs one request and records its latency when it succeeds.
async fn timed<T>(
    latencies: &mut Vec<f64>,
    request: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let t0 = Instant::now();
    let result = request.await;
    if result.is_ok() {
        latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    result
}

/// Submits; returns the application's id and version.
async fn submit(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> anyhow::Result<(String, i64)> {
    let r = http
        .post(format!("{base}/api/v1/applications"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await?;
    ensure!(r.status().as_u16() == 201, "submit answered {}", r.status());
    let created: Value = r.json().await?;
    let id = created["id"].as_str().context("no id")?.to_string();
    Ok((id, created["version"].as_i64().unwrap_or(1)))
}

async fn act(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    action: &str,
    version: i64,
) -> anyhow::Result<i64> {
    let r = http
        .post(format!("{base}/api/v1/applications/{id}/actions"))
        .bearer_auth(token)
        .json(&json!({ "action": action, "expected_version": version }))
        .send()
        .await?;
    ensure!(
        r.status().as_u16() == 200,
        "{action} answered {}",
        r.status()
    );
    let updated: Value = r.json().await?;
    Ok(updated["version"].as_i64().unwrap_or(version + 1))
}

async fn get_status(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
) -> anyhow::Result<()> {
    let r = http
        .get(format!("{base}/api/v1/applications/{id}"))
        .bearer_auth(token)
        .send()
        .await?;
    ensure!(r.status().as_u16() == 200, "status answered {}", r.status());
    let _: Value = r.json().await?;
    Ok(())
}

/// Submit, start_review, recommend, approve; each step's latency recorded as one operation.
async fn lifecycle(
    http: &reqwest::Client,
    base: &str,
    citizen: &str,
    officers: &(String, String),
    key: &str,
    body: &Value,
    latencies: &mut Vec<f64>,
) -> anyhow::Result<()> {
    let (clerk, manager) = officers;
    let (id, v) = timed(latencies, submit(http, base, citizen, key, body)).await?;
    let v = timed(latencies, act(http, base, clerk, &id, "start_review", v)).await?;
    let v = timed(latencies, act(http, base, clerk, &id, "recommend", v)).await?;
    timed(latencies, act(http, base, manager, &id, "approve", v)).await?;
    Ok(())
}

/// A clerk and a manager of the agency owning `birth_certificate`; returns their usernames.
async fn create_officers(
    store: &dyn diwan_store::Store,
) -> anyhow::Result<((String, String), (String, String))> {
    let password = "bench-officer-password".to_string();
    let hash = diwan_server::crypto::hash_password(&password).map_err(anyhow::Error::msg)?;
    let mut made = Vec::new();
    for role in ["clerk", "manager"] {
        let username = format!("bench.{role}");
        store
            .create_officer(diwan_store::NewOfficer {
                id: format!("bench-{role}"),
                username: username.clone(),
                display_name: username.clone(),
                agency: "moi_civil_status".into(),
                roles: vec![role.into()],
                password_hash: hash.clone(),
                at: 0,
            })
            .await?;
        made.push((username, password.clone()));
    }
    let manager = made.pop().context("manager")?;
    let clerk = made.pop().context("clerk")?;
    Ok((clerk, manager))
}

async fn login(
    http: &reqwest::Client,
    base: &str,
    (username, password): &(String, String),
) -> anyhow::Result<String> {
    let r: Value = http
        .post(format!("{base}/api/v1/auth/officer/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await?
        .json()
        .await?;
    r["token"]
        .as_str()
        .map(str::to_string)
        .context("officer sign-in returned no token")
}

fn application_body(national_id: &str, upload: &str) -> Value {
    json!({
        "service_id": "birth_certificate",
        "data": {
            "holder_national_id": national_id,
            "holder_name": "محمد أحمد علي حسن",
            "mother_name": "فاطمة محمود",
            "relationship": "self",
            "copies": 1,
            "contact_phone": "01012345678",
            "applicant_id_card": upload
        }
    })
}

async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    data_dir: &Path,
    national_id: &str,
    i: usize,
) -> anyhow::Result<String> {
    let phone = format!("0101{:07}", i);
    let r = http
        .post(format!("{base}/api/v1/auth/citizen/otp"))
        .json(&json!({ "national_id": national_id, "phone": phone }))
        .send()
        .await?;
    anyhow::ensure!(
        r.status().as_u16() == 202,
        "code request failed: {}",
        r.text().await?
    );
    let e164 = format!("+20{}", &phone[1..]);
    let outbox = std::fs::read_to_string(data_dir.join("outbox").join("sms.jsonl"))?;
    let code = outbox
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|m| m["to"] == e164.as_str())
        .and_then(|m| m["text"].as_str().map(str::to_string))
        .and_then(|t| {
            t.split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 6)
                .map(str::to_string)
        })
        .context("no code in the outbox")?;
    let r: Value = http
        .post(format!("{base}/api/v1/auth/citizen/verify"))
        .json(&json!({ "national_id": national_id, "code": code }))
        .send()
        .await?
        .json()
        .await?;
    r["token"]
        .as_str()
        .map(str::to_string)
        .context("sign-in returned no token")
}

async fn upload_pdf(http: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<String> {
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n% bench\n".to_vec()).file_name("id.pdf");
    let form = reqwest::multipart::Form::new().part("file", part);
    let r: Value = http
        .post(format!("{base}/api/v1/uploads"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await?
        .json()
        .await?;
    r["id"]
        .as_str()
        .map(str::to_string)
        .context("upload returned no id")
}

/// Peak resident memory of this process (server and clients together), from /proc.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// PostgreSQL: the scenario against a scratch database, and in the same run the server's raw
/// rate of single-row inserts, each its own transaction with `synchronous_commit=on`, from the
/// same number of clients.
fn run_postgres(mut options: BenchOptions) -> anyhow::Result<()> {
    let scenario = Scenario::parse(&options.scenario)?;
    let server_url = options.database.clone().context("a database URL")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let scratch = tempfile_dir(&options.dir.clone().unwrap_or_else(std::env::temp_dir))?;
    let db_name = format!("diwan_bench_{}", std::process::id());
    let db_url = runtime.block_on(create_database(&server_url, &db_name))?;
    println!(
        "scenario: {}, clients: {}, seconds: {} each, PostgreSQL database {db_name}",
        options.scenario, options.clients, options.seconds
    );
    options.database = Some(db_url.clone());
    let result = (|| -> anyhow::Result<()> {
        let naive = runtime.block_on(pg_insert_rate(
            &db_url,
            options.clients,
            Duration::from_secs(options.seconds),
        ))?;
        println!(
            "raw single-row inserts (synchronous_commit=on, {} clients): {naive:.0}/s",
            options.clients
        );
        let run = runtime.block_on(scenario_run(&options, scenario, &scratch.join("pg"), true))?;
        report("PostgreSQL", scenario, &run);
        println!("peak_rss_mb: {:.1}", peak_rss_mb());
        let naive_after = runtime.block_on(pg_insert_rate(
            &db_url,
            options.clients,
            Duration::from_secs(options.seconds),
        ))?;
        let naive_mean = (naive + naive_after) / 2.0;
        println!("raw single-row inserts, after: {naive_after:.0}/s (mean {naive_mean:.0}/s)");
        println!("ratio_naive: {:.2}", run.rate() / naive_mean.max(1e-9));
        Ok(())
    })();
    let _ = runtime.block_on(drop_database(&server_url, &db_name));
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// The URL of `db` on the same server as `url`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_end..]
        .find('/')
        .map(|i| i + authority_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn admin_client(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

pub(crate) async fn create_database(url: &str, name: &str) -> anyhow::Result<String> {
    let client = admin_client(url)
        .await
        .context("cannot connect to PostgreSQL")?;
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    Ok(with_database(url, name))
}

pub(crate) async fn drop_database(url: &str, name: &str) -> anyhow::Result<()> {
    let client = admin_client(url).await?;
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    Ok(())
}

async fn pg_insert_rate(url: &str, clients: usize, duration: Duration) -> anyhow::Result<f64> {
    let setup = admin_client(url).await?;
    setup
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS bench_naive (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)",
        )
        .await?;
    let deadline = Instant::now() + duration;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let client = admin_client(&url).await?;
            client.batch_execute("SET synchronous_commit = on").await?;
            let insert = client
                .prepare("INSERT INTO bench_naive (body) VALUES ($1)")
                .await?;
            let body = "x".repeat(600);
            let mut n = 0u64;
            while Instant::now() < deadline {
                client.execute(&insert, &[&body]).await?;
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}
