//! Small cryptographic helpers of the edge: random tokens and codes, token hashes, keyed code
//! hashes and Argon2id password hashing.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| format!("no randomness: {e}"))?;
    Ok(buf)
}

/// A bearer token: 256 random bits, URL-safe.
pub fn new_token() -> Result<String, String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// What the store keeps of a token: its SHA-256, so a leaked database holds no live token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A uniformly random six-digit code (rejection sampling avoids modulo bias).
pub fn new_code() -> Result<String, String> {
    loop {
        let n = u32::from_le_bytes(random_bytes::<4>()?);
        // 4_294_000_000 is the largest multiple of 1_000_000 below 2^32.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// HMAC-SHA256 of a code bound to the national ID it was sent for.
pub fn code_hash(secret: &[u8], national_id: &str, code: &str) -> String {
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(m) => m,
        // HMAC takes keys of any length; this branch cannot be reached.
        Err(_) => return hex::encode(Sha256::digest(format!("{national_id}:{code}"))),
    };
    mac.update(national_id.as_bytes());
    mac.update(b":");
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes), PHC string out.
pub fn hash_password(password: &str) -> Result<String, String> {
    // The crate draws a fresh random salt from the OS.
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A password for a generated demo account: 16 URL-safe characters.
pub fn new_password() -> Result<String, String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<12>()?))
}

/// A real Argon2id hash of a random password, computed once, to verify against when a
/// username does not exist: the answer then takes as long as for a real account.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        new_password()
            .and_then(|p| hash_password(&p))
            .unwrap_or_default()
    })
}
