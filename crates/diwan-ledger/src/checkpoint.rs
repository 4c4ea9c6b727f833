//! Signed checkpoints: the C2SP `tlog-checkpoint` body, sent as a C2SP `signed-note` with an
//! Ed25519 signature, and the C2SP `vkey` text form of the verifier key.
//! (docs/design/ledger.md, "Checkpoints".)

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};

use crate::{Hash, LedgerError};

/// The signed-note algorithm byte for Ed25519.
const ALG_ED25519: u8 = 0x01;
/// A note larger than this is refused before any parsing.
pub const MAX_NOTE_BYTES: usize = 1_000_000;
/// At most this many signature lines.
const MAX_SIGNATURES: usize = 100;
/// Each signature line starts with this: U+2014 EM DASH and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// A tree head: the log's name, its size and its root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line; also the name of the key that signs it.
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Extension lines (without their newline). We write none; a parsed checkpoint keeps them.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Checkpoint {
            origin: origin.into(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The checkpoint body: `<origin>\n<size>\n<base64 root>\n`, then any extension lines.
    pub fn to_body(&self) -> Result<String, LedgerError> {
        let well_formed = |line: &str| !line.is_empty() && !line.chars().any(char::is_control);
        if !well_formed(&self.origin) || !self.extensions.iter().all(|l| well_formed(l)) {
            return Err(LedgerError::MalformedCheckpoint);
        }
        let extension: String = self.extensions.iter().map(|l| format!("{l}\n")).collect();
        let checkpoint =
            tlog_tiles::Checkpoint::new(&self.origin, self.size, self.root.into(), &extension)
                .map_err(|_| LedgerError::MalformedCheckpoint)?;
        String::from_utf8(checkpoint.to_bytes()).map_err(|_| LedgerError::MalformedCheckpoint)
    }

    /// Parses a checkpoint body (the text of a signed note, once its signature is checked).
    pub fn parse_body(body: &str) -> Result<Self, LedgerError> {
        let checkpoint = tlog_tiles::Checkpoint::from_bytes(body.as_bytes())
            .map_err(|_| LedgerError::MalformedCheckpoint)?;
        Ok(Checkpoint {
            origin: checkpoint.origin().to_owned(),
            size: checkpoint.size(),
            root: (*checkpoint.hash()).into(),
            extensions: checkpoint.extension().lines().map(str::to_owned).collect(),
        })
    }
}

/// Whether `name` may name a key: non-empty, no Unicode space, no `+` (C2SP signed-note).
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.contains('+')
}

fn check_key_name(name: &str) -> Result<(), LedgerError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(LedgerError::InvalidKeyName(name.to_owned()))
    }
}

/// The C2SP key id: the first 4 bytes, big-endian, of
/// `SHA-256(name || 0x0A || algorithm byte || public key)`.
pub fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ALG_ED25519])
        .chain_update(public_key)
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The public half: verifies notes and checkpoints. Its text form is the C2SP `vkey`
/// `<name>+<key id hex>+<base64(0x01 || public key)>`.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl VerifierKey {
    /// From a name and a 32-byte Ed25519 public key. Refuses an invalid name, bytes that are
    /// not a curve point, and small-order (weak) keys.
    pub fn new(name: &str, public_key: &[u8; 32]) -> Result<Self, LedgerError> {
        check_key_name(name)?;
        let key = VerifyingKey::from_bytes(public_key)
            .map_err(|_| LedgerError::MalformedKey("not an Ed25519 public key"))?;
        if key.is_weak() {
            return Err(LedgerError::MalformedKey("small-order Ed25519 public key"));
        }
        Ok(VerifierKey {
            name: name.to_owned(),
            key_id: key_id(name, public_key),
            key,
        })
    }

    /// Parses the `vkey` text form.
    pub fn parse(text: &str) -> Result<Self, LedgerError> {
        let (name, rest) = text
            .split_once('+')
            .ok_or(LedgerError::MalformedKey("expected name+id+key"))?;
        let (id_hex, key_b64) = rest
            .split_once('+')
            .ok_or(LedgerError::MalformedKey("expected name+id+key"))?;
        check_key_name(name)?;
        if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(LedgerError::MalformedKey("key id is not 8 hex digits"));
        }
        let id = u32::from_str_radix(id_hex, 16)
            .map_err(|_| LedgerError::MalformedKey("key id is not 8 hex digits"))?;
        let bytes = BASE64
            .decode(key_b64)
            .map_err(|_| LedgerError::MalformedKey("key is not base64"))?;
        match bytes.first() {
            None => return Err(LedgerError::MalformedKey("empty key")),
            Some(&ALG_ED25519) => {}
            Some(&other) => return Err(LedgerError::UnsupportedKeyAlgorithm(other)),
        }
        let public_key: [u8; 32] = bytes[1..]
            .try_into()
            .map_err(|_| LedgerError::MalformedKey("an Ed25519 key is 32 bytes"))?;
        let key = VerifierKey::new(name, &public_key)?;
        if key.key_id != id {
            return Err(LedgerError::KeyIdMismatch);
        }
        Ok(key)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Checks a signed note and returns its text, if this key signed it (see [`open_note`]).
    pub fn open_note<'a>(&self, note: &'a [u8]) -> Result<&'a str, LedgerError> {
        open_note(note, self)
    }

    /// Checks a signed checkpoint and returns it (see [`verify_checkpoint`]).
    pub fn verify_checkpoint(&self, note: &[u8]) -> Result<Checkpoint, LedgerError> {
        verify_checkpoint(note, self)
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = Vec::with_capacity(33);
        bytes.push(ALG_ED25519);
        bytes.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(bytes)
        )
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl FromStr for VerifierKey {
    type Err = LedgerError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        VerifierKey::parse(text)
    }
}

/// The private half: signs notes and checkpoints. Built from the 32-byte Ed25519 seed the
/// server holds; `Debug` shows only the public identity.
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "NoteSigner({}+{:08x}, seed redacted)",
            self.name, self.key_id
        )
    }
}

fn check_note_text(text: &str) -> Result<(), LedgerError> {
    if !text.ends_with('\n') {
        return Err(LedgerError::MalformedNote("text must end with a newline"));
    }
    if text.chars().any(|c| c.is_ascii_control() && c != '\n') {
        return Err(LedgerError::MalformedNote("control character in text"));
    }
    Ok(())
}

impl NoteSigner {
    /// A signer named `name` (for a log: its origin) with this Ed25519 seed.
    pub fn new(name: &str, seed: &[u8; 32]) -> Result<Self, LedgerError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let key_id = key_id(name, key.verifying_key().as_bytes());
        Ok(NoteSigner {
            name: name.to_owned(),
            key_id,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The matching verifier key (publish its `to_string()` as the `vkey`).
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `text` (which must end with a newline and hold no control character but
    /// newlines) and returns the whole note: text, blank line, signature line.
    pub fn sign_note(&self, text: &str) -> Result<String, LedgerError> {
        check_note_text(text)?;
        let signature = self.key.sign(text.as_bytes());
        let mut blob = Vec::with_capacity(4 + 64);
        blob.extend_from_slice(&self.key_id.to_be_bytes());
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(blob)
        ))
    }

    /// Signs a checkpoint whose origin is this signer's name.
    pub fn sign_checkpoint(&self, checkpoint: &Checkpoint) -> Result<String, LedgerError> {
        if checkpoint.origin != self.name {
            return Err(LedgerError::OriginMismatch {
                origin: checkpoint.origin.clone(),
                key_name: self.name.clone(),
            });
        }
        self.sign_note(&checkpoint.to_body()?)
    }
}

/// One parsed signature line.
struct SignatureLine<'a> {
    name: &'a str,
    key_id: u32,
    signature: Vec<u8>,
}

fn parse_signature_line(line: &str) -> Result<SignatureLine<'_>, LedgerError> {
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or(LedgerError::MalformedNote(
            "signature line must start with an em dash",
        ))?;
    let (name, b64) = rest.split_once(' ').ok_or(LedgerError::MalformedNote(
        "signature line has no signature",
    ))?;
    if !is_valid_key_name(name) {
        return Err(LedgerError::MalformedNote(
            "invalid key name in signature line",
        ));
    }
    let blob = BASE64
        .decode(b64)
        .map_err(|_| LedgerError::MalformedNote("signature is not base64"))?;
    if blob.len() < 5 {
        return Err(LedgerError::MalformedNote("signature too short"));
    }
    let key_id = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
    Ok(SignatureLine {
        name,
        key_id,
        signature: blob[4..].to_vec(),
    })
}

/// Checks a C2SP signed note against `key` and returns its text (ending with a newline).
///
/// The note must be well formed (UTF-8, no control character but newlines, text, a blank
/// line, then signature lines). Signatures by other keys are ignored; a signature line with
/// this key's name and id must verify (strict Ed25519), and there must be at least one.
pub fn open_note<'a>(note: &'a [u8], key: &VerifierKey) -> Result<&'a str, LedgerError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(LedgerError::MalformedNote("note too large"));
    }
    let note = std::str::from_utf8(note).map_err(|_| LedgerError::MalformedNote("not UTF-8"))?;
    if note.chars().any(|c| c.is_ascii_control() && c != '\n') {
        return Err(LedgerError::MalformedNote("control character in note"));
    }
    let split = note
        .rfind("\n\n")
        .ok_or(LedgerError::MalformedNote("no signature block"))?;
    let text = &note[..=split];
    let signatures = note[split + 2..]
        .strip_suffix('\n')
        .ok_or(LedgerError::MalformedNote("note must end with a newline"))?;
    let mut verified = false;
    for (count, line) in signatures.split('\n').enumerate() {
        if count >= MAX_SIGNATURES {
            return Err(LedgerError::MalformedNote("too many signatures"));
        }
        let line = parse_signature_line(line)?;
        if line.name != key.name || line.key_id != key.key_id {
            continue;
        }
        let bad = || LedgerError::BadSignature {
            name: key.name.clone(),
            key_id: key.key_id,
        };
        let signature = Signature::from_slice(&line.signature).map_err(|_| bad())?;
        key.key
            .verify_strict(text.as_bytes(), &signature)
            .map_err(|_| bad())?;
        verified = true;
    }
    if !verified {
        return Err(LedgerError::NotSignedByKey {
            name: key.name.clone(),
            key_id: key.key_id,
        });
    }
    Ok(text)
}

/// Checks a signed checkpoint against `key` and returns it. Besides [`open_note`]'s checks,
/// the body must be a well-formed checkpoint whose origin is the key's name.
pub fn verify_checkpoint(note: &[u8], key: &VerifierKey) -> Result<Checkpoint, LedgerError> {
    let text = open_note(note, key)?;
    let checkpoint = Checkpoint::parse_body(text)?;
    if checkpoint.origin != key.name {
        return Err(LedgerError::OriginMismatch {
            origin: checkpoint.origin,
            key_name: key.name.clone(),
        });
    }
    Ok(checkpoint)
}
