//! Fuzz target: `gleaner::harness::feed` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gleaner::harness::feed(data));
