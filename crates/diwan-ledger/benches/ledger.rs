//! `cargo bench -p diwan-ledger`: entries encoded and leaves appended per second, and proof
//! generation and verification at 2^20 (about a million) leaves from an in-memory node store.
//!
//! Plain timing, no harness: each figure is the mean over many operations after a warm-up.
//! Other work shares this machine's CPUs, so compare figures from one run with each other,
//! not with another day's.

use std::hint::black_box;
use std::time::{Duration, Instant};

use diwan_ledger::{
    ActorKind, Appender, ApplicationEvent, Checkpoint, Hash, LedgerEntry, MemoryTree, NodeMap,
    NoteSigner, consistency_proof, consistency_proof_nodes, frontier_nodes, inclusion_proof,
    inclusion_proof_nodes, keyed_id_hash, leaf_hash, root, verify_checkpoint, verify_consistency,
    verify_inclusion,
};

const LEAVES: u64 = 1 << 20;
const PROOFS: usize = 200_000;

/// xorshift64*: reproducible indexes without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn report(what: &str, count: usize, elapsed: Duration) {
    let each = elapsed.as_secs_f64() / count as f64;
    println!(
        "{what:<58} {:>9.2} µs/op {:>12.0} op/s",
        each * 1e6,
        1.0 / each
    );
}

fn time<T>(what: &str, count: usize, mut op: impl FnMut(usize) -> T) {
    for i in 0..count.min(1_000) {
        black_box(op(i));
    }
    let start = Instant::now();
    for i in 0..count {
        black_box(op(i));
    }
    report(what, count, start.elapsed());
}

fn entry(version: u64) -> LedgerEntry {
    LedgerEntry::ApplicationEvent(ApplicationEvent {
        application_id: "0192f0c1-7a2b-7c3d-8e4f-5a6b7c8d9e0f".into(),
        service_id: "birth_certificate".into(),
        service_version: 3,
        version,
        action: "approve".into(),
        from: Some("review".into()),
        to: "approved".into(),
        actor_kind: ActorKind::Officer,
        actor_role: Some("manager".into()),
        actor_agency: Some("civil_registry".into()),
        actor_id_hash: Hash(keyed_id_hash(b"bench key", "officer-7")),
        at: 1_767_225_600_000,
    })
}

fn main() -> Result<(), diwan_ledger::LedgerError> {
    println!("diwan-ledger bench, {LEAVES} leaves");

    // Entries: canonical bytes and the leaf hash, what the store does per recorded change.
    let sample = entry(1).to_bytes()?;
    println!("one application_event entry is {} bytes", sample.len());
    time("entry: encode + leaf hash", 100_000, |i| {
        entry(i as u64).leaf_hash()
    });
    time("entry: decode (strict, canonical check)", 100_000, |_| {
        LedgerEntry::from_bytes(&sample)
    });

    // Appends: the whole tree, one leaf at a time (leaf hashes precomputed).
    let leaves: Vec<Hash> = (0..LEAVES)
        .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
        .collect();
    let mut tree = MemoryTree::new();
    let start = Instant::now();
    for leaf in &leaves {
        tree.push(*leaf)?;
    }
    report(
        "append to in-memory tree (per leaf)",
        leaves.len(),
        start.elapsed(),
    );

    // The sequencer's batch: frontier in, 1,000 leaves, nodes to store out.
    let batch = &leaves[..1_000];
    let size = LEAVES - 1_000;
    let frontier: Vec<Hash> = frontier_nodes(size)?
        .into_iter()
        .map(|node| tree.node(node).unwrap_or_default())
        .collect();
    let start = Instant::now();
    let rounds = 200;
    for _ in 0..rounds {
        let mut appender = Appender::new(size, frontier.clone())?;
        black_box(appender.extend(batch.iter().copied())?);
        black_box(appender.root());
    }
    report(
        "appender batch of 1,000 (per leaf, incl. new root)",
        rounds * batch.len(),
        start.elapsed(),
    );

    // Roots and proofs at 2^20 leaves.
    let n = LEAVES;
    time("root(2^20 - 1) from stored nodes", PROOFS, |i| {
        root(&tree, n - 1 - (i as u64 % 2))
    });
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let indexes: Vec<u64> = (0..PROOFS).map(|_| rng.below(n)).collect();
    time("inclusion proof at 2^20 (random index)", PROOFS, |i| {
        inclusion_proof(&tree, indexes[i], n)
    });
    let olds: Vec<u64> = (0..PROOFS).map(|_| 1 + rng.below(n - 1)).collect();
    time("consistency proof m -> 2^20 (random m)", PROOFS, |i| {
        consistency_proof(&tree, olds[i], n)
    });
    time(
        "inclusion proof, async path (ids, map, proof)",
        PROOFS,
        |i| -> Result<_, diwan_ledger::LedgerError> {
            let ids = inclusion_proof_nodes(indexes[i], n)?;
            let map: NodeMap = ids
                .into_iter()
                .map(|id| (id, tree.node(id).unwrap_or_default()))
                .collect();
            inclusion_proof(&map, indexes[i], n)
        },
    );
    time(
        "consistency proof, async path (ids, map, proof)",
        PROOFS,
        |i| -> Result<_, diwan_ledger::LedgerError> {
            let ids = consistency_proof_nodes(olds[i], n)?;
            let map: NodeMap = ids
                .into_iter()
                .map(|id| (id, tree.node(id).unwrap_or_default()))
                .collect();
            consistency_proof(&map, olds[i], n)
        },
    );

    // Verification, what an auditor does per proof.
    let root_n = tree.root();
    let proofs: Vec<Vec<Hash>> = indexes
        .iter()
        .take(10_000)
        .map(|&i| inclusion_proof(&tree, i, n))
        .collect::<Result<_, _>>()?;
    time("verify inclusion at 2^20", 10_000, |i| {
        verify_inclusion(
            &leaves[indexes[i] as usize],
            indexes[i],
            n,
            &proofs[i],
            &root_n,
        )
    });
    let olds_roots: Vec<(Hash, Vec<Hash>)> = olds
        .iter()
        .take(10_000)
        .map(|&m| Ok((root(&tree, m)?, consistency_proof(&tree, m, n)?)))
        .collect::<Result<_, diwan_ledger::LedgerError>>()?;
    time("verify consistency m -> 2^20", 10_000, |i| {
        let (old, proof) = &olds_roots[i];
        verify_consistency(olds[i], n, old, &root_n, proof)
    });

    // Checkpoints.
    let signer = NoteSigner::new("ledger.diwan.example", &[7; 32])?;
    let checkpoint = Checkpoint::new("ledger.diwan.example", n, root_n);
    time("sign checkpoint", 20_000, |_| {
        signer.sign_checkpoint(&checkpoint)
    });
    let note = signer.sign_checkpoint(&checkpoint)?;
    let key = signer.verifier_key();
    time("verify signed checkpoint", 20_000, |_| {
        verify_checkpoint(note.as_bytes(), &key)
    });
    Ok(())
}
