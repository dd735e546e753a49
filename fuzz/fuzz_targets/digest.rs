//! Any bytes as a CloudTrail digest file: parse, and build the signing string.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(digest) = serde_json::from_slice::<tip_audit::verify::Digest>(data) {
        let _ = digest.signing_string("00");
        for entry in &digest.log_files {
            let _ = entry.s3_object.as_deref().and_then(tip_audit::verify::key_from);
        }
    }
});
