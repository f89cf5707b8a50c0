//! Feed bytes in, items out: parsing with feed-rs, link resolution, item keys.
//!
//! An item's key is its feed plus its guid, else its canonical link, else a
//! hash of its title and date. The id feed-rs invents for an entry without
//! one is never used: the parser is built with an id generator that returns
//! an empty string, so an empty `entry.id` means "the source had no id".
//!
//! Pure and synchronous: no I/O, no clock, no state.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::{canonical, feedfix};

/// What one parse of a feed yields.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The feed's own title.
    pub title: Option<String>,
    /// The poll interval the feed asks for (RSS `<ttl>`, `sy:updatePeriod`).
    pub requested_interval: Option<Duration>,
    /// The entries, in feed order, keys unique (later duplicates dropped).
    pub items: Vec<Item>,
    /// Repairs of a malformed body made before it parsed, for the log.
    pub repairs: Vec<&'static str>,
}

/// One feed entry, as the daemon keeps it. Stored as JSON in the state
/// database (an internal format, not an output schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Dedup key, unique within the feed (see [`item_key`]).
    pub key: String,
    /// The entry's own id (guid), when the source has one.
    pub guid: Option<String>,
    /// The canonical absolute link to the article, when there is one.
    pub link: Option<String>,
    /// The entry's title, as text.
    pub title: Option<String>,
    /// Publication time, RFC 3339.
    pub published: Option<String>,
    /// Last update time, RFC 3339.
    pub updated: Option<String>,
    /// Summary, as found (HTML or text).
    pub summary: Option<String>,
    /// Full content, as found (usually HTML).
    pub content: Option<String>,
    /// Author names.
    pub authors: Vec<String>,
    /// Media type of the link target when the feed declares it (enclosures).
    pub media_type: Option<String>,
    /// Hash of what a reader sees (title, link, dates, summary, content):
    /// a change means the item was updated.
    pub content_hash: String,
}

/// Why a body is not a feed.
#[derive(Debug, thiserror::Error)]
#[error("not a feed: {0}")]
pub struct ParseError(String);

/// Parses a feed. `feed_url` is the address it was fetched from, the base
/// for relative links; `key_scope` (the feed's configured URL) prefixes the
/// item keys, so they survive a move of the feed.
pub fn parse(bytes: &[u8], feed_url: &Url, key_scope: &str) -> Result<ParsedFeed, ParseError> {
    parse_fetched(bytes, None, usize::MAX, feed_url, key_scope)
}

/// [`parse`] for a fetched body: `charset` is the HTTP charset and
/// `max_bytes` caps a gzip body served without `Content-Encoding`. Breakage
/// common in the wild is repaired first (see [`crate::feedfix`]); the
/// repairs made are in [`ParsedFeed::repairs`].
pub fn parse_fetched(
    bytes: &[u8],
    charset: Option<&str>,
    max_bytes: usize,
    feed_url: &Url,
    key_scope: &str,
) -> Result<ParsedFeed, ParseError> {
    // A fresh parser for every attempt: a feed-rs `Parser` keeps Media RSS
    // state from a failed parse and asserts when used again. Should it
    // panic anyway, that is this body's parse error, not the daemon's.
    let parse = |body: &[u8]| {
        let parser = feed_rs::parser::Builder::new()
            .base_uri(Some(feed_url.as_str()))
            // An empty id marks an entry without one; see the module comment.
            .id_generator(|_links, _title, _base| String::new())
            .sanitize_content(false)
            .build();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(body))) {
            Ok(parsed) => parsed.map_err(|err| err.to_string()),
            Err(_) => Err("the feed parser failed on this malformed body".to_owned()),
        }
    };
    let (prepared, mut repairs) = feedfix::prepare(bytes, charset, max_bytes);
    let bytes = prepared.as_ref();
    let feed = match parse(bytes) {
        Ok(feed) => feed,
        Err(err) => {
            let salvaged = feedfix::salvage(bytes)
                .and_then(|(fixed, repair)| Some((parse(fixed.as_slice()).ok()?, repair)));
            match salvaged {
                Some((feed, repair)) => {
                    repairs.push(repair);
                    feed
                }
                None => return Err(ParseError(err)),
            }
        }
    };

    let requested_interval = feed
        .ttl
        .filter(|ttl| *ttl > 0)
        .map(|ttl| Duration::from_secs(u64::from(ttl) * 60))
        .or_else(|| syndication_period(bytes));

    let mut seen = std::collections::HashSet::new();
    let mut items = Vec::with_capacity(feed.entries.len());
    for entry in &feed.entries {
        let base = entry
            .base
            .as_deref()
            .and_then(|b| feed_url.join(b).ok())
            .unwrap_or_else(|| feed_url.clone());
        let item = convert(entry, &base, key_scope);
        if seen.insert(item.key.clone()) {
            items.push(item);
        }
    }
    Ok(ParsedFeed {
        title: feed.title.map(|t| text_of(&t)),
        requested_interval,
        items,
        repairs,
    })
}

/// The key of an item: `feed + guid`, else `feed + canonical link`, else
/// `feed + hash(title, date)`.
pub fn item_key(
    scope: &str,
    guid: Option<&str>,
    link: Option<&str>,
    title: Option<&str>,
    date: Option<&str>,
) -> String {
    if let Some(guid) = guid {
        return match long_hash(guid) {
            Some(hash) => format!("{scope} guid-sha256:{hash}"),
            None => format!("{scope} guid:{guid}"),
        };
    }
    if let Some(link) = link {
        return match long_hash(link) {
            Some(hash) => format!("{scope} link-sha256:{hash}"),
            None => format!("{scope} link:{link}"),
        };
    }
    let mut hasher = Sha256::new();
    hasher.update(title.unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(date.unwrap_or("").as_bytes());
    format!("{scope} hash:{}", hex::encode(&hasher.finalize()[..16]))
}

/// Why `bytes` did not parse as a feed, in words a user can act on: an
/// empty body, or an HTML page (with the feed URLs it advertises with
/// `<link rel="alternate">`, resolved against `base`), else the parser's
/// own message.
pub fn explain_not_a_feed(bytes: &[u8], base: &Url, err: &ParseError) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(1 << 20)]);
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.is_empty() {
        return "the body is empty, not a feed".to_owned();
    }
    let lower = start
        .get(..start.len().min(512))
        .unwrap_or("")
        .to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<head")
    {
        let feeds = advertised_feeds(&text, base);
        return if feeds.is_empty() {
            "the body is an HTML page, not a feed, and it advertises no feed".to_owned()
        } else {
            let list: Vec<&str> = feeds.iter().map(Url::as_str).collect();
            format!(
                "the body is an HTML page, not a feed; it advertises these feeds (put one in the config): {}",
                list.join(" ")
            )
        };
    }
    err.to_string()
}

/// The feed URLs an HTML page advertises with `<link rel="alternate">`.
pub fn advertised_feeds(html: &str, base: &Url) -> Vec<Url> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("link[rel][href]").expect("a valid selector");
    let mut feeds = Vec::new();
    for link in document.select(&selector) {
        let element = link.value();
        let rel = element.attr("rel").unwrap_or("").to_ascii_lowercase();
        let kind = element.attr("type").unwrap_or("").to_ascii_lowercase();
        if rel.split_whitespace().any(|r| r == "alternate")
            && (kind.contains("rss") || kind.contains("atom") || kind.contains("feed+json"))
            && let Some(url) = element.attr("href").and_then(|h| base.join(h.trim()).ok())
            && matches!(url.scheme(), "http" | "https")
            && !feeds.contains(&url)
        {
            feeds.push(url);
        }
        if feeds.len() >= 10 {
            break;
        }
    }
    feeds
}

/// Longest guid or link used verbatim in a key; longer ones are hashed, so
/// a hostile feed cannot make the state store megabyte-long keys.
const MAX_KEY_PART: usize = 512;

/// Years a feed item's date may fall in. Outside, the date is a template
/// default ("0001-01-01"), a placeholder ("9999-12-31") or a parse accident,
/// and is dropped rather than passed on; the extractor's page dates use the
/// same bounds.
const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1995..=2100;

/// An item date in RFC 3339, or `None` when its year is implausible.
fn plausible_date(date: chrono::DateTime<chrono::Utc>) -> Option<String> {
    use chrono::Datelike;
    PLAUSIBLE_YEARS
        .contains(&date.year())
        .then(|| date.to_rfc3339())
}

fn long_hash(part: &str) -> Option<String> {
    (part.len() > MAX_KEY_PART).then(|| hex::encode(Sha256::digest(part.as_bytes())))
}

/// Caps an item's fields: title, guid, link and author names at
/// `max_title` bytes, summary and content at `max_content` bytes (cut at a
/// character boundary). A link that would be cut is dropped instead, since
/// half a URL points somewhere else. Returns whether anything was cut. The
/// key and content hash, computed from the full fields, are kept.
pub fn cap_fields(item: &mut Item, max_title: usize, max_content: usize) -> bool {
    let mut cut = false;
    for text in [&mut item.title, &mut item.guid].into_iter().flatten() {
        cut |= truncate(text, max_title);
    }
    if item.link.as_ref().is_some_and(|l| l.len() > max_title) {
        item.link = None;
        cut = true;
    }
    for author in &mut item.authors {
        cut |= truncate(author, max_title);
    }
    for text in [&mut item.summary, &mut item.content].into_iter().flatten() {
        cut |= truncate(text, max_content);
    }
    cut
}

/// Cuts `text` to at most `max` bytes at a character boundary; whether it cut.
pub fn truncate(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    true
}

/// The kind of a non-HTML link target guessed from its address, if any.
pub fn media_by_extension(url: &str) -> Option<&'static str> {
    let path = Url::parse(url).ok()?.path().to_ascii_lowercase();
    let ext = path.rsplit_once('.')?.1;
    Some(match ext {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "ogg" | "oga" => "audio/ogg",
        "opus" => "audio/opus",
        "wav" => "audio/wav",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "zip" => "application/zip",
        "epub" => "application/epub+zip",
        _ => return None,
    })
}

/// A feed entry's own content (HTML or text) as the record's body: sanitized
/// HTML with absolute links, and plain text with one blank line between
/// blocks. Independent of the page extractor's article detection, which may
/// rightly find no "article" in a two-line summary.
pub fn content_body(content: &str, base: Option<&Url>) -> (String, String) {
    let mut cleaner = ammonia::Builder::default();
    if let Some(base) = base {
        cleaner.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    }
    let html = cleaner.clean(content).to_string();
    let fragment = scraper::Html::parse_fragment(&html);
    let mut blocks: Vec<String> = vec![String::new()];
    for node in fragment.root_element().descendants() {
        match node.value() {
            scraper::Node::Text(text) => blocks.last_mut().expect("never empty").push_str(text),
            scraper::Node::Element(element)
                if matches!(
                    element.name(),
                    "p" | "div"
                        | "br"
                        | "li"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                        | "h5"
                        | "h6"
                        | "blockquote"
                        | "pre"
                        | "tr"
                        | "ul"
                        | "ol"
                        | "table"
                        | "figure"
                        | "figcaption"
                        | "hr"
                ) =>
            {
                blocks.push(String::new());
            }
            _ => {}
        }
    }
    let text = blocks
        .iter()
        .map(|b| b.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    (text, html.trim().to_owned())
}

fn convert(entry: &feed_rs::model::Entry, base: &Url, scope: &str) -> Item {
    let guid = Some(entry.id.trim())
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    let link_entry = entry
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| entry.links.first());
    let mut link = link_entry.and_then(|l| canonical::resolve(Some(base), &l.href));
    let mut media_type = link_entry
        .and_then(|l| l.media_type.clone())
        .filter(|t| !is_html_type(t));
    // An RSS guid is a permalink unless it says otherwise; use it when there
    // is no <link>.
    if link.is_none()
        && let Some(g) = guid.as_deref()
        && (g.starts_with("http://") || g.starts_with("https://"))
    {
        link = canonical::resolve(None, g);
    }
    // An entry whose only target is an enclosure (a podcast episode).
    if link.is_none()
        && let Some(media) = entry
            .media
            .iter()
            .flat_map(|m| m.content.iter())
            .find(|c| c.url.is_some())
    {
        link = media.url.as_ref().map(canonical::canonicalize);
        media_type = media.content_type.as_ref().map(|t| t.to_string());
    }
    let link = link.map(String::from);
    let title = entry.title.as_ref().map(text_of).filter(|t| !t.is_empty());
    let published = entry.published.and_then(plausible_date);
    let updated = entry.updated.and_then(plausible_date);
    let summary = entry
        .summary
        .as_ref()
        .map(|t| t.content.clone())
        .filter(|s| !s.trim().is_empty());
    let content = entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .filter(|s| !s.trim().is_empty());
    let key = item_key(
        scope,
        guid.as_deref(),
        link.as_deref(),
        title.as_deref(),
        published.as_deref().or(updated.as_deref()),
    );
    let mut hasher = Sha256::new();
    for part in [&title, &link, &published, &updated, &summary, &content] {
        hasher.update(part.as_deref().unwrap_or("").as_bytes());
        hasher.update([0]);
    }
    Item {
        key,
        guid,
        link,
        title,
        published,
        updated,
        summary,
        content,
        authors: entry
            .authors
            .iter()
            .filter_map(|p| p.name.clone())
            .filter(|n| !n.is_empty())
            .collect(),
        media_type,
        content_hash: format!("sha256:{}", hex::encode(hasher.finalize())),
    }
}

fn is_html_type(media_type: &str) -> bool {
    let t = media_type.to_ascii_lowercase();
    t.starts_with("text/html") || t.starts_with("application/xhtml")
}

/// Plain text of a feed text construct (titles may be HTML-escaped HTML).
fn text_of(text: &feed_rs::model::Text) -> String {
    let content = text.content.trim();
    if text.content_type.to_string().contains("html") && content.contains('<') {
        scraper::Html::parse_fragment(content)
            .root_element()
            .text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        content.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// `sy:updatePeriod` / `sy:updateFrequency` (RSS 1.0 syndication module),
/// read from the raw bytes since feed-rs does not model them.
fn syndication_period(bytes: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(&bytes[..bytes.len().min(64 * 1024)]).ok()?;
    let element = |name: &str| -> Option<String> {
        let open = format!("{name}>");
        let start = text.find(&open)? + open.len();
        let end = start + text[start..].find('<')?;
        Some(text[start..end].trim().to_ascii_lowercase())
    };
    let period = match element("sy:updatePeriod")?.as_str() {
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        "monthly" => 30 * 86_400,
        "yearly" => 365 * 86_400,
        _ => return None,
    };
    let frequency = element("sy:updateFrequency")
        .and_then(|f| f.parse::<u64>().ok())
        .filter(|f| *f > 0)
        .unwrap_or(1);
    Some(Duration::from_secs(period / frequency))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://news.example/feed.xml").unwrap()
    }

    const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>
<title>Example News</title><ttl>60</ttl>
<item><title>With guid</title><link>/a/1?utm_source=rss#x</link><guid isPermaLink="false">g-1</guid></item>
<item><title>Link only</title><link>https://news.example/a/2</link></item>
<item><title>Nothing</title><pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate></item>
<item><title>PDF</title><enclosure url="https://news.example/f.pdf" type="application/pdf" length="1"/></item>
</channel></rss>"#;

    #[test]
    fn keys_prefer_guid_then_link_then_hash() {
        let feed = parse(RSS.as_bytes(), &url(), "F").unwrap();
        assert_eq!(feed.title.as_deref(), Some("Example News"));
        assert_eq!(feed.requested_interval, Some(Duration::from_secs(3600)));
        let keys: Vec<&str> = feed.items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys[0], "F guid:g-1");
        assert_eq!(keys[1], "F link:https://news.example/a/2");
        assert!(keys[2].starts_with("F hash:"), "{}", keys[2]);
        assert_eq!(
            feed.items[0].link.as_deref(),
            Some("https://news.example/a/1")
        );
        assert_eq!(feed.items[3].media_type.as_deref(), Some("application/pdf"));
    }

    #[test]
    fn placeholder_dates_are_dropped_and_real_ones_kept() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>D</title>
<item><title>Far</title><guid>a</guid><pubDate>Fri, 31 Dec 9999 00:00:00 GMT</pubDate></item>
<item><title>Zero</title><guid>b</guid><pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate></item>
<item><title>Real</title><guid>c</guid><pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate></item>
</channel></rss>"#;
        let feed = parse(rss.as_bytes(), &url(), "F").unwrap();
        let dates: Vec<Option<&str>> = feed.items.iter().map(|i| i.published.as_deref()).collect();
        assert_eq!(dates, [None, None, Some("2025-06-10T04:00:00+00:00")]);
    }

    #[test]
    fn a_truncated_feed_is_read_up_to_its_last_complete_item() {
        // The first parse fails inside the second item. A feed-rs `Parser`
        // keeps Media RSS state from that failure and asserts when used
        // again, so the salvage parse needs a fresh one.
        let rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
                   <item><title>A</title><guid>a</guid></item><item><title>B</ti";
        let feed = parse(rss.as_bytes(), &url(), "F").unwrap();
        assert_eq!(feed.items.len(), 1);
        assert_eq!(feed.items[0].title.as_deref(), Some("A"));
        assert_eq!(feed.repairs.len(), 1, "{:?}", feed.repairs);
    }

    #[test]
    fn keys_are_stable_across_parses_without_ids() {
        let a = parse(RSS.as_bytes(), &url(), "F").unwrap();
        let b = parse(RSS.as_bytes(), &url(), "F").unwrap();
        assert_eq!(a.items, b.items);
        assert!(a.items[2].guid.is_none());
    }

    #[test]
    fn atom_and_json_feed() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://b.example/blog/"><title type="html">A &amp;lt;b&amp;gt;x</title>
<entry><title>One</title><link rel="alternate" href="posts/1"/><updated>2025-01-01T00:00:00Z</updated></entry></feed>"#;
        let feed = parse(
            atom.as_bytes(),
            &Url::parse("https://b.example/atom.xml").unwrap(),
            "A",
        )
        .unwrap();
        assert_eq!(
            feed.items[0].link.as_deref(),
            Some("https://b.example/blog/posts/1")
        );
        assert!(feed.items[0].key.starts_with("A link:"));
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"7","url":"https://j.example/7","content_html":"<p>Hi</p>"}]}"#;
        let feed = parse(
            json.as_bytes(),
            &Url::parse("https://j.example/feed.json").unwrap(),
            "J",
        )
        .unwrap();
        assert_eq!(feed.items[0].key, "J guid:7");
        assert_eq!(feed.items[0].content.as_deref(), Some("<p>Hi</p>"));
    }

    #[test]
    fn syndication_module_period() {
        let rss = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel rdf:about="x"><title>T</title><link>https://r.example/</link><sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency></channel>
<item rdf:about="https://r.example/1"><title>I</title><link>https://r.example/1</link></item></rdf:RDF>"#;
        let feed = parse(
            rss.as_bytes(),
            &Url::parse("https://r.example/rss").unwrap(),
            "R",
        )
        .unwrap();
        assert_eq!(feed.requested_interval, Some(Duration::from_secs(21_600)));
        assert_eq!(feed.items.len(), 1);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"hello", &url(), "F").is_err());
        assert!(parse(b"", &url(), "F").is_err());
    }

    #[test]
    fn feed_content_becomes_clean_text_and_html() {
        let base = url();
        let (text, html) = content_body(
            "<p>One <b>bold</b>\n move.</p><script>x()</script><p>Two <a href=\"/a\" onclick=\"y()\">link</a></p>",
            Some(&base),
        );
        assert_eq!(text, "One bold move.\n\nTwo link");
        assert!(html.contains("href=\"https://news.example/a\""), "{html}");
        assert!(
            !html.contains("script") && !html.contains("onclick"),
            "{html}"
        );
        assert_eq!(content_body("Just text.", None).0, "Just text.");
    }

    #[test]
    fn media_extensions() {
        assert_eq!(
            media_by_extension("https://e.com/a/b.PDF?x=1"),
            Some("application/pdf")
        );
        assert_eq!(media_by_extension("https://e.com/a/b.html"), None);
        assert_eq!(media_by_extension("https://e.com/a/"), None);
    }
}
