//! Any bytes, as one input file, through decode → normalize → fold → link → findings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = tip_audit::pipeline::audit_bytes(data);
    // The books must balance whatever the input.
    let s = &report.summary;
    assert_eq!(s.records, s.events + s.duplicates + s.event_errors + s.filtered);
    assert_eq!(s.coverage.values().sum::<u64>(), s.events);
});
