//! Credentials the server must use again (the shared mailbox's password), sealed at rest.
//!
//! ChaCha20-Poly1305 with a 256-bit key from the environment (`CLOSELOOP_SECRET_KEY`, base64):
//! a copy of the database without the key reveals nothing, and a sealed value altered in the
//! database fails to open instead of being used. Each value gets a fresh random nonce.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

/// The environment variable holding the key.
pub const KEY_VARIABLE: &str = "CLOSELOOP_SECRET_KEY";

/// The sealing key.
#[derive(Clone)]
pub struct SealKey(Key);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(…)")
    }
}

impl SealKey {
    /// The key from its base64 form (32 bytes, as `openssl rand -base64 32` prints).
    pub fn from_base64(text: &str) -> Result<SealKey, String> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| {
            format!("{KEY_VARIABLE} is not base64 (make one with: openssl rand -base64 32)")
        })?;
        if bytes.len() != 32 {
            return Err(format!(
                "{KEY_VARIABLE} must be 32 bytes, base64-encoded; it is {} (make one with: openssl rand -base64 32)",
                bytes.len()
            ));
        }
        Ok(SealKey(*Key::from_slice(&bytes)))
    }

    /// A new random key (tests).
    pub fn random() -> SealKey {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        SealKey(*Key::from_slice(&bytes))
    }

    /// `plain` sealed: base64 of nonce and ciphertext.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let sealed = ChaCha20Poly1305::new(&self.0)
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("sealing a short value does not fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    /// The value sealed in `sealed`, or `None` if it was sealed with another key or altered.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, data) = bytes.split_at(12);
        let plain = ChaCha20Poly1305::new(&self.0)
            .decrypt(Nonce::from_slice(nonce), data)
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_only_and_never_shows_in_clear() {
        let key = SealKey::random();
        let sealed = key.seal("app password 123");
        assert!(!sealed.contains("password"));
        assert_ne!(
            sealed,
            key.seal("app password 123"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).as_deref(), Some("app password 123"));
        assert_eq!(SealKey::random().open(&sealed), None);
        let mut altered = STANDARD.decode(&sealed).unwrap();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(&STANDARD.encode(altered)), None);
        assert_eq!(key.open("not base64!"), None);
    }

    #[test]
    fn a_key_must_be_32_bytes_of_base64() {
        assert!(SealKey::from_base64(&STANDARD.encode([7u8; 32])).is_ok());
        let short = SealKey::from_base64(&STANDARD.encode([7u8; 16])).unwrap_err();
        assert!(short.contains("32 bytes"), "{short}");
        assert!(SealKey::from_base64("???").unwrap_err().contains("base64"));
    }
}
