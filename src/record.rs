//! The output schema: one [`Article`] per extracted page.
//!
//! This module owns every type that is serialized to users. Adding a field is
//! free; renaming or removing one needs a bump of [`SCHEMA_VERSION`] and a note
//! in the README. Unknown values are `null` or empty lists, never invented.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Version of the record layout, written into every record as `schema`.
pub const SCHEMA_VERSION: u32 = 1;

/// One article as gleaner emits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Always [`SCHEMA_VERSION`].
    pub schema: u32,
    /// Stable identifier: derived from the canonical URL when known, else
    /// from the page URL, else from the content hash.
    pub id: String,
    /// The address the page was fetched from (or given with `--url`).
    pub url: Option<String>,
    /// The page's own canonical address (`<link rel=canonical>`, `og:url`).
    pub canonical_url: Option<String>,
    /// The article's headline.
    pub title: Option<String>,
    /// Author names, one per entry, without "By" and without organisations
    /// that only repeat the site name.
    pub authors: Vec<String>,
    /// Publication time, RFC 3339 with the page's own UTC offset kept, or a
    /// bare `YYYY-MM-DD` when the page gives only a date.
    pub published: Option<String>,
    /// Last modification time, same format as `published`.
    pub modified: Option<String>,
    /// BCP 47 language tag (`en`, `pt-BR`).
    pub language: Option<String>,
    /// The publication's name.
    pub site_name: Option<String>,
    /// The page's summary (meta description or its Open Graph form).
    pub description: Option<String>,
    /// Lead image, absolute URL.
    pub image: Option<String>,
    /// Keywords and sections the page declares.
    pub tags: Vec<String>,
    /// Body as plain text: blocks separated by one blank line.
    pub text: String,
    /// Body as sanitized HTML with absolute URLs.
    pub html: String,
    /// Number of words in `text`.
    pub word_count: usize,
    /// `sha256:` followed by the hex SHA-256 of `text`.
    pub content_hash: String,
    /// What the extractor did.
    pub extraction: Extraction,
    /// Body as Markdown; only filled when asked for (`--format markdown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
}

/// How the record was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// Outcome of body extraction.
    pub status: ExtractionStatus,
    /// Which strategy produced the body (`json_ld`, `article`, `scored`, ...);
    /// `null` when there is no body.
    pub method: Option<String>,
    /// Where the body came from: `page`, or `feed` when the daemon fell back
    /// to the feed's own content.
    pub source: String,
    /// Character encoding the page was decoded with.
    pub charset: Option<String>,
    /// Why the body is empty or degraded, in words; `null` when all went well.
    pub note: Option<String>,
}

/// The closed set of extraction outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtractionStatus {
    /// A body was found.
    Ok,
    /// The page parsed but holds no text at all.
    Empty,
    /// The page has text, but nothing that reads as an article (an index,
    /// a login wall, a media page).
    NotArticle,
}

/// One line of the daemon's output: the [`Article`] (flattened, so its fields
/// are top-level) plus where it came from and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The extracted article (or the feed's own content, see `extraction.source`).
    #[serde(flatten)]
    pub article: Article,
    /// 1 for the first emission of an `id`; one more for each re-emission of an
    /// updated item (only when `reemit_on_update = "on"`).
    pub version: u32,
    /// The feed that listed the item first.
    pub feed: FeedSource,
    /// Other feeds that listed the same article (same canonical link) before
    /// it was written; it is emitted once, under the first feed.
    pub also_in: Vec<FeedSource>,
    /// When the record was made, RFC 3339 UTC.
    pub fetched_at: String,
}

/// A feed that listed the article, and how it listed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedSource {
    /// The feed's configured address.
    pub url: String,
    /// The feed's own title.
    pub title: Option<String>,
    /// The entry's guid (or Atom id), when it has one.
    pub item_guid: Option<String>,
    /// The entry's title.
    pub item_title: Option<String>,
    /// The entry's publication time, RFC 3339.
    pub item_published: Option<String>,
    /// The tags configured for the feed.
    pub tags: Vec<String>,
}

/// Derives the stable record id from the best known address, else from the
/// content hash: 32 hex digits of SHA-256.
pub fn record_id(canonical_url: Option<&str>, url: Option<&str>, content_hash: &str) -> String {
    let key = canonical_url.or(url).unwrap_or(content_hash);
    let digest = Sha256::digest(key.as_bytes());
    hex::encode(&digest[..16])
}

/// `sha256:<hex>` of the text, the form used in `content_hash`.
pub fn content_hash(text: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(text.as_bytes())))
}

/// Counts words the way `word_count` documents it: runs of letters or digits,
/// with every CJK ideograph or kana counted as one word.
pub fn word_count(text: &str) -> usize {
    let mut count = 0;
    let mut in_word = false;
    for ch in text.chars() {
        if is_cjk(ch) {
            count += 1;
            in_word = false;
        } else if ch.is_alphanumeric() {
            if !in_word {
                count += 1;
                in_word = true;
            }
        } else {
            in_word = false;
        }
    }
    count
}

fn is_cjk(ch: char) -> bool {
    matches!(ch as u32, 0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_prefers_canonical_url() {
        let a = record_id(
            Some("https://a.example/x"),
            Some("https://a.example/x?utm=1"),
            "h",
        );
        let b = record_id(Some("https://a.example/x"), None, "other");
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
        assert_ne!(a, record_id(None, Some("https://a.example/x?utm=1"), "h"));
    }

    #[test]
    fn word_count_counts_latin_and_cjk() {
        assert_eq!(word_count("Hello, world! It's 2025."), 5);
        assert_eq!(word_count("日本語 text"), 4);
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn content_hash_is_prefixed_hex() {
        let h = content_hash("abc");
        assert!(h.starts_with("sha256:ba7816bf"));
    }
}
