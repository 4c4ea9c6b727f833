//! Hashes: the 32-byte value type, RFC 6962 leaf and node hashing, and the keyed hash that
//! keeps identifiers out of the log.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;

use crate::LedgerError;

/// Bytes in a hash.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 value: a leaf or node hash, a root, or a hash carried inside an entry.
///
/// Shown and serialised (inside entries) as 64 lower-case hex digits; the API and checkpoints
/// use [`Hash::to_base64`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; HASH_SIZE]);

/// The root of the empty tree, SHA-256 of the empty string (RFC 6962 §2.1).
pub const EMPTY_ROOT: Hash = Hash(tlog_tiles::EMPTY_HASH.0);

impl Hash {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// Takes exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, LedgerError> {
        <[u8; HASH_SIZE]>::try_from(bytes)
            .map(Hash)
            .map_err(|_| LedgerError::HashLength(bytes.len()))
    }

    /// Standard padded base64, as in checkpoints and the API.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Parses standard padded base64 of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, LedgerError> {
        let bytes = BASE64
            .decode(text)
            .map_err(|_| LedgerError::MalformedHash("not base64"))?;
        Hash::from_slice(&bytes)
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses hex (either case) of exactly 32 bytes.
    pub fn from_hex(text: &str) -> Result<Self, LedgerError> {
        let bytes = hex::decode(text).map_err(|_| LedgerError::MalformedHash("not hex"))?;
        Hash::from_slice(&bytes)
    }
}

impl From<[u8; HASH_SIZE]> for Hash {
    fn from(bytes: [u8; HASH_SIZE]) -> Self {
        Hash(bytes)
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Hash::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// Plain SHA-256, e.g. a certificate's `payload_hash`.
pub fn sha256(bytes: &[u8]) -> Hash {
    use sha2::Digest as _;
    Hash(Sha256::digest(bytes).into())
}

/// RFC 6962 leaf hash: `SHA-256(0x00 || bytes)`.
pub fn leaf_hash(bytes: &[u8]) -> Hash {
    Hash(tlog_tiles::record_hash(bytes).0)
}

/// RFC 6962 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Hash(tlog_tiles::node_hash(tlog_tiles::Hash(left.0), tlog_tiles::Hash(right.0)).0)
}

impl From<Hash> for tlog_tiles::Hash {
    fn from(hash: Hash) -> Self {
        tlog_tiles::Hash(hash.0)
    }
}

impl From<tlog_tiles::Hash> for Hash {
    fn from(hash: tlog_tiles::Hash) -> Self {
        Hash(hash.0)
    }
}

/// Domain-separation label of [`keyed_id_hash`]; a new scheme gets a new label.
pub const ID_HASH_LABEL: &[u8] = b"diwan-ledger-id-v1";

/// The keyed hash that stands for a person (or account) in the log:
/// `HMAC-SHA-256(key, "diwan-ledger-id-v1" || 0x00 || identifier)`.
///
/// `key` is the deployment's secret ledger id key (fixed for the life of the log);
/// `identifier` is the normalised national ID for a citizen, the account id otherwise. A plain
/// hash of a national ID could be reversed by trying every ID; this one only by the key holder.
pub fn keyed_id_hash(key: &[u8], identifier: &str) -> [u8; HASH_SIZE] {
    // HMAC takes a key of any length, so this cannot fail; the fallback keeps the function
    // total without a panic path.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return [0; HASH_SIZE];
    };
    mac.update(ID_HASH_LABEL);
    mac.update(&[0]);
    mac.update(identifier.as_bytes());
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest as _;

    /// RFC 2104 HMAC written out, to show [`keyed_id_hash`] is exactly the documented formula.
    fn hmac_by_hand(key: &[u8], message: &[u8]) -> [u8; 32] {
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
        let inner = Sha256::new()
            .chain_update(pad(0x36))
            .chain_update(message)
            .finalize();
        Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize()
            .into()
    }

    #[test]
    fn keyed_id_hash_is_hmac_sha256_of_label_and_id() {
        for key in [&b"k"[..], &[0x42; 64][..], &[0x17; 100][..]] {
            let message = b"diwan-ledger-id-v1\x0029001011234567";
            assert_eq!(
                keyed_id_hash(key, "29001011234567"),
                hmac_by_hand(key, message)
            );
        }
    }

    #[test]
    fn hash_text_forms() {
        let hash = leaf_hash(b"");
        assert_eq!(
            hash.to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(Hash::from_hex(&hash.to_hex()).unwrap(), hash);
        assert_eq!(Hash::from_base64(&hash.to_base64()).unwrap(), hash);
        assert!(matches!(
            Hash::from_hex("abcd"),
            Err(LedgerError::HashLength(2))
        ));
        assert!(matches!(
            Hash::from_hex("zz"),
            Err(LedgerError::MalformedHash(_))
        ));
        assert!(matches!(
            Hash::from_base64("%%%"),
            Err(LedgerError::MalformedHash(_))
        ));
        assert_eq!(EMPTY_ROOT, Hash(Sha256::digest(b"").into()));
        assert_eq!(
            node_hash(&hash, &hash),
            Hash(
                Sha256::new()
                    .chain_update([1])
                    .chain_update(hash.0)
                    .chain_update(hash.0)
                    .finalize()
                    .into()
            )
        );
    }
}
