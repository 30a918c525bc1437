//! Any bytes as the body of `POST /api/v1/intake`, as JSON and as a form: parsed and checked,
//! accepted or refused naming a field; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for content_type in ["application/json", "application/x-www-form-urlencoded"] {
        if let Err(e) = server::intake::check_submission(content_type, data) {
            assert!(
                !e.fields().is_empty() || !e.to_string().is_empty(),
                "a refusal says why"
            );
        }
    }
});
