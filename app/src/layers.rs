//! The layer rule, checked: every module of this crate belongs to a layer, and no module
//! names anything of a layer above its own (through `crate::…`, `super::…` or `self::…`
//! paths, in `use` lines or inline). The layers, lowest first:
//!
//! 1. `domain` (and `error`): pure types and rules, no IO.
//! 2. `model`: the wire and view types every layer shares (serde only).
//! 3. `ssr::store`: the database: every SQL statement, rows in, domain and model types out.
//! 4. `ssr::service` (and the rest of `ssr`: state, auth, live hub, charts): rules and
//!    transactions over the store.
//! 5. `api`: server functions, each a thin edge over the service.
//! 6. `pages`, `components` and the app shell (`lib.rs`): the UI.
//!
//! The same holds one level out, for the server crate's REST handlers, CLI and seed (edges),
//! which only the app's public modules reach. And every SQL statement lives in the store.

#![cfg(test)]

use std::path::{Path, PathBuf};

/// The layer of a module path (`["ssr", "service", "intake"]`), lowest 0.
fn layer(module: &[String]) -> Option<(usize, &'static str)> {
    let first = module.first().map(String::as_str);
    let second = module.get(1).map(String::as_str);
    Some(match (first, second) {
        (Some("domain" | "error"), _) => (0, "domain"),
        (Some("model"), _) => (1, "model"),
        (Some("ssr"), Some("store")) => (2, "store"),
        (Some("ssr"), _) => (3, "service"),
        (Some("api"), _) => (4, "api"),
        (Some("pages" | "components") | None, _) => (5, "ui"),
        _ => return None,
    })
}

/// The module path of a source file under `src/`: `ssr/service/intake.rs` is
/// `["ssr", "service", "intake"]`, `ssr/service/mod.rs` is `["ssr", "service"]`, `lib.rs` is
/// `[]`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" && stem != "lib" {
            parts.push(stem.to_string());
        }
    }
    parts
}

/// The code of a line without its comment and string literals (good enough for paths).
fn code(line: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_string, c) {
            (false, '/') if chars.peek() == Some(&'/') => break,
            (false, '"') => in_string = true,
            (true, '\\') => {
                chars.next();
            }
            (true, '"') => in_string = false,
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    out
}

/// Every module path a line names, resolved against `module` (the file's own module):
/// `crate::a::b`, `super::a`, `self::a`, and each path inside a `{…}` on the same line.
fn named(line: &str, module: &[String]) -> Vec<Vec<String>> {
    let code = code(line);
    let mut found = Vec::new();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let starts = ["crate::", "super::", "self::"]
            .iter()
            .any(|s| rest.starts_with(s));
        let joined = at > 0 && {
            let before = code.as_bytes()[at - 1];
            before.is_ascii_alphanumeric() || before == b'_' || before == b':'
        };
        if !starts || joined {
            at += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let base = resolve(&rest[..len], module);
        // `prefix::{a::b, c}` on one line: each inner path.
        let inner = rest[len..]
            .strip_prefix('{')
            .and_then(|r| r.find('}').map(|end| &r[..end]));
        match inner {
            Some(items) if !items.contains('{') => {
                for item in items.split(',') {
                    let mut path = base.clone();
                    path.extend(
                        item.trim()
                            .split(" as ")
                            .next()
                            .unwrap_or_default()
                            .split("::")
                            .filter(|s| !s.is_empty() && *s != "self")
                            .map(str::to_string),
                    );
                    found.push(path);
                }
            }
            _ => found.push(base),
        }
        at += len.max(1);
    }
    found
}

/// `crate::a::b`, `super::super::a` or `self::a` as a path from the crate root.
fn resolve(path: &str, module: &[String]) -> Vec<String> {
    let parts: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut resolved: Vec<String> = Vec::new();
    let mut rest = parts.as_slice();
    match rest.first() {
        Some(&"crate") => rest = &rest[1..],
        Some(&"self") => {
            resolved = module.to_vec();
            rest = &rest[1..];
        }
        _ => {
            resolved = module.to_vec();
            while rest.first() == Some(&"super") {
                resolved.pop();
                rest = &rest[1..];
            }
        }
    }
    resolved.extend(rest.iter().map(|s| s.to_string()));
    resolved
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every place a module names a layer above its own: "file:line: layer → layer (path)".
fn upward_references(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).expect("under src");
        let module = module_of(relative);
        let Some((own, own_name)) = layer(&module) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("read source");
        // Inline modules (`mod tests { … }`): their names, and the depth they close at.
        let mut inline: Vec<(String, i64)> = Vec::new();
        let mut depth = 0i64;
        for (n, line) in text.lines().enumerate() {
            let code = code(line);
            let opened = code
                .trim_start()
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|rest| rest.split_once('{'))
                .map(|(name, _)| name.trim().to_string());
            if let Some(name) = opened {
                inline.push((name, depth));
            }
            let mut here = module.clone();
            here.extend(inline.iter().map(|(name, _)| name.clone()));
            depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
            inline.retain(|(_, at)| *at < depth);
            for path in named(line, &here) {
                // `crate::{…}` across lines names no layer by itself.
                if path.is_empty() {
                    continue;
                }
                let Some((theirs, their_name)) = layer(&path) else {
                    continue;
                };
                if theirs > own {
                    found.push(format!(
                        "{}:{}: {own_name} → {their_name} ({})",
                        relative.display(),
                        n + 1,
                        path.join("::")
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn no_module_names_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = upward_references(&src);
    assert!(
        found.is_empty(),
        "{} references to a higher layer (see app/src/layers.rs for the rule):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Every line outside the store that runs SQL of its own (`sqlx::query…`): "file:line".
fn sql_outside_the_store(root: &Path, dirs: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for dir in dirs {
        let mut files = Vec::new();
        sources(&root.join(dir), &mut files);
        files.sort();
        for file in files {
            let relative = file.strip_prefix(root).expect("under the root");
            let shown = relative.to_string_lossy().replace('\\', "/");
            if allowed.iter().any(|a| shown.starts_with(a)) {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("read source");
            for (n, line) in text.lines().enumerate() {
                if code(line).contains("sqlx::query") {
                    found.push(format!("{shown}:{}", n + 1));
                }
            }
        }
    }
    found
}

/// Every SQL statement is the store's: the service, the edges (REST, CLI, the demo seed) and
/// the UI call store functions. The benchmark tool is the one exception: it times the bare
/// database beside the application's own path (its "floor").
#[test]
fn no_sql_outside_the_store() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let found = sql_outside_the_store(
        &root,
        &["app/src", "server/src"],
        &["app/src/ssr/store/", "server/src/bin/bench/"],
    );
    assert!(
        found.is_empty(),
        "SQL outside app/src/ssr/store:\n{}",
        found.join("\n")
    );
    // The scan sees SQL where there is some.
    assert!(!sql_outside_the_store(&root, &["app/src/ssr/store"], &[]).is_empty());
}

#[test]
fn paths_resolve_to_the_layer_they_name() {
    let module = module_of(Path::new("ssr/service/intake.rs"));
    assert_eq!(module, ["ssr", "service", "intake"]);
    assert_eq!(module_of(Path::new("ssr/store/mod.rs")), ["ssr", "store"]);
    let paths = named(
        "use super::super::store::leads; let x = crate::api::LiveEvent; // crate::pages",
        &module,
    );
    assert_eq!(
        paths,
        [vec!["ssr", "store", "leads"], vec!["api", "LiveEvent"]]
    );
    let layers: Vec<_> = paths.iter().map(|p| layer(p).unwrap().1).collect();
    assert_eq!(layers, ["store", "api"]);
    let braced = named("use crate::{domain::Lead, api::x as y, self};", &module);
    assert_eq!(braced, [vec!["domain", "Lead"], vec!["api", "x"], vec![]]);
    assert!(named(r#"let s = "crate::api::x";"#, &module).is_empty());
    // A file that names a higher layer is found.
    let dir = tempfile_dir();
    std::fs::create_dir_all(dir.join("domain")).unwrap();
    std::fs::write(dir.join("domain/x.rs"), "use crate::ssr::service::work;\n").unwrap();
    std::fs::write(
        dir.join("domain/y.rs"),
        "use super::x; use crate::model::z;\n",
    )
    .unwrap();
    // `super` inside an inline module is the file's own module.
    std::fs::create_dir_all(dir.join("ssr/store")).unwrap();
    std::fs::write(
        dir.join("ssr/store/mod.rs"),
        "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\nuse super::AppState;\n",
    )
    .unwrap();
    assert_eq!(
        upward_references(&dir),
        [
            "domain/x.rs:1: domain → service (ssr::service::work)",
            "domain/y.rs:1: domain → model (model::z)",
            "ssr/store/mod.rs:6: store → service (ssr::AppState)",
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A fresh directory for the test's own source tree.
fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("closeloop-layers-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    dir
}
