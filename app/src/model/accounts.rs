//! Wire types of signing in and out and for the admin screens (users and teams).

use crate::domain::Actor;

/// Where to go after signing in: a path on this site only, or the sign-in page would be an
/// open redirect. Browsers drop tabs and newlines anywhere in a URL and read `\\` as `/`, so
/// `/%09/evil.example` (a decoded tab) becomes `//evil.example`, another site: anything but
/// visible ASCII, and any backslash, refuses the whole value rather than being cleaned up.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?;
    let visible = next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    let local =
        visible && next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/signin");
    local.then(|| next.to_string())
}

/// The page a user lands on after signing in.
pub fn home_for(actor: &Actor) -> &'static str {
    use crate::domain::Role;
    match actor.role {
        Role::Marketing => "/roi",
        Role::Admin => "/admin/users",
        Role::Rep => "/today",
        _ => "/board",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/board?owner=7")).as_deref(),
            Some("/board?owner=7")
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "board",
            "/signin",
            "/x\r\nSet-Cookie: a=b",
            // A tab or newline the browser strips turns these into `//evil.example/`.
            "/\t/evil.example/",
            "/\n/evil.example/",
            "\t//evil.example/",
            " //evil.example/",
            "/\u{7f}/evil.example/",
            // Backslashes read as slashes, anywhere.
            "/board\\..\\\\evil.example",
            "/é",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad}");
        }
        assert_eq!(safe_next(None), None);
    }
}
