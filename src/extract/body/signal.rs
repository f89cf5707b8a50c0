//! What an element's class, id, role and itemprop say about it: content,
//! chrome, or nothing.
//!
//! The vocabulary is generic web-page boilerplate (share bars, comments,
//! related links, ads, ...) and generic content names (article, post, story,
//! ...), never names seen on one site only. Matching is one scan of the
//! lower-cased attribute text per element: a table indexed by first byte
//! picks the few patterns worth comparing at each position, so the cost is
//! about the length of the attributes, not their length times the number of
//! patterns.

use scraper::node::Element;

/// Signals of one element, as bit flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Signal(u8);

impl Signal {
    const POSITIVE: u8 = 1;
    const WEAK_NEGATIVE: u8 = 2;
    const STRONG_NEGATIVE: u8 = 4;
    const HINT: u8 = 8;
    const PROTECTED: u8 = 16;
    /// Comment sections and cookie notices: never relaxed.
    const COMMENTS: u8 = 32;

    /// Whether the element reads as chrome: a strong negative name, or a
    /// weak one not offset by a content name ("article-meta" is neither).
    pub(super) fn is_negative(self) -> bool {
        self.0 & Self::PROTECTED == 0 && self.is_named_negative()
    }

    /// Whether the element reads as chrome by a strong name (comments,
    /// share bars, ads), not only a weak one (meta, author, tags).
    pub(super) fn is_strongly_negative(self) -> bool {
        self.0 & Self::PROTECTED == 0 && self.0 & (Self::STRONG_NEGATIVE | Self::COMMENTS) != 0
    }

    /// Whether the names alone read as chrome, protection aside.
    fn is_named_negative(self) -> bool {
        self.0 & (Self::STRONG_NEGATIVE | Self::COMMENTS) != 0
            || (self.0 & Self::WEAK_NEGATIVE != 0 && self.0 & Self::POSITIVE == 0)
    }

    /// Whether the element holds the headline or the marked article body,
    /// which no chrome does: its names are then ignored.
    pub(super) fn is_protected(self) -> bool {
        self.0 & Self::PROTECTED != 0
    }

    /// Whether the element has a content name ("entry-content").
    pub(super) fn has_content_name(self) -> bool {
        self.0 & Self::POSITIVE != 0
    }

    /// Marks the element as holding the headline or the article body.
    pub(super) fn protect(&mut self) {
        self.0 |= Self::PROTECTED;
    }

    /// Drops the chrome names other than comment ones: for elements that
    /// hold long prose with few links, which share bars, "read more"
    /// toggles and modal wrappers around the article do not make chrome.
    /// Comment sections and cookie notices are long prose too, so their
    /// names stay.
    pub(super) fn relax(&mut self) {
        self.0 &= !(Self::STRONG_NEGATIVE | Self::WEAK_NEGATIVE);
    }

    /// Whether the page marks this element as its main content
    /// (`<article>`, `<main>`, `role=main`, `itemprop=articleBody`).
    pub(super) fn is_hint(self) -> bool {
        self.0 & Self::HINT != 0
    }
}

/// Reads the signals of an element; `None` when the element is hidden by
/// its attributes (`hidden`, `aria-hidden="true"`, an inline
/// `display:none` or `visibility:hidden`). `scratch` is reused between
/// calls to avoid an allocation per element.
///
/// The attributes are read in one pass: each lookup by name would intern
/// the name again, which costs more than the whole scan.
pub(super) fn of_element(element: &Element, scratch: &mut String) -> Option<Signal> {
    let mut flags = 0u8;
    if matches!(element.name(), "article" | "main") {
        flags |= Signal::HINT;
    }
    scratch.clear();
    for (name, value) in element.attrs() {
        match name {
            "class" | "id" => {
                let value = &value[..value.floor_char_boundary(300)];
                // Utility classes with variants ("print:hidden",
                // "md:[display:none]") style one medium or breakpoint; they
                // say nothing about content.
                for name in value.split_ascii_whitespace() {
                    if !name.contains([':', '[', '/']) {
                        scratch.push_str(name);
                        scratch.push(' ');
                    }
                }
            }
            "role" => match value.trim() {
                "main" | "article" => flags |= Signal::HINT,
                "navigation" | "complementary" | "contentinfo" | "banner" | "search" | "dialog"
                | "alertdialog" | "menu" | "menubar" | "toolbar" | "tablist" => {
                    flags |= Signal::STRONG_NEGATIVE;
                }
                _ => {}
            },
            "itemprop" if value.contains("articleBody") || value.contains("reviewBody") => {
                flags |= Signal::HINT | Signal::POSITIVE;
            }
            // React's streaming renderer parks finished content in
            // `<div hidden id="S:0">` and a script moves it into place.
            "hidden" if !is_streamed_segment(element) => return None,
            // `aria-hidden` only hides from screen readers, and pages use it
            // on decoration (icons, duplicated labels): drop it there, but
            // not on paragraphs, which scripts mark while a paywall loads.
            "aria-hidden" if value.trim().eq_ignore_ascii_case("true") && element.name() != "p" => {
                return None;
            }
            "style" if hides(value) => return None,
            _ => {}
        }
    }
    if !scratch.is_empty() {
        scratch.make_ascii_lowercase();
        flags |= scan_names(scratch.as_bytes());
    }
    Some(Signal(flags))
}

/// Whether the element is a segment of streamed server rendering, hidden
/// only until a script moves it into the page.
fn is_streamed_segment(element: &Element) -> bool {
    element.name() == "div"
        && element.id().is_some_and(|id| {
            id.strip_prefix("S:")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric()))
        })
}

/// Whether an inline style hides the element, without allocating.
fn hides(style: &str) -> bool {
    let bytes = style.as_bytes();
    let mut rest = bytes;
    while let Some(at) = rest.iter().position(|&b| b == b':') {
        let property = trim_ascii(&rest[..at]);
        let property = match property.iter().rposition(|&b| b == b';') {
            Some(semi) => trim_ascii(&property[semi + 1..]),
            None => property,
        };
        let tail = &rest[at + 1..];
        let end = tail.iter().position(|&b| b == b';').unwrap_or(tail.len());
        let value = trim_ascii(&tail[..end]);
        // "none !important" hides as well as "none".
        let value = value
            .split(|b| b.is_ascii_whitespace() || *b == b'!')
            .next()
            .unwrap_or(value);
        if (property.eq_ignore_ascii_case(b"display") && value.eq_ignore_ascii_case(b"none"))
            || (property.eq_ignore_ascii_case(b"visibility")
                && value.eq_ignore_ascii_case(b"hidden"))
        {
            return true;
        }
        rest = &tail[end..];
    }
    false
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// Substring patterns with the flag each sets.
const PATTERNS: [(&[u8], u8); 62] = [
    (b"comment", Signal::COMMENTS),
    (b"disqus", Signal::COMMENTS),
    (b"respond", Signal::COMMENTS),
    (b"share", Signal::STRONG_NEGATIVE),
    (b"sharing", Signal::STRONG_NEGATIVE),
    (b"social", Signal::STRONG_NEGATIVE),
    (b"related", Signal::STRONG_NEGATIVE),
    (b"recommend", Signal::STRONG_NEGATIVE),
    (b"newsletter", Signal::STRONG_NEGATIVE),
    (b"subscri", Signal::STRONG_NEGATIVE),
    (b"signup", Signal::STRONG_NEGATIVE),
    (b"sign-up", Signal::STRONG_NEGATIVE),
    (b"promo", Signal::STRONG_NEGATIVE),
    (b"advert", Signal::STRONG_NEGATIVE),
    (b"sponsor", Signal::STRONG_NEGATIVE),
    (b"cookie", Signal::COMMENTS),
    (b"consent", Signal::COMMENTS),
    (b"onetrust", Signal::COMMENTS),
    (b"gdpr", Signal::COMMENTS),
    (b"breadcrumb", Signal::STRONG_NEGATIVE),
    (b"outbrain", Signal::STRONG_NEGATIVE),
    (b"taboola", Signal::STRONG_NEGATIVE),
    (b"sidebar", Signal::STRONG_NEGATIVE),
    (b"popup", Signal::STRONG_NEGATIVE),
    (b"modal", Signal::STRONG_NEGATIVE),
    (b"trending", Signal::STRONG_NEGATIVE),
    (b"popular", Signal::STRONG_NEGATIVE),
    (b"mostread", Signal::STRONG_NEGATIVE),
    (b"most-read", Signal::STRONG_NEGATIVE),
    (b"readmore", Signal::STRONG_NEGATIVE),
    (b"read-more", Signal::STRONG_NEGATIVE),
    (b"toolbar", Signal::STRONG_NEGATIVE),
    (b"pagination", Signal::STRONG_NEGATIVE),
    (b"login", Signal::STRONG_NEGATIVE),
    (b"donat", Signal::STRONG_NEGATIVE),
    (b"tweetbutton", Signal::STRONG_NEGATIVE),
    (b"instagram", Signal::STRONG_NEGATIVE),
    (b"tiktok", Signal::STRONG_NEGATIVE),
    (b"facebook", Signal::STRONG_NEGATIVE),
    (b"whatsapp", Signal::STRONG_NEGATIVE),
    (b"sr-only", Signal::STRONG_NEGATIVE),
    (b"screen-reader", Signal::STRONG_NEGATIVE),
    (b"visually-hidden", Signal::STRONG_NEGATIVE),
    (b"visuallyhidden", Signal::STRONG_NEGATIVE),
    (b"skip-link", Signal::STRONG_NEGATIVE),
    (b"footer", Signal::WEAK_NEGATIVE),
    (b"masthead", Signal::WEAK_NEGATIVE),
    (b"byline", Signal::WEAK_NEGATIVE),
    (b"caption", Signal::STRONG_NEGATIVE),
    (b"copyright", Signal::WEAK_NEGATIVE),
    (b"navigation", Signal::WEAK_NEGATIVE),
    (b"navbar", Signal::WEAK_NEGATIVE),
    (b"widget", Signal::WEAK_NEGATIVE),
    (b"banner", Signal::WEAK_NEGATIVE),
    (b"article", Signal::POSITIVE),
    (b"body", Signal::POSITIVE),
    (b"content", Signal::POSITIVE),
    (b"entry", Signal::POSITIVE),
    (b"story", Signal::POSITIVE),
    (b"text", Signal::POSITIVE),
    (b"prose", Signal::POSITIVE),
    (b"post", Signal::POSITIVE),
];

/// For each byte, the set of patterns (as bits) that start with it.
const FIRST_BYTE: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut i = 0;
    while i < PATTERNS.len() {
        table[PATTERNS[i].0[0] as usize] |= 1 << i;
        i += 1;
    }
    table
};

/// Flags of the names in a lower-cased class/id text.
fn scan_names(text: &[u8]) -> u8 {
    let mut flags = 0u8;
    for at in 0..text.len() {
        let mut candidates = FIRST_BYTE[text[at] as usize];
        while candidates != 0 {
            let k = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            let (pattern, flag) = PATTERNS[k];
            if text[at..].starts_with(pattern) {
                flags |= flag;
            }
        }
    }
    // Short names only count as whole words ("ad" but not "header").
    for word in text.split(|b| !b.is_ascii_alphanumeric()) {
        flags |= match word {
            b"ad" | b"ads" | b"adv" | b"advertisement" | b"related" | b"share" => {
                Signal::STRONG_NEGATIVE
            }
            b"nav" | b"menu" | b"meta" | b"tags" | b"tag" | b"author" | b"date" | b"time"
            | b"timestamp" | b"dateline" | b"header" | b"credit" | b"credits" | b"icon"
            | b"btn" | b"button" | b"rating" | b"carousel" | b"keywords" | b"topics" => {
                Signal::WEAK_NEGATIVE
            }
            b"main" | b"entry" | b"hentry" | b"blog" | b"artikel" | b"articulo" | b"noticia"
            | b"inhalt" => Signal::POSITIVE,
            _ => 0,
        };
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn signal(html: &str) -> Signal {
        let doc = Html::parse_fragment(html);
        let el = doc
            .root_element()
            .first_child()
            .and_then(|n| n.value().as_element())
            .unwrap();
        of_element(el, &mut String::new()).unwrap()
    }

    #[test]
    fn hidden_elements_are_skipped_but_streamed_segments_kept() {
        let doc = Html::parse_fragment("<div hidden>x</div><div hidden id='S:1'>y</div>");
        let mut children = doc.root_element().children();
        let hidden = children.next().unwrap().value().as_element().unwrap();
        let segment = children.next().unwrap().value().as_element().unwrap();
        assert!(of_element(hidden, &mut String::new()).is_none());
        assert!(of_element(segment, &mut String::new()).is_some());
    }

    #[test]
    fn inline_styles_that_hide() {
        assert!(hides("display: none"));
        assert!(hides("color:red; DISPLAY :none !important"));
        assert!(hides("visibility:hidden"));
        assert!(!hides("display:block; color: none"));
    }

    #[test]
    fn chrome_names_are_negative() {
        assert!(signal("<div class='share-bar'>").is_negative());
        assert!(signal("<div id='comments'>").is_negative());
        assert!(signal("<div class='ad top'>").is_negative());
        assert!(signal("<ul class='relatedLinks'>").is_negative());
        assert!(signal("<nav role=navigation>").is_negative());
    }

    #[test]
    fn short_names_match_whole_words_only() {
        assert!(!signal("<div class='download-shadow'>").is_negative());
        assert!(!signal("<div class='loaded'>").is_negative());
        assert!(!signal("<div class='mx-2 print:hidden md:[x]'>").is_negative());
    }

    #[test]
    fn content_names_offset_weak_negatives_only() {
        assert!(!signal("<div class='article-body'>").is_negative());
        assert!(!signal("<div class='article-meta'>").is_negative());
        assert!(signal("<div class='article-comments'>").is_negative());
        assert!(signal("<div itemprop='articleBody'>").is_hint());
    }
}
