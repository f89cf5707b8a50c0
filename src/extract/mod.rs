//! Article extraction: bytes of one HTML page in, one [`Article`] out.
//!
//! The pipeline is: [`charset`] decodes the bytes, `scraper` parses them once,
//! [`meta`] reads the metadata (title, authors, dates, ...), [`body`] finds and
//! cleans the main content as a list of blocks, [`render`] turns the blocks
//! into text, sanitized HTML and Markdown, and [`lang`] fills the language
//! when the page does not declare one.
//!
//! Everything here is synchronous and does no I/O: the daemon calls
//! [`extract`] from a blocking pool, the CLI and the eval call it directly.
//! No input may panic or take more than a small multiple of its parse time.

pub mod body;
pub mod charset;
pub mod depth;
pub mod lang;
pub mod meta;
pub mod render;

use scraper::Html;
use url::Url;

use crate::record::{self, Article, Extraction, ExtractionStatus, SCHEMA_VERSION};

/// Default cap on the size of one input document, in bytes.
pub const DEFAULT_MAX_BYTES: usize = 20 * 1024 * 1024;

/// What the caller knows about the page besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions<'a> {
    /// The page's address: base for relative links, fallback for metadata.
    pub url: Option<&'a str>,
    /// The `charset` parameter of the HTTP `Content-Type`, if any.
    pub http_charset: Option<&'a str>,
    /// The HTTP `Content-Language` header, if any.
    pub http_language: Option<&'a str>,
    /// Also render the body as Markdown into `Article::markdown`.
    pub markdown: bool,
    /// Refuse inputs larger than this; `None` means [`DEFAULT_MAX_BYTES`].
    pub max_bytes: Option<usize>,
}

/// Why no record could be made at all. A page without an article is not an
/// error: it gives a record whose `extraction.status` says so.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The input is over the size limit.
    #[error("document is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
}

/// Extracts the article of one HTML document.
pub fn extract(input: &[u8], options: &ExtractOptions<'_>) -> Result<Article, ExtractError> {
    let limit = options.max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
    if input.len() > limit {
        return Err(ExtractError::TooLarge {
            size: input.len(),
            limit,
        });
    }
    let decoded = charset::decode(input, options.http_charset);
    let document = Html::parse_document(&depth::limit(&decoded.text, depth::MAX_DEPTH));
    let base = options.url.and_then(|u| Url::parse(u).ok());
    Ok(extract_parsed(
        &document,
        base.as_ref(),
        options,
        decoded.encoding,
    ))
}

/// Extraction after decoding and parsing; separate so the eval can time the
/// parse on its own.
pub fn extract_parsed(
    document: &Html,
    base: Option<&Url>,
    options: &ExtractOptions<'_>,
    encoding: &'static encoding_rs::Encoding,
) -> Article {
    let mut metadata = meta::extract(document, base);
    let mut body = body::extract(document, &metadata, base);
    meta::authors_from_body_bylines(&mut metadata, &body.bylines, base);
    let mut rendered = render::render(&body.blocks, base, options.markdown);
    if looks_like_binary(&rendered.text) {
        // Bytes that are not text (an image or archive served as HTML) decode
        // to a soup of symbols and control characters that no scorer rejects
        // on its own; it is never an article.
        rendered = render::Rendered::default();
        body.note = Some("the document's text looks like binary data, not language".to_owned());
    }

    let language = lang::resolve(
        metadata.language.clone(),
        options.http_language,
        &[
            metadata.title.as_deref().unwrap_or(""),
            metadata.description.as_deref().unwrap_or(""),
            &rendered.text,
        ],
    );

    let content_hash = record::content_hash(&rendered.text);
    let url = options.url.map(str::to_owned);
    let id = record::record_id(
        metadata.canonical_url.as_deref(),
        url.as_deref(),
        &content_hash,
    );
    let word_count = record::word_count(&rendered.text);
    let status = if !rendered.text.is_empty() {
        ExtractionStatus::Ok
    } else if body.page_has_text {
        ExtractionStatus::NotArticle
    } else {
        ExtractionStatus::Empty
    };
    Article {
        schema: SCHEMA_VERSION,
        id,
        url,
        canonical_url: metadata.canonical_url,
        title: metadata.title,
        authors: metadata.authors,
        published: metadata.published,
        modified: metadata.modified,
        language,
        site_name: metadata.site_name,
        description: metadata.description,
        image: metadata.image,
        tags: metadata.tags,
        word_count,
        content_hash,
        extraction: Extraction {
            status,
            method: (status == ExtractionStatus::Ok).then(|| body.method.to_owned()),
            source: "page".to_owned(),
            charset: Some(encoding.name().to_ascii_lowercase()),
            note: body.note,
        },
        text: rendered.text,
        html: rendered.html,
        markdown: rendered.markdown,
    }
}

/// Whether a text is mostly not language: control characters, replacement
/// characters and private-use code points, or words far longer than any
/// language writes. Only a sample of the text is read.
fn looks_like_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut odd = 0usize;
    let mut letters = 0usize;
    let mut spaces = 0usize;
    for ch in text.chars().take(4096) {
        total += 1;
        if ch.is_whitespace() {
            spaces += 1;
        } else if ch.is_alphabetic() {
            letters += 1;
        } else if ch.is_control() || ch == '\u{fffd}' || ('\u{e000}'..='\u{f8ff}').contains(&ch) {
            odd += 1;
        }
    }
    if total < 64 {
        return false;
    }
    // Scripts written without spaces (Chinese, Japanese, Thai) are letters;
    // binary soup has few letters and many symbols or control characters.
    odd * 50 > total || letters * 2 < total.saturating_sub(spaces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_soup_is_not_language() {
        let soup: String = (0..2000u32)
            .map(|i| char::from_u32(0x80 + (i * 37) % 0x17f).unwrap_or('?'))
            .collect();
        assert!(looks_like_binary(&soup));
        let control: String = "ab\u{1}\u{2}cd\u{fffd} ".repeat(100);
        assert!(looks_like_binary(&control));
    }

    #[test]
    fn real_text_in_any_script_is_language() {
        for text in [
            "The council expects to choose a contractor by autumn, and work begins in spring. ",
            "東京都は火曜日、新しい橋の建設が予定通り進んでいると発表した。",
            "Строительство нового моста через реку идёт по графику, сообщили в администрации. ",
            "Prices rose 4.2% in Q3 (from $1,200 to $1,250), per the 2024 report: +50 [est.] ",
        ] {
            assert!(!looks_like_binary(&text.repeat(20)), "{text}");
        }
        assert!(!looks_like_binary("short"));
    }
}
