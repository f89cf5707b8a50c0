//! Fuzz target: `gleaner::harness::extract` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gleaner::harness::extract(data));
