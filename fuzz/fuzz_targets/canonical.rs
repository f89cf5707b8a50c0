//! Fuzz target: `gleaner::harness::canonical` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gleaner::harness::canonical(data));
