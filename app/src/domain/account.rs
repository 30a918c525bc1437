//! Account input rules: e-mail addresses, names and new passwords.

use super::access::{Role, TeamId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A normalised (trimmed, lower-case) e-mail address of plausible shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address; the error says what is wrong, for the `email` field.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("Enter an e-mail address".into());
        }
        if s.len() > 254 {
            return Err("An e-mail address has at most 254 characters".into());
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err("An e-mail address needs an @, like dana@example.com".into());
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || !domain_ok || s.chars().any(char::is_whitespace) {
            return Err(format!("\"{}\" is not an e-mail address", raw.trim()));
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Most web sites one intake key may accept submissions from.
pub const MAX_ORIGINS: usize = 20;

/// The web sites an intake key's form may be submitted from, as origins
/// (`https://www.example.com`, `http://localhost:8080`): separated by spaces, commas or lines;
/// a trailing slash is dropped, anything after the host and port is refused. The error names
/// the first bad entry, for the `allowed_origins` field.
pub fn parse_origins(raw: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for entry in raw
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|e| !e.is_empty())
    {
        let lower = entry.to_ascii_lowercase();
        let origin = lower.strip_suffix('/').unwrap_or(&lower);
        let Some((scheme, rest)) = origin.split_once("://") else {
            return Err(format!(
                "\"{entry}\" is not an origin: write it like https://www.example.com"
            ));
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        let host_ok = !host.is_empty()
            && host
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
        if !matches!(scheme, "http" | "https") || !host_ok || !port_ok {
            return Err(format!(
                "\"{entry}\" is not an origin: a scheme (https), a host and at most a port, \
                 like https://www.example.com"
            ));
        }
        if !out.iter().any(|o| o == origin) {
            out.push(origin.to_string());
        }
    }
    if out.len() > MAX_ORIGINS {
        return Err(format!("At most {MAX_ORIGINS} web sites per key"));
    }
    Ok(out)
}

/// A person's display name: 1 to 100 characters after trimming.
pub fn parse_name(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    match s.chars().count() {
        0 => Err("Enter a name".into()),
        n if n > 100 => Err("A name has at most 100 characters".into()),
        _ => Ok(s.to_string()),
    }
}

/// Shortest password accepted (NIST SP 800-63B's minimum for user-chosen secrets).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted: long passphrases are welcome; beyond this is abuse of the hasher.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Consecutive failed sign-ins after which an account's sign-in pauses (for devices it was
/// never signed in from).
pub const PAUSE_AFTER: i64 = 10;
/// The longest pause, in minutes.
pub const MAX_PAUSE_MINUTES: i64 = 60;

/// How long sign-in pauses after `failures` consecutive failures, in milliseconds: nothing
/// before [`PAUSE_AFTER`], then one minute, doubling with each further failure up to an hour
/// (OWASP ASVS 2.2.1: ever-increasing delays rather than a lock that someone who knows an
/// e-mail address can set off; at most about one guess an hour once it is reached).
pub fn sign_in_pause_ms(failures: i64) -> Option<i64> {
    let beyond = failures.checked_sub(PAUSE_AFTER)?;
    if beyond < 0 {
        return None;
    }
    let minutes = if beyond >= 6 {
        MAX_PAUSE_MINUTES
    } else {
        (1i64 << beyond).min(MAX_PAUSE_MINUTES)
    };
    Some(minutes * 60_000)
}

/// Passwords attackers try first (and their obvious variants of at least eight characters):
/// anything on this list is refused. Compared case-insensitively.
const COMMON_PASSWORDS: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "12345678910",
    "87654321",
    "11111111",
    "00000000",
    "88888888",
    "99999999",
    "12341234",
    "11223344",
    "password",
    "password1",
    "password12",
    "password123",
    "password!",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "qwertyui",
    "qwertyuiop",
    "qwerty123",
    "qwerty12",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1qaz2wsx",
    "zaq12wsx",
    "asdfghjkl",
    "asdfasdf",
    "zxcvbnm1",
    "iloveyou",
    "iloveyou1",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "welcome123",
    "letmein1",
    "letmein123",
    "trustno1",
    "superman",
    "starwars",
    "whatever",
    "dragon12",
    "monkey123",
    "abc12345",
    "abcd1234",
    "abcdefgh",
    "changeme",
    "changeme1",
    "admin123",
    "administrator",
    "computer",
    "internet",
    "michelle",
    "jennifer",
    "corvette",
    "mercedes",
    "liverpool",
    "chelsea1",
    "arsenal1",
    "qazwsxedc",
    "123qweasd",
    "q1w2e3r4",
    "q1w2e3r4t5",
    "passpass",
    "testtest",
    "test1234",
    "hello123",
    "sales123",
    "closeloop",
    "closeloop1",
    "company1",
    "summer2024",
    "summer2025",
    "summer2026",
    "winter2025",
    "winter2026",
    "spring2026",
    "autumn2026",
    "default1",
    "secret12",
    "secret123",
    "master12",
    "shadow12",
    "freedom1",
    "killer12",
    "pokemon1",
    "samsung1",
    "google123",
    "facebook",
    "linkedin",
    "yankees1",
    "lakers24",
    "michael1",
    "charlie1",
    "jordan23",
];

/// Checks a new password; the error is for the `password` field.
pub fn check_new_password(password: &str, email: &str, name: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Use at least {MIN_PASSWORD_CHARS} characters; a few words make a good passphrase"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("Use at most {MAX_PASSWORD_CHARS} characters"));
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Err("That password is among the first attackers try; choose another".into());
    }
    if lower
        .chars()
        .all(|c| c == lower.chars().next().unwrap_or(' '))
    {
        return Err("A password of one repeated character is too easy to guess".into());
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if (!local.is_empty() && lower == local) || lower == email.to_lowercase() {
        return Err("Do not use your e-mail address as your password".into());
    }
    if lower == name.to_lowercase().replace(' ', "") || lower == name.to_lowercase() {
        return Err("Do not use your name as your password".into());
    }
    Ok(())
}

/// A user as the admin screens list them. Never carries the password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub active: bool,
    /// Sign-in is paused until then after repeated failed sign-ins (see [`sign_in_pause_ms`]),
    /// unless an admin lifts the pause; a time in the past means no pause.
    pub paused_until: Option<super::Timestamp>,
}

/// A team as the admin screens list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamSummary {
    pub id: TeamId,
    pub name: String,
    pub manager: Option<UserId>,
    pub manager_name: Option<String>,
    pub reps_see_team_board: bool,
    pub members: i64,
}

/// A lead source (where intake keys point).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SourceSummary {
    pub id: i64,
    pub name: String,
    pub channel: super::lead::Channel,
}

/// A colleague as the API lists them: no e-mail or sign-in state (that is the admin screens').
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub active: bool,
}

/// A team by id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamRef {
    pub id: TeamId,
    pub name: String,
}

/// A marketing campaign within a source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Campaign {
    pub id: i64,
    pub source_id: i64,
    pub name: String,
    pub starts_at: super::time::Timestamp,
    pub ends_at: Option<super::time::Timestamp>,
}

/// A wall-display token or an intake key, as listed (the secret itself is shown only once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessKeySummary {
    pub id: i64,
    pub label: String,
    /// The first characters of the secret, to tell keys apart.
    pub prefix: String,
    /// For intake keys: the source it creates leads in.
    pub source_name: Option<String>,
    pub created_by: String,
    pub created_at: super::time::Timestamp,
    pub last_used_at: Option<super::time::Timestamp>,
    pub revoked: bool,
    /// For intake keys: the public id a web form on an allowed site submits with.
    pub form_id: Option<String>,
    /// For intake keys: the web sites (origins) its form may be submitted from.
    pub allowed_origins: Vec<String>,
    /// For intake keys: submissions accepted per minute.
    pub per_minute: Option<i64>,
    /// For wall tokens: what the screen shows.
    #[serde(default)]
    pub wall: Option<super::wall::WallConfig>,
}

crate::keyed! {
    /// What a personal API token may do, within its owner's own rights.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum TokenScope {
        /// Reads only (GET).
        Read => "read", "Read only";
        /// Reads and writes.
        Write => "write", "Read and write";
    }
}

impl TokenScope {
    /// May a request with this method go through? Reads are GET and HEAD.
    pub fn allows(self, method: &str) -> bool {
        self == TokenScope::Write || matches!(method, "GET" | "HEAD")
    }
}

/// A personal API token as its owner lists it (the secret itself is shown only once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiTokenSummary {
    pub id: i64,
    pub label: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub scope: TokenScope,
    pub created_at: super::time::Timestamp,
    pub last_used_at: Option<super::time::Timestamp>,
    pub revoked: bool,
}

/// A label for a key or token: 1 to 80 characters once trimmed.
pub fn check_label(label: &str) -> Result<String, String> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 80 {
        return Err("Give it a label of 1 to 80 characters, e.g. where it is used".into());
    }
    Ok(label.to_string())
}

/// A freshly issued secret: shown to its creator once, never retrievable again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssuedSecret {
    pub id: i64,
    pub secret: String,
}

/// A user to create. `Debug` leaves the password out, so it cannot reach a log.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub password: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("team_id", &self.team_id)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Changes to a user; every field is applied.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub active: bool,
}

/// A team to create or change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamChange {
    pub name: String,
    pub manager: Option<UserId>,
    pub reps_see_team_board: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_pauses_grow_from_a_minute_to_an_hour() {
        assert_eq!(sign_in_pause_ms(0), None);
        assert_eq!(sign_in_pause_ms(PAUSE_AFTER - 1), None);
        let minutes = |n| sign_in_pause_ms(n).map(|ms| ms / 60_000);
        assert_eq!(minutes(PAUSE_AFTER), Some(1));
        assert_eq!(minutes(PAUSE_AFTER + 1), Some(2));
        assert_eq!(minutes(PAUSE_AFTER + 5), Some(32));
        assert_eq!(minutes(PAUSE_AFTER + 6), Some(60));
        assert_eq!(minutes(i64::MAX), Some(60));
        assert_eq!(sign_in_pause_ms(i64::MIN), None);
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            parse_origins(
                "https://WWW.Example.com/, http://localhost:8080\nhttps://www.example.com"
            )
            .unwrap(),
            vec!["https://www.example.com", "http://localhost:8080"]
        );
        assert_eq!(parse_origins("  ").unwrap(), Vec::<String>::new());
        for bad in [
            "www.example.com",
            "ftp://example.com",
            "https://example.com/contact",
            "https://exa mple.com",
            "https://example.com:99999",
            "https://*.example.com",
        ] {
            let err = parse_origins(bad).unwrap_err();
            assert!(err.contains("not an origin"), "{bad}: {err}");
        }
        let many: Vec<String> = (0..21)
            .map(|i| format!("https://s{i}.example.com"))
            .collect();
        assert!(parse_origins(&many.join(" ")).unwrap_err().contains("20"));
    }

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Dana@Example.COM ").unwrap().as_str(),
            "dana@example.com"
        );
    }

    #[test]
    fn malformed_addresses_are_refused_with_a_reason() {
        for bad in [
            "",
            "dana",
            "dana@",
            "@example.com",
            "dana@example",
            "da na@example.com",
            "dana@@example.com",
            "dana@example..com",
            "dana@.example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_short_password_is_refused() {
        let err = check_new_password("abc1234", "d@example.com", "Dana").unwrap_err();
        assert!(err.contains("at least 8"), "{err}");
    }

    #[test]
    fn a_long_passphrase_is_welcome_up_to_the_limit() {
        let phrase = "correct horse battery staple ".repeat(8);
        assert!(check_new_password(&phrase, "d@example.com", "Dana").is_ok());
        let abuse = "x".repeat(MAX_PASSWORD_CHARS) + "yz";
        assert!(check_new_password(&abuse, "d@example.com", "Dana").is_err());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for common in ["password123", "Password123", "QWERTYUIOP", "iloveyou"] {
            assert!(
                check_new_password(common, "d@example.com", "Dana").is_err(),
                "{common}"
            );
        }
    }

    #[test]
    fn a_password_equal_to_the_address_or_name_is_refused() {
        assert!(check_new_password("dana.whitfield", "dana.whitfield@example.com", "D W").is_err());
        assert!(check_new_password("danawhitfield", "x@example.com", "Dana Whitfield").is_err());
        assert!(check_new_password("aaaaaaaaaa", "x@example.com", "D").is_err());
        assert!(check_new_password("plum orchard sky", "x@example.com", "Dana").is_ok());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("  Dana  ").unwrap(), "Dana");
        assert!(parse_name("   ").is_err());
        assert!(parse_name(&"n".repeat(101)).is_err());
    }
}
