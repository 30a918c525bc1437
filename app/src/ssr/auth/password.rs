//! Password hashing: argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1), on blocking
//! threads behind a semaphore so that a burst of sign-ins queues instead of starving the async
//! workers (each hash holds 19 MiB and one core for tens of milliseconds).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Memory cost in KiB (19 MiB), iterations and lanes: OWASP Password Storage Cheat Sheet.
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). Blocking.
pub fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with valid params cannot fail")
        .to_string()
}

/// Checks `password` against a stored PHC string. Blocking. A malformed hash never matches.
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A real hash of a random password, made once per process: unknown accounts are verified
/// against it so that "no such user" takes as long as "wrong password".
fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_blocking(&super::secret::random_secret("", 16)))
}

/// Runs hashes off the async workers, at most `permits` at a time.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    /// `concurrency` simultaneous hashes (the number of cores is a good choice).
    pub fn new(concurrency: usize) -> Self {
        Hasher {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    pub async fn hash(&self, password: String) -> String {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("semaphore never closed");
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .expect("hashing task does not panic")
    }

    /// Verifies against `phc`, or against the decoy when there is no account (always false).
    pub async fn verify(&self, password: String, phc: Option<String>) -> bool {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("semaphore never closed");
        let known = phc.is_some();
        let ok = tokio::task::spawn_blocking(move || {
            verify_blocking(&password, phc.as_deref().unwrap_or_else(|| decoy()))
        })
        .await
        .unwrap_or(false);
        ok && known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_records_owasp_parameters() {
        let phc = hash_blocking("plum orchard sky");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_blocking("plum orchard sky", &phc));
        assert!(!verify_blocking("plum orchard skY", &phc));
        assert!(!verify_blocking("plum orchard sky", "not a hash"));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        assert_ne!(
            hash_blocking("plum orchard sky"),
            hash_blocking("plum orchard sky")
        );
    }
}
