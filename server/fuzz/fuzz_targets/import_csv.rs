//! Any bytes as an uploaded spreadsheet: the importer parses, maps and checks them, and either
//! reports the good rows or refuses the file naming why; it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The upload reads the file as UTF-8 (lossily, as the server function does).
    let text = String::from_utf8_lossy(data);
    if let Err(e) = app::ssr::service::import::check_offline(&text) {
        // A refusal names what is wrong.
        assert!(!e.to_string().is_empty());
    }
});
