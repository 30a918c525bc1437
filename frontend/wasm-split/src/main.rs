//! The site build's split step (`scripts/lib.sh`, `build_site`): turns the frontend's WASM into
//! the main module plus one chunk per lazy route or `#[lazy]` function, the JavaScript that loads
//! them, and the prefetch manifest that Leptos's `HydrationScripts` reads.
//!
//! Usage: `closeloop-wasm-split <input.wasm> <pkg-dir> <main-out.wasm> <output-name>`
//!
//! The chunks also lose their `name` sections (function names, for debuggers): most chunks
//! are a few hundred bytes of code under kilobytes of names, and stripping them here is what
//! lets the build skip `wasm-opt` (about a second per file through binaryen's npm package) on
//! the hundreds of small ones.
//!
//! The names are the contract with Leptos 0.8: the wasm imports its chunk loaders from
//! `./__wasm_split.______________________.js` (the placeholder `wasm_split_macros` writes), the
//! loader imports `initSync` from `./<output-name>.js` (wasm-bindgen's glue), and the manifest is
//! `<pkg-dir>/__wasm_split_manifest.json`.

use std::path::Path;
use std::process::ExitCode;

const LINK_NAME: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, pkg_dir, main_out, output_name] = args.as_slice() else {
        eprintln!(
            "usage: closeloop-wasm-split <input.wasm> <pkg-dir> <main-out.wasm> <output-name>"
        );
        return ExitCode::from(2);
    };
    match split(
        Path::new(input),
        Path::new(pkg_dir),
        Path::new(main_out),
        output_name,
    ) {
        Ok(chunks) => {
            println!("split {input} into the main module and {chunks} lazily loaded chunks");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("closeloop-wasm-split: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the chunks and the loader into `pkg_dir`, the main module to `main_out`, and the
/// manifest; returns the number of chunks.
fn split(
    input: &Path,
    pkg_dir: &Path,
    main_out: &Path,
    output_name: &str,
) -> Result<usize, String> {
    let wasm = std::fs::read(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    std::fs::create_dir_all(pkg_dir)
        .map_err(|e| format!("cannot create {}: {e}", pkg_dir.display()))?;
    let main_module = format!("./{output_name}.js");
    let mut options = wasm_split_cli_support::Options::new(&wasm);
    options.output_dir = pkg_dir;
    options.main_out_path = main_out;
    options.main_module = &main_module;
    options.link_name = LINK_NAME;
    let split = wasm_split_cli_support::transform(options)
        .map_err(|e| format!("cannot split {}: {e:#}", input.display()))?;
    for chunk in &split.split_modules {
        let bytes =
            std::fs::read(chunk).map_err(|e| format!("cannot read {}: {e}", chunk.display()))?;
        let stripped = strip_names(&bytes)
            .map_err(|e| format!("cannot read {} as WASM: {e}", chunk.display()))?;
        std::fs::write(chunk, stripped)
            .map_err(|e| format!("cannot write {}: {e}", chunk.display()))?;
    }
    let manifest = serde_json::to_string_pretty(&split.prefetch_map)
        .map_err(|e| format!("cannot write the manifest: {e}"))?;
    let manifest_path = pkg_dir.join(MANIFEST);
    std::fs::write(&manifest_path, manifest)
        .map_err(|e| format!("cannot write {}: {e}", manifest_path.display()))?;
    Ok(split.split_modules.len())
}

/// The module without its `name` custom sections; every other section is copied as it is.
fn strip_names(wasm: &[u8]) -> Result<Vec<u8>, wasmparser::BinaryReaderError> {
    let mut module = wasm_encoder::Module::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        if let wasmparser::Payload::CustomSection(c) = &payload {
            if c.name() == "name" {
                continue;
            }
        }
        if let Some((id, range)) = payload.as_section() {
            module.section(&wasm_encoder::RawSection {
                id,
                data: &wasm[range],
            });
        }
    }
    Ok(module.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stripped_and_the_rest_is_kept() {
        let mut module = wasm_encoder::Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], []);
        module.section(&types);
        let mut functions = wasm_encoder::FunctionSection::new();
        functions.function(0);
        module.section(&functions);
        let mut code = wasm_encoder::CodeSection::new();
        let mut body = wasm_encoder::Function::new([]);
        body.instructions().end();
        code.function(&body);
        module.section(&code);
        let mut names = wasm_encoder::NameSection::new();
        let mut map = wasm_encoder::NameMap::new();
        map.append(0, "a_rather_long_function_name_that_only_debuggers_need");
        names.functions(&map);
        module.section(&names);
        module.section(&wasm_encoder::CustomSection {
            name: "producers".into(),
            data: b"kept".as_slice().into(),
        });
        let wasm = module.finish();

        let stripped = strip_names(&wasm).unwrap();
        assert!(stripped.len() < wasm.len());
        let customs: Vec<String> = wasmparser::Parser::new(0)
            .parse_all(&stripped)
            .filter_map(|p| match p.unwrap() {
                wasmparser::Payload::CustomSection(c) => Some(c.name().to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(customs, vec!["producers".to_string()]);
        wasmparser::Validator::new()
            .validate_all(&stripped)
            .unwrap();
    }
}
