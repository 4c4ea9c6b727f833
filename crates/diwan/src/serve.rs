//! `diwan serve`: open the store, assemble the node, listen.

use anyhow::Context;
use diwan_server::startup::{NodeOptions, build_state, serve, serve_metrics};

use crate::config::Config;

pub async fn run(config: Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    // One server per data folder: a second one (or a restore) would corrupt the other's view.
    let _lock = crate::backup::lock_data_dir(&config.data_dir)?;
    let store = crate::store::open(
        config.database.as_deref(),
        &config.data_dir,
        config.database_pool_size,
    )
    .await?;
    let secret = match (&config.secret, &config.secret_file) {
        (Some(s), _) => Some(s.as_bytes().to_vec()),
        (None, Some(file)) => Some(
            std::fs::read(file)
                .with_context(|| format!("cannot read secret_file {}", file.display()))?,
        ),
        (None, None) => None,
    };
    // Every node must hash sign-in codes with the same key, or a code sent by one node
    // fails on the next: with a shared database the key cannot be generated per node.
    if secret.is_none()
        && !matches!(
            crate::store::backend(config.database.as_deref())?,
            crate::store::Backend::Sqlite
        )
    {
        anyhow::bail!(
            "with PostgreSQL every node needs the same `secret_file` (or DIWAN_SECRET); set one"
        );
    }
    let options = NodeOptions {
        data_dir: config.data_dir.clone(),
        catalog_dir: config.catalog.clone(),
        country_file: config.country.clone(),
        demo: config.demo,
        self_enrolment: config.citizen_self_enrolment,
        secret,
        otp_ttl_secs: config.otp_ttl_secs,
        session_ttl_secs: config.session_ttl_secs,
        max_upload_bytes: config.max_upload_bytes,
        trust: config.trust()?,
        // The demo runs on the developer's own machine over plain HTTP.
        plain_http_cookies_on_loopback: config.demo,
        client_limits: config.client_limits()?,
    };
    let state = build_state(store, &options).await?;
    let services = state.catalog.services.len();
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to learn the port when listening on port 0.
    println!(
        "diwan listening on http://{addr} ({services} services, data in {})",
        display(&config.data_dir)
    );
    if config.demo {
        println!(
            "demo officer accounts: {}",
            display(&config.data_dir.join("demo-credentials.json"))
        );
        println!(
            "demo sign-in codes: {}",
            display(&config.data_dir.join("outbox").join("sms.jsonl"))
        );
    }
    let metrics = match &config.metrics_listen {
        Some(metrics_addr) => {
            let metrics_listener = tokio::net::TcpListener::bind(metrics_addr)
                .await
                .with_context(|| format!("cannot listen for metrics on {metrics_addr}"))?;
            println!(
                "diwan metrics on http://{}/metrics",
                metrics_listener.local_addr()?
            );
            Some(tokio::spawn(serve_metrics(
                metrics_listener,
                state.clone(),
                shutdown_signal(),
            )))
        }
        None => None,
    };
    serve(listener, state, shutdown_signal()).await?;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    Ok(())
}

fn display(p: &std::path::Path) -> String {
    p.display().to_string()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
