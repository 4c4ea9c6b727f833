//! `diwan bench ledger`: the tamper-evident log as the store keeps it. Appends N real ledger
//! entries through the store (concurrently, so SQLite's writer groups them and PostgreSQL's
//! sequencer integrates them in batches), then times inclusion and consistency proofs built
//! from the stored nodes — the reads a proof request makes, O(log n) of them in one query.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use diwan_ledger::{ActorKind, DataAccess, Hash, LedgerEntry, NodeId, NodeMap};
use diwan_store::postgres::{PostgresOptions, PostgresStore};
use diwan_store::sqlite::{SqliteOptions, SqliteStore};
use diwan_store::{LEAF_DATA_ACCESS, NewLeaf, Store};

pub struct LedgerBenchOptions {
    pub leaves: u64,
    pub clients: usize,
    pub dir: Option<PathBuf>,
    pub database: Option<String>,
}

/// Proofs timed at the final size.
const PROOFS: usize = 1_000;

pub fn run(options: LedgerBenchOptions) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let scratch =
        crate::bench::tempfile_dir(&options.dir.clone().unwrap_or_else(std::env::temp_dir))?;
    let result = runtime.block_on(async {
        match &options.database {
            None => {
                let store =
                    SqliteStore::open(&scratch.join("ledger.db"), SqliteOptions::default()).await?;
                println!("store: SQLite ({}), durable", scratch.display());
                measure(Arc::new(store), &options).await
            }
            Some(url) => {
                let name = format!("diwan_ledger_bench_{}", std::process::id());
                let db_url = crate::bench::create_database(url, &name).await?;
                println!("store: PostgreSQL database {name}");
                let outcome = async {
                    let store = PostgresStore::connect(
                        &db_url,
                        PostgresOptions {
                            pool_size: options.clients.clamp(4, 32),
                        },
                    )
                    .await?;
                    measure(Arc::new(store), &options).await
                }
                .await;
                let _ = crate::bench::drop_database(url, &name).await;
                outcome
            }
        }
    });
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// A realistic entry: an officer opening an application.
fn entry(n: u64) -> anyhow::Result<Vec<u8>> {
    LedgerEntry::DataAccess(DataAccess {
        application_id: format!("0192f0c1-7a2b-7c3d-8e4f-{n:012}"),
        reader_kind: ActorKind::Officer,
        reader_role: Some("clerk".to_owned()),
        reader_agency: Some("moi_civil_status".to_owned()),
        reader_id: "officer-7".to_owned(),
        purpose: "view_application".to_owned(),
        at: 1_767_225_600_000,
    })
    .to_bytes()
    .context("encode an entry")
}

async fn measure(store: Arc<dyn Store>, options: &LedgerBenchOptions) -> anyhow::Result<()> {
    anyhow::ensure!(
        options.leaves >= 2,
        "--leaves must be at least 2 to time proofs"
    );
    let clients = options.clients.max(1) as u64;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let store = Arc::clone(&store);
        let count = options.leaves / clients + u64::from(client < options.leaves % clients);
        tasks.push(tokio::spawn(async move {
            for i in 0..count {
                let n = i * clients + client;
                store
                    .append_leaf(NewLeaf {
                        kind: LEAF_DATA_ACCESS,
                        application_id: None,
                        entry: entry(n)?,
                        at: 0,
                    })
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let appended = start.elapsed();
    // A multi-node store integrates behind the writers (PostgreSQL's sequencer): wait for it,
    // and report both times.
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut head = store.ledger_head().await?;
    while head.size < options.leaves {
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {} of {} leaves integrated after 10 minutes",
            head.size,
            options.leaves
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        head = store.ledger_head().await?;
    }
    let elapsed = start.elapsed();
    println!(
        "appended {} leaves in {:.1} s ({:.0}/s, {} concurrent writers); all integrated into \
         the tree after {:.1} s ({:.0} leaves/s end to end)",
        head.size,
        appended.as_secs_f64(),
        head.size as f64 / appended.as_secs_f64().max(1e-9),
        clients,
        elapsed.as_secs_f64(),
        head.size as f64 / elapsed.as_secs_f64().max(1e-9),
    );

    let size = head.size;
    let root = Hash(head.root);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |below: u64| {
        // xorshift: reproducible, no dependency.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % below.max(1)
    };
    let mut inclusion = Vec::with_capacity(PROOFS);
    let mut consistency = Vec::with_capacity(PROOFS);
    for _ in 0..PROOFS {
        let index = next(size);
        let t = Instant::now();
        let wanted = diwan_ledger::inclusion_proof_nodes(index, size)?;
        let map = read(&*store, wanted).await?;
        let proof = diwan_ledger::inclusion_proof(&map, index, size)?;
        inclusion.push(t.elapsed());
        // Checked outside the timing: the proof must verify against the head's root.
        let leaf = store.ledger_leaves(index, index + 1).await?;
        let bytes = &leaf.first().context("the leaf")?.entry;
        diwan_ledger::verify_inclusion(
            &diwan_ledger::leaf_hash(bytes),
            index,
            size,
            &proof,
            &root,
        )?;

        let from = 1 + next(size - 1);
        let t = Instant::now();
        let wanted = diwan_ledger::consistency_proof_nodes(from, size)?;
        let map = read(&*store, wanted).await?;
        diwan_ledger::consistency_proof(&map, from, size)?;
        consistency.push(t.elapsed());
    }
    report("inclusion proof from stored nodes", &mut inclusion);
    report("consistency proof from stored nodes", &mut consistency);
    Ok(())
}

async fn read(store: &dyn Store, wanted: Vec<NodeId>) -> anyhow::Result<NodeMap> {
    let keys: Vec<(u8, u64)> = wanted.iter().map(|n| (n.level(), n.index())).collect();
    let hashes = store.ledger_nodes(&keys).await?;
    let mut map = NodeMap::new();
    for (node, hash) in wanted.into_iter().zip(hashes) {
        map.insert(node, Hash(hash));
    }
    Ok(map)
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |p: f64| {
        let i = ((times.len() as f64 - 1.0) * p).round() as usize;
        times
            .get(i.min(times.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    println!(
        "{what} at {} proofs: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
