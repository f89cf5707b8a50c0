//! Fuzz target: `gleaner::harness::config` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gleaner::harness::config(data));
