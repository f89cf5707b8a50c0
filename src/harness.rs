//! Fuzzing harnesses: one function per attack surface, each taking
//! arbitrary bytes and panicking only on a real bug (a crash, or a broken
//! invariant it asserts). Shared by two drivers: the cargo-fuzz targets in
//! `fuzz/` (coverage-guided, run for as long as you like) and the proptest
//! suite in `tests/fuzz.rs` (random inputs plus the committed seed corpus,
//! in every `cargo test`).
//!
//! Not part of the public API.

use std::path::Path;

use url::Url;

use crate::config::Config;
use crate::extract::{self, ExtractOptions};
use crate::{canonical, feed};

/// Feed parsing plus item normalization: parse, cap the fields, and render
/// each item's content as the fallback record does.
pub fn feed(data: &[u8]) {
    let base = Url::parse("https://feeds.example/dir/feed.xml").expect("a valid URL");
    match feed::parse(data, &base, "https://feeds.example/dir/feed.xml") {
        Ok(mut parsed) => {
            let mut keys = std::collections::HashSet::new();
            for item in &mut parsed.items {
                assert!(keys.insert(item.key.clone()), "duplicate key {}", item.key);
                feed::cap_fields(item, 64, 256);
                assert!(item.title.as_ref().is_none_or(|t| t.len() <= 64));
                assert!(item.content.as_ref().is_none_or(|c| c.len() <= 256));
                if let Some(link) = &item.link {
                    let url = Url::parse(link).expect("item links are absolute URLs");
                    assert!(matches!(url.scheme(), "http" | "https"), "{link}");
                }
                let content = item.content.as_deref().or(item.summary.as_deref());
                let _ = feed::content_body(content.unwrap_or(""), Some(&base));
            }
        }
        Err(err) => {
            let _ = feed::explain_not_a_feed(data, &base, &err);
        }
    }
}

/// HTML extraction of one page.
pub fn extract(data: &[u8]) {
    let options = ExtractOptions {
        url: Some("https://news.example/2025/06/story.html"),
        markdown: true,
        max_bytes: Some(1 << 20),
        ..ExtractOptions::default()
    };
    let _ = extract::extract(data, &options);
}

/// URL canonicalization: resolving any string against a base yields an
/// http(s) URL whose canonical form is stable.
pub fn canonical(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let base = Url::parse("https://news.example/a/b?x=1").expect("a valid URL");
    for href in [text.as_ref(), text.split('\n').next().unwrap_or("")] {
        for base in [Some(&base), None] {
            if let Some(url) = canonical::resolve(base, href) {
                assert!(matches!(url.scheme(), "http" | "https"));
                let again = canonical::canonicalize(&url);
                assert_eq!(again, url, "canonicalize is not idempotent for {href:?}");
            }
        }
    }
}

/// Config parsing: any text is either a valid config or an error naming
/// the file, never a panic.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("/etc/gleaner/gleaner.toml");
    if let Err(err) = Config::parse(&text, path) {
        assert!(err.to_string().contains("gleaner.toml"), "{err}");
    }
}
