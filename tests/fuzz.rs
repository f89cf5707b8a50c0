//! The fuzzing harnesses of `gleaner::harness`, driven by proptest in every
//! `cargo test`: each runs on its committed seed corpus (`fuzz/corpus/`, which
//! also holds every crash found so far, as a regression test), then on
//! random inputs built from that corpus (mutated) and from scratch. The
//! cargo-fuzz targets in `fuzz/` run the same functions coverage-guided.

use std::path::PathBuf;

use gleaner::harness;
use proptest::prelude::*;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus {}", dir.display());
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// A seed with random bytes spliced in: cheap mutation, so random inputs
/// stay close to the formats.
fn mutated(target: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let seeds = corpus(target);
    (
        0..seeds.len(),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(move |(seed, at, len, insert)| {
            let mut bytes = seeds[seed].clone();
            let start = at.index(bytes.len() + 1);
            let end = (start + len.index(32)).min(bytes.len());
            bytes.splice(start..end, insert);
            bytes
        })
}

fn text_like() -> impl Strategy<Value = Vec<u8>> {
    "[ -~\n\t<>&;#\"'=/\\[\\]{}é€]{0,400}".prop_map(String::into_bytes)
}

macro_rules! harness_tests {
    ($name:ident, $seeds:ident, $cases:expr) => {
        #[test]
        fn $seeds() {
            for input in corpus(stringify!($name)) {
                harness::$name(&input);
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: $cases, ..ProptestConfig::default() })]

            #[test]
            fn $name(
                input in prop_oneof![
                    mutated(stringify!($name)),
                    text_like(),
                    prop::collection::vec(any::<u8>(), 0..512),
                ],
            ) {
                harness::$name(&input);
            }
        }
    };
}

harness_tests!(feed, feed_seeds, 512);
harness_tests!(extract, extract_seeds, 256);
harness_tests!(canonical, canonical_seeds, 2048);
harness_tests!(config, config_seeds, 1024);
