//! `diwan audit verify --url URL [--state FILE]`: an auditor's check of a running Diwan's
//! tamper-evident log, over HTTP, trusting nothing the server says that it cannot prove
//! (docs/design/ledger.md).
//!
//! The steps: fetch the verifier key (pinned in the state file on first use, refused if it
//! changes); fetch the signed checkpoint and check its signature; fetch every entry up to the
//! checkpoint's size, decode each strictly (a non-canonical entry is tampering) and recompute
//! the RFC 6962 root; compare it with the signed root; check that the log is an extension of
//! the one seen last time (the recomputed prefix, and the server's consistency proof); check a
//! few of the server's inclusion proofs; then save the new size and root.
//!
//! Exit codes: 0 the log verifies, 2 it does not (the message names the check and the entry),
//! 1 the check could not run (usage, network, HTTP error, state file).

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use diwan_ledger::{
    Checkpoint, Hash, LedgerEntry, MemoryTree, VerifierKey, leaf_hash, sha256, verify_checkpoint,
    verify_consistency, verify_inclusion,
};
use serde::{Deserialize, Serialize};

/// The server's page size for `/ledger/entries`; asking for more is clamped anyway.
const PAGE: u64 = 1000;
/// Inclusion proofs checked at indices derived from the root (beyond the fixed ones below).
const RANDOM_SPOT_CHECKS: u64 = 8;
/// Exit code for "the log does not verify", distinct from 1 ("the check could not run").
const EXIT_DOES_NOT_VERIFY: u8 = 2;

/// What went wrong, sorted by what the auditor should conclude.
enum Problem {
    /// The check could not run (network, HTTP status, state file): nothing is known.
    CannotCheck(anyhow::Error),
    /// The log, as served, does not verify: this is the finding the audit exists for.
    DoesNotVerify(String),
}

impl From<anyhow::Error> for Problem {
    fn from(e: anyhow::Error) -> Self {
        Problem::CannotCheck(e)
    }
}

fn fails<T>(message: impl Into<String>) -> Result<T, Problem> {
    Err(Problem::DoesNotVerify(message.into()))
}

/// What an auditor remembers between runs: the pinned key and the last verified tree head.
#[derive(Serialize, Deserialize)]
struct State {
    /// The C2SP vkey text, pinned on first use.
    vkey: String,
    size: u64,
    /// Standard padded base64, as in checkpoints.
    root: String,
}

pub fn verify(url: &str, state_file: Option<&Path>) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match runtime.block_on(audit(url, state_file)) {
        Ok(summary) => {
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Err(Problem::CannotCheck(e)) => Err(e),
        Err(Problem::DoesNotVerify(message)) => {
            eprintln!("audit FAILED: the log does not verify: {message}");
            Ok(ExitCode::from(EXIT_DOES_NOT_VERIFY))
        }
    }
}

async fn audit(url: &str, state_file: Option<&Path>) -> Result<String, Problem> {
    let server = Server::new(url)?;
    let saved = match state_file {
        Some(path) => read_state(path)?,
        None => None,
    };

    // 1. The key, pinned on first use: a server that swaps its key could sign any history.
    let vkey_text = server.text("vkey").await?;
    let vkey_text = vkey_text.trim();
    let vkey = match VerifierKey::parse(vkey_text) {
        Ok(key) => key,
        Err(e) => return fails(format!("the verifier key {vkey_text:?} is malformed: {e}")),
    };
    match &saved {
        Some(state) => {
            let pinned = VerifierKey::parse(state.vkey.trim()).map_err(|e| {
                anyhow!(
                    "the state file's pinned key {:?} is malformed: {e}",
                    state.vkey
                )
            })?;
            if pinned != vkey {
                return fails(format!(
                    "the server's verifier key {vkey} is not the key pinned on first use, \
                     {pinned}. A log's key never changes; if the operator announced a new log, \
                     confirm the new key out of band and start a new state file"
                ));
            }
        }
        None => match state_file {
            Some(path) => eprintln!(
                "note: first audit with {}: trusting the verifier key {vkey} on first use and \
                 pinning it; check it against the operator's published key",
                path.display()
            ),
            None => eprintln!(
                "note: no --state file: the key {vkey} is not pinned and the log cannot be \
                 compared with an earlier run"
            ),
        },
    }

    // 2. The signed checkpoint: the one size and root everything else is checked against.
    let note = server.bytes("checkpoint").await?;
    let checkpoint = match verify_checkpoint(&note, &vkey) {
        Ok(checkpoint) => checkpoint,
        Err(e) => return fails(format!("the checkpoint does not verify: {e}")),
    };
    let size = checkpoint.size;
    // A shrunk log is caught before any download: nothing else could excuse it.
    if let Some(state) = &saved
        && size < state.size
    {
        return fails(rollback(size, state.size));
    }

    // 3. Every entry, decoded strictly and hashed into our own copy of the tree.
    let tree = fetch_tree(&server, size).await?;
    if tree.root() != checkpoint.root {
        let first_bad = first_divergent_entry(&server, &tree, &checkpoint).await;
        return fails(match first_bad {
            Some(index) => format!(
                "the {size} entries served hash to root {}, not the signed root {}; the first \
                 entry that differs from the signed tree is index {index} (entries before it \
                 match)",
                tree.root().to_base64(),
                checkpoint.root.to_base64()
            ),
            None => format!(
                "the {size} entries served hash to root {}, not the signed root {}",
                tree.root().to_base64(),
                checkpoint.root.to_base64()
            ),
        });
    }

    // 4. The log seen last time must be a prefix of this one.
    let continuity = match &saved {
        Some(state) => {
            let old_root = Hash::from_base64(&state.root)
                .map_err(|e| anyhow!("the state file's root is malformed: {e}"))?;
            check_extends(&server, &tree, &checkpoint, state.size, &old_root).await?;
            format!("consistent with the size {} seen before", state.size)
        }
        None => "no earlier state to compare with".to_owned(),
    };

    // 5. The server's own proofs must agree with the tree we rebuilt.
    spot_check_inclusion(&server, &tree, &checkpoint).await?;

    if let Some(path) = state_file {
        write_state(
            path,
            &State {
                vkey: vkey.to_string(),
                size,
                root: checkpoint.root.to_base64(),
            },
        )?;
    }
    Ok(format!(
        "ok: {size} entries, root {}, {continuity}",
        checkpoint.root.to_base64()
    ))
}

fn rollback(size: u64, old_size: u64) -> String {
    format!("rollback: the log now has {size} entries, fewer than the {old_size} seen before")
}

/// Fetches entries `0..size` page by page, decodes each and builds the tree.
async fn fetch_tree(server: &Server, size: u64) -> Result<MemoryTree, Problem> {
    let progress = Progress::new(size);
    let mut tree = MemoryTree::new();
    while tree.size() < size {
        let start = tree.size();
        let end = size.min(start.saturating_add(PAGE));
        let page: EntriesPage = server
            .json(&format!("entries?start={start}&end={end}"))
            .await?;
        if page.entries.is_empty() {
            return fails(format!(
                "the checkpoint has {size} entries but the server serves none from index {start}"
            ));
        }
        for served in page.entries {
            let index = tree.size();
            if served.index != index || index >= end {
                return fails(format!(
                    "asked for entries from {start} to {end}, the server answered index {} where \
                     {index} was expected",
                    served.index
                ));
            }
            let Ok(data) = BASE64.decode(served.data.as_bytes()) else {
                return fails(format!("entry {index}: `data` is not standard base64"));
            };
            // The decoder is strict: a leaf has exactly one byte form, so an entry that does
            // not decode, or decodes from other bytes than its canonical ones, was altered.
            if let Err(e) = LedgerEntry::from_bytes(&data) {
                return fails(format!("entry {index} is not a valid ledger entry: {e}"));
            }
            tree.push(leaf_hash(&data))
                .map_err(|e| anyhow!("entry {index}: {e}"))?;
        }
        progress.show(tree.size());
    }
    progress.finish();
    Ok(tree)
}

/// After a root mismatch, names the first entry that differs from the signed tree: the prefix
/// of `m` entries we hold is consistent with the signed root for every `m` up to the first
/// altered entry and for none past it, so a binary search over the server's consistency
/// proofs finds it in O(log n) requests. `None` if the server's proofs do not allow it.
async fn first_divergent_entry(
    server: &Server,
    tree: &MemoryTree,
    checkpoint: &Checkpoint,
) -> Option<u64> {
    let size = checkpoint.size;
    // Invariant: a prefix of `good` entries is consistent, one of `bad` entries is not.
    let (mut good, mut bad) = (0u64, size);
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        let prefix_root = diwan_ledger::root(tree, mid).ok()?;
        let proof = server.consistency_proof(mid, size).await.ok()?;
        if verify_consistency(mid, size, &prefix_root, &checkpoint.root, &proof).is_ok() {
            good = mid;
        } else {
            bad = mid;
        }
    }
    (bad >= 1).then_some(bad - 1)
}

/// Checks that the tree now served extends the one verified last time (`old_size`,
/// `old_root`): a smaller size is a rollback; otherwise the prefix we rebuilt must hash to the
/// old root, and the server's consistency proof must link the two signed roots.
async fn check_extends(
    server: &Server,
    tree: &MemoryTree,
    checkpoint: &Checkpoint,
    old_size: u64,
    old_root: &Hash,
) -> Result<(), Problem> {
    let size = checkpoint.size;
    if size < old_size {
        return fails(rollback(size, old_size));
    }
    let prefix_root = diwan_ledger::root(tree, old_size)
        .map_err(|e| anyhow!("recomputing the root of size {old_size}: {e}"))?;
    if prefix_root != *old_root {
        return fails(format!(
            "history was rewritten: the first {old_size} entries now hash to {}, not to the root \
             {} seen before at that size",
            prefix_root.to_base64(),
            old_root.to_base64()
        ));
    }
    // From the empty tree or to the same size, the proof is empty by definition and the
    // prefix check above already said everything.
    if old_size == 0 || old_size == size {
        return Ok(());
    }
    let proof = server.consistency_proof(old_size, size).await?;
    if let Err(e) = verify_consistency(old_size, size, old_root, &checkpoint.root, &proof) {
        return fails(format!(
            "the server's consistency proof from size {old_size} to {size} does not verify: {e}"
        ));
    }
    Ok(())
}

/// Checks the server's inclusion proofs for a few entries against the signed root, which the
/// rebuilt tree matches. The indices: the first and last entries, the first entry of every
/// power-of-two subtree (their proofs together read every level of the tree's left edge, where
/// the oldest entries are), and a few chosen from the root, which the server had to commit to
/// before it could know them.
async fn spot_check_inclusion(
    server: &Server,
    tree: &MemoryTree,
    checkpoint: &Checkpoint,
) -> Result<(), Problem> {
    let size = checkpoint.size;
    if size == 0 {
        return Ok(());
    }
    let mut indices = BTreeSet::from([0, size - 1]);
    indices.extend(
        (0..u64::BITS)
            .map(|bit| 1u64 << bit)
            .take_while(|&i| i < size),
    );
    for n in 0..RANDOM_SPOT_CHECKS {
        let mut seed = checkpoint.root.as_bytes().to_vec();
        seed.extend_from_slice(&n.to_be_bytes());
        let digest = sha256(&seed);
        let mut word = [0u8; 8];
        word.copy_from_slice(&digest.as_bytes()[..8]);
        indices.insert(u64::from_be_bytes(word) % size);
    }
    for index in indices {
        let proof: ProofResponse = server
            .json(&format!("proof/inclusion?index={index}&size={size}"))
            .await?;
        if proof.index != Some(index) || proof.size != Some(size) {
            return fails(format!(
                "asked for the inclusion proof of entry {index} in size {size}, the server \
                 answered one for entry {:?} in size {:?}",
                proof.index, proof.size
            ));
        }
        let hashes = decode_hashes(&proof.hashes, "inclusion", index)?;
        let leaf = tree
            .node(
                diwan_ledger::NodeId::leaf(index)
                    .map_err(|e| anyhow!("entry {index} is beyond the tree: {e}"))?,
            )
            .ok_or_else(|| anyhow!("entry {index} is missing from the rebuilt tree"))?;
        if let Err(e) = verify_inclusion(&leaf, index, size, &hashes, &checkpoint.root) {
            return fails(format!(
                "the server's inclusion proof for entry {index} in size {size} does not verify \
                 against the signed root ({e}){}",
                describe_difference(tree, index, size, &hashes)
            ));
        }
    }
    Ok(())
}

/// Says which hash of a failed inclusion proof differs from the rebuilt tree's own proof: it
/// points at the stored node the server got wrong.
fn describe_difference(tree: &MemoryTree, index: u64, size: u64, served: &[Hash]) -> String {
    let Ok(ours) = diwan_ledger::inclusion_proof(tree, index, size) else {
        return String::new();
    };
    if ours.len() != served.len() {
        return format!(
            "; it has {} hashes where {} are expected",
            served.len(),
            ours.len()
        );
    }
    let Some(k) = ours.iter().zip(served).position(|(a, b)| a != b) else {
        return String::new();
    };
    match proof_subtrees(index, size).get(k) {
        Some(&(level, node, first, end)) if end - first == 1 << level => format!(
            "; its hash {k} (the subtree of entries {first}..{end}, stored node level {level} \
             index {node}) differs from the entries' own tree"
        ),
        Some(&(_, _, first, end)) => format!(
            "; its hash {k} (the subtree of entries {first}..{end}) differs from the entries' own \
             tree"
        ),
        None => format!("; its hash {k} differs from the entries' own tree"),
    }
}

/// What each hash of an RFC 6962 inclusion proof of `index` in a tree of `size` stands for,
/// leaf side first: `(level, node index, first entry, end)` of the sibling subtree at each
/// level where one exists. A subtree cut short by the tree's right edge is not a stored node.
fn proof_subtrees(index: u64, size: u64) -> Vec<(u32, u64, u64, u64)> {
    (0..u64::BITS - 1)
        .filter_map(|level| {
            let sibling = (index >> level) ^ 1;
            let first = sibling.checked_shl(level)?;
            (first < size).then(|| {
                let end = sibling
                    .saturating_add(1)
                    .checked_shl(level)
                    .map_or(size, |e| e.min(size));
                (level, sibling, first, end)
            })
        })
        .collect()
}

fn decode_hashes(hashes: &[String], what: &str, at: u64) -> Result<Vec<Hash>, Problem> {
    hashes
        .iter()
        .enumerate()
        .map(|(k, text)| {
            Hash::from_base64(text).map_err(|e| {
                Problem::DoesNotVerify(format!("the {what} proof for {at}: hash {k}: {e}"))
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct EntriesPage {
    entries: Vec<ServedEntry>,
}

#[derive(Deserialize)]
struct ServedEntry {
    index: u64,
    data: String,
}

/// Both proof responses: the echoed parameters are checked, so a proof for other sizes is
/// never taken for the one asked.
#[derive(Deserialize)]
struct ProofResponse {
    #[serde(default)]
    index: Option<u64>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    from: Option<u64>,
    #[serde(default)]
    to: Option<u64>,
    hashes: Vec<String>,
}

/// The server's ledger API under `{url}/api/v1/ledger/`.
struct Server {
    http: reqwest::Client,
    base: String,
}

impl Server {
    fn new(url: &str) -> anyhow::Result<Server> {
        let url = url.trim_end_matches('/');
        // Accept the API root too, as people copy it from the API documentation.
        let url = url.strip_suffix("/api/v1").unwrap_or(url);
        if url.starts_with("https://") {
            // This build carries no TLS stack; say so rather than fail with a transport error.
            anyhow::bail!(
                "https:// is not supported by this build of diwan; audit over http:// (for \
                 example through a local TLS proxy)"
            );
        }
        if !url.starts_with("http://") {
            anyhow::bail!("--url must be an http:// URL, got {url:?}");
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Server {
            http,
            base: format!("{url}/api/v1/ledger"),
        })
    }

    async fn get(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        let url = format!("{}/{path}", self.base);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = response.status();
        if !status.is_success() {
            // A problem+json body says why; show it, it is meant for people.
            let body = response.text().await.unwrap_or_default();
            anyhow::bail!("GET {url}: HTTP {status}: {}", body.trim());
        }
        Ok(response)
    }

    async fn bytes(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let response = self.get(path).await?;
        Ok(response
            .bytes()
            .await
            .with_context(|| format!("reading {path}"))?
            .to_vec())
    }

    async fn text(&self, path: &str) -> anyhow::Result<String> {
        String::from_utf8(self.bytes(path).await?)
            .map_err(|_| anyhow!("{}/{path} is not UTF-8 text", self.base))
    }

    /// A well-formed JSON answer is the log's word; one that does not parse is reported as a
    /// failure to verify, not as a network error.
    async fn json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, Problem> {
        let bytes = self.bytes(path).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Problem::DoesNotVerify(format!("{}/{path}: unexpected answer: {e}", self.base))
        })
    }

    async fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, Problem> {
        let proof: ProofResponse = self
            .json(&format!("proof/consistency?from={from}&to={to}"))
            .await?;
        if proof.from != Some(from) || proof.to != Some(to) {
            return fails(format!(
                "asked for the consistency proof from {from} to {to}, the server answered one \
                 from {:?} to {:?}",
                proof.from, proof.to
            ));
        }
        decode_hashes(&proof.hashes, "consistency", from)
    }
}

fn read_state(path: &Path) -> anyhow::Result<Option<State>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .with_context(|| format!("{} is not an audit state file", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Written to a temporary file and renamed, so an interrupted run never leaves a truncated
/// state (which would lose the pinned key).
fn write_state(path: &Path, state: &State) -> anyhow::Result<()> {
    let mut tmp = PathBuf::from(path);
    tmp.as_mut_os_string().push(".tmp");
    let mut text = serde_json::to_string_pretty(state)?;
    text.push('\n');
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// A one-line progress report on stderr, only when a person is watching a long run.
struct Progress {
    total: u64,
    shown: bool,
}

impl Progress {
    fn new(total: u64) -> Progress {
        Progress {
            total,
            shown: total >= 10 * PAGE && std::io::stderr().is_terminal(),
        }
    }

    fn show(&self, done: u64) {
        if self.shown {
            let percent = done.saturating_mul(100) / self.total.max(1);
            eprint!("\rentries: {done} / {} ({percent}%)", self.total);
            let _ = std::io::stderr().flush();
        }
    }

    fn finish(&self) {
        if self.shown {
            eprintln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(range: std::ops::Range<u64>) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for i in range {
            tree.push(leaf_hash(&i.to_be_bytes())).unwrap();
        }
        tree
    }

    #[test]
    fn proof_subtrees_name_what_each_proof_hash_covers() {
        // Every hash of every inclusion proof is the root of the subtree it is said to cover.
        for size in 1..=33u64 {
            let tree = leaves(0..size);
            for index in 0..size {
                let proof = diwan_ledger::inclusion_proof(&tree, index, size).unwrap();
                let subtrees = proof_subtrees(index, size);
                assert_eq!(proof.len(), subtrees.len(), "index {index} size {size}");
                for (hash, (level, node, first, end)) in proof.iter().zip(subtrees) {
                    assert_eq!(*hash, leaves(first..end).root(), "{index} {size} {level}");
                    assert_eq!(first, node << level);
                }
            }
        }
    }

    #[test]
    fn a_changed_proof_hash_is_located() {
        let tree = leaves(0..11);
        let mut proof = diwan_ledger::inclusion_proof(&tree, 2, 11).unwrap();
        proof[1] = Hash([0xAB; 32]);
        let said = describe_difference(&tree, 2, 11, &proof);
        assert!(
            said.contains("entries 0..2, stored node level 1 index 0"),
            "{said}"
        );
        let said = describe_difference(&tree, 2, 11, &proof[..2]);
        assert!(said.contains("2 hashes where 4 are expected"), "{said}");
    }
}
