//! Random secrets (session ids, wall tokens, intake keys) and how they are stored.
//!
//! Secrets are 128 bits or more from the OS generator, sent to their holder once, and stored
//! only as a SHA-256 digest: they are high-entropy, so a fast hash is enough, and a copy of the
//! database then grants nothing.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// `bytes` random bytes as URL-safe base64 (no padding), optionally after a readable prefix
/// such as `clw_` so a leaked secret can be recognised by secret scanners and people.
pub fn random_secret(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(buf))
}

/// The stored form of a secret: hex SHA-256.
pub fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex SHA-256 of bytes (a message without a Message-ID is known by it).
pub fn digest_bytes(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a presented secret has the shape we issue: the prefix, then base64url characters of
/// the expected length. Checked before any database lookup so junk costs nothing.
pub fn well_formed(secret: &str, prefix: &str, bytes: usize) -> bool {
    let Some(body) = secret.strip_prefix(prefix) else {
        return false;
    };
    body.len() == (bytes * 8).div_ceil(6)
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_and_well_formed() {
        let a = random_secret("cls_", 16);
        let b = random_secret("cls_", 16);
        assert_ne!(a, b);
        assert!(well_formed(&a, "cls_", 16), "{a}");
        assert!(!well_formed(&a[..a.len() - 1], "cls_", 16));
        assert!(!well_formed(&a.replace("cls_", "clx_"), "cls_", 16));
        assert!(!well_formed("cls_<script>alert(1)</script>", "cls_", 16));
    }

    #[test]
    fn the_digest_is_stable_hex_sha256() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
