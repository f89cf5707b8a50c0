//! One pass over the parsed document that gathers every raw metadata fact
//! the other submodules interpret: `<meta>` and `<link>` tags, JSON-LD
//! scripts, `<title>`, `<h1>`, `<time>`, microdata and byline-looking
//! elements.
//!
//! The walk is iterative (`ego_tree`'s `traverse`, with an explicit stack of
//! context flags), so no depth of nesting can overflow the stack, and it looks
//! at each element once. Texts are only gathered below the few elements that
//! need them, and with a length cap, so the cost stays a small fraction of
//! the parse.

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::{Html, Node};

/// Longest text kept from a byline-looking element; longer ones are author
/// boxes with a biography or whole article headers, not bylines.
const BYLINE_MAX_CHARS: usize = 200;
/// Longest `<h1>` or `<title>` text kept.
const HEADING_MAX_CHARS: usize = 600;
/// At most this many candidates of each repeated kind are kept: the useful
/// ones come first in the page, and a bound keeps odd pages cheap.
const MAX_CANDIDATES: usize = 24;

/// The raw facts of one page, in document order within each list.
#[derive(Debug, Default)]
pub(super) struct Facts {
    /// `lang` (or `xml:lang`) of the `<html>` element.
    pub html_lang: Option<String>,
    /// `<meta>` tags: lowercased key (`name`, `property`, `itemprop` or
    /// `http-equiv`) and `content`.
    pub metas: Vec<(String, String)>,
    /// Text of the first `<title>` outside `<svg>`.
    pub title_tag: Option<String>,
    /// `<h1>` texts.
    pub h1s: Vec<Found>,
    /// Bodies of `application/ld+json` scripts.
    pub json_ld: Vec<String>,
    /// `href` of `<link rel=canonical>`.
    pub canonical: Option<String>,
    /// `href` of `<link rel=image_src>`.
    pub image_src: Option<String>,
    /// `<time>` elements (and `pubdate`-marked ones): machine value if any,
    /// else text.
    pub times: Vec<Found>,
    /// Microdata authors: the `name` inside an `itemprop=author` element, or
    /// its text, or its `content`; with the item they belong to (the
    /// nearest `itemscope` ancestor), since teasers of other articles carry
    /// authors too.
    pub item_authors: Vec<(String, Option<NodeId>)>,
    /// Microdata `datePublished` values.
    pub item_published: Vec<String>,
    /// Microdata `dateModified` values.
    pub item_modified: Vec<String>,
    /// Microdata `headline` values.
    pub item_headlines: Vec<String>,
    /// Texts of `rel=author` links.
    pub rel_authors: Vec<Found>,
    /// Texts of elements whose class, id or rel says byline or author.
    pub bylines: Vec<Found>,
    /// Short texts of elements (not `<time>`) whose class or id says date
    /// or publication ("post-date", "dateline", "published").
    pub date_texts: Vec<Found>,
    /// Byline-looking elements whose text was too long or spread; after
    /// [`MAX_CANDIDATES`] of them no more are tried, which bounds the cost
    /// of deeply nested author containers.
    byline_misses: usize,
}

/// A text found in the page with where it was found.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Found {
    /// The text, whitespace collapsed; lines kept apart by `\n`.
    pub text: String,
    /// Inside `<article>`, `<main>` or an element typed as an article.
    pub in_article: bool,
    /// Inside navigation, footer, aside, comments or related-content lists.
    pub in_chrome: bool,
    /// A hint on the element itself that it is about publication
    /// (`pubdate`, `itemprop=datePublished`, class `published`).
    pub hint: bool,
}

const IN_HEAD: u8 = 1;
const IN_ARTICLE: u8 = 2;
const IN_CHROME: u8 = 4;
const IN_BYLINE: u8 = 8;
const IN_ITEM_AUTHOR: u8 = 16;
const IN_SVG: u8 = 32;
/// Inside a microdata item that is not the article: an image, a video, a
/// comment, a review. Its `author` is a photographer or a reader.
const IN_FOREIGN_ITEM: u8 = 64;

/// What an open element passes on to its descendants.
#[derive(Debug, Clone, Copy, Default)]
struct Context {
    flags: u8,
    /// The nearest element with `itemscope`, this one included.
    scope: Option<NodeId>,
}

/// Walks the document once and returns its facts.
pub(super) fn collect(document: &Html) -> Facts {
    let mut facts = Facts::default();
    // Context flags of the open elements; the top is the innermost.
    let mut stack: Vec<Context> = Vec::with_capacity(64);
    // Index in `item_authors` of the innermost open `itemprop=author`
    // element, and whether a `name` inside it was already taken.
    let mut item_author_open: Vec<(usize, bool)> = Vec::new();
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                let Node::Element(element) = node.value() else {
                    continue;
                };
                let parent = stack.last().copied().unwrap_or_default();
                let (flags, itemscope) =
                    visit(&mut facts, node, element, parent, &mut item_author_open);
                let scope = if itemscope {
                    Some(node.id())
                } else {
                    parent.scope
                };
                stack.push(Context { flags, scope });
            }
            Edge::Close(node) => {
                if let Node::Element(_) = node.value() {
                    let flags = stack.pop().unwrap_or_default().flags;
                    let parent = stack.last().copied().unwrap_or_default().flags;
                    if flags & IN_ITEM_AUTHOR != 0 && parent & IN_ITEM_AUTHOR == 0 {
                        item_author_open.clear();
                    }
                }
            }
        }
    }
    facts
}

/// Records what one element tells; returns its context flags and whether
/// it has `itemscope`.
fn visit(
    facts: &mut Facts,
    node: NodeRef<'_, Node>,
    element: &scraper::node::Element,
    parent: Context,
    item_author_open: &mut Vec<(usize, bool)>,
) -> (u8, bool) {
    let mut flags = parent.flags;
    let name = element.name();
    // Keyword classes found in `class` and `id`, from one scan of each.
    let mut words = 0u8;
    let mut itemscope = false;
    let mut rel = None;
    let mut itemprop = None;
    let mut itemtype = None;
    let mut content = None;
    let mut datetime = None;
    let mut pubdate = false;
    for (key, value) in element.attrs() {
        match key {
            "class" | "id" => words |= scan_keywords(value.as_bytes()),
            "itemscope" => itemscope = true,
            "rel" => rel = Some(value),
            "itemprop" => itemprop = Some(value),
            "itemtype" => itemtype = Some(value),
            "content" => content = Some(value),
            "datetime" => datetime = Some(value),
            "pubdate" => pubdate = true,
            _ => {}
        }
    }

    match name {
        "head" => flags |= IN_HEAD,
        "svg" => flags |= IN_SVG,
        "article" | "main" => flags |= IN_ARTICLE,
        "nav" | "footer" | "aside" => flags |= IN_CHROME,
        "html" => {
            facts.html_lang = element
                .attr("lang")
                .or_else(|| element.attr("xml:lang"))
                .map(str::to_owned);
        }
        "meta" => {
            // Microdata `<meta itemprop>` is read with the other microdata
            // below (in the head too), not as a page-level `<meta name>`.
            let key = element
                .attr("property")
                .or_else(|| element.attr("name"))
                .or_else(|| element.attr("http-equiv"));
            if let (Some(key), Some(value)) = (key, content) {
                let value = collapse(value);
                if !value.is_empty() {
                    facts.metas.push((key.trim().to_ascii_lowercase(), value));
                }
            }
        }
        "link" => {
            if let (Some(rel), Some(href)) = (rel, element.attr("href")) {
                let href = href.trim();
                for token in rel.split_ascii_whitespace() {
                    if token.eq_ignore_ascii_case("canonical") && facts.canonical.is_none() {
                        facts.canonical = Some(href.to_owned());
                    } else if token.eq_ignore_ascii_case("image_src") && facts.image_src.is_none() {
                        facts.image_src = Some(href.to_owned());
                    }
                }
            }
        }
        "title" if flags & IN_SVG == 0 && facts.title_tag.is_none() => {
            facts.title_tag = text_of(node, HEADING_MAX_CHARS).map(|t| t.replace('\n', " "));
        }
        "script" => {
            if element
                .attr("type")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
            {
                let mut body = String::new();
                for child in node.children() {
                    if let Node::Text(text) = child.value() {
                        body.push_str(text);
                    }
                }
                facts.json_ld.push(body);
            }
            return (flags, itemscope);
        }
        "style" | "noscript" | "template" => return (flags, itemscope),
        _ => {}
    }

    if flags & IN_HEAD == 0 && words & WORD_CHROME != 0 {
        flags |= IN_CHROME;
    }
    if let Some(itemtype) = itemtype {
        if itemtype.contains("Article") || itemtype.contains("BlogPosting") {
            flags |= IN_ARTICLE;
            flags &= !IN_FOREIGN_ITEM;
        } else if FOREIGN_ITEMS.iter().any(|t| itemtype.contains(t)) {
            flags |= IN_FOREIGN_ITEM;
        }
    }
    let context = flags;
    let found = move |text: String, hint: bool| Found {
        text,
        in_article: context & IN_ARTICLE != 0,
        in_chrome: context & IN_CHROME != 0,
        hint,
    };

    if let Some(itemprop) = itemprop {
        read_microdata(
            facts,
            node,
            itemprop,
            content.or(datetime),
            parent,
            &mut flags,
            item_author_open,
        );
    }
    if flags & IN_HEAD != 0 {
        return (flags, itemscope);
    }
    if name == "h1"
        && facts.h1s.len() < MAX_CANDIDATES
        && let Some(text) = text_of(node, HEADING_MAX_CHARS)
    {
        facts.h1s.push(found(text.replace('\n', " "), false));
    }
    let published_hint = pubdate
        || itemprop.is_some_and(|p| p.contains("datePublished"))
        || words & WORD_PUBLISHED != 0;
    if (name == "time" || pubdate) && facts.times.len() < MAX_CANDIDATES {
        let value = datetime
            .map(collapse)
            .filter(|v| !v.is_empty())
            .or_else(|| text_of(node, 80).map(|t| t.replace('\n', " ")));
        if let Some(value) = value {
            facts.times.push(found(value, published_hint));
        }
    }
    if name != "time"
        && !pubdate
        && words & (WORD_DATE | WORD_PUBLISHED) != 0
        && facts.date_texts.len() < MAX_CANDIDATES
        && let Some(text) = text_of(node, 80)
    {
        facts
            .date_texts
            .push(found(text.replace('\n', " "), published_hint));
    }
    if name == "a"
        && rel.is_some_and(|r| r.split_ascii_whitespace().any(|t| t == "author"))
        && facts.rel_authors.len() < MAX_CANDIDATES
        && let Some(text) = text_of(node, BYLINE_MAX_CHARS)
    {
        facts.rel_authors.push(found(text, false));
    }
    if flags & IN_BYLINE == 0
        && words & (WORD_BYLINE | WORD_NOT_BYLINE) == WORD_BYLINE
        && facts.bylines.len() < MAX_CANDIDATES
        && facts.byline_misses < MAX_CANDIDATES
        && !matches!(
            name,
            "img" | "picture" | "figure" | "button" | "svg" | "form"
        )
    {
        match text_of(node, BYLINE_MAX_CHARS) {
            Some(text) => {
                facts.bylines.push(found(text, false));
                flags |= IN_BYLINE;
            }
            None => facts.byline_misses += 1,
        }
    }
    (flags, itemscope)
}

/// Reads one element's microdata properties (`itemprop`), which may sit
/// on `<meta>` in the head as well as on visible elements.
fn read_microdata(
    facts: &mut Facts,
    node: NodeRef<'_, Node>,
    itemprop: &str,
    content: Option<&str>,
    parent: Context,
    flags: &mut u8,
    item_author_open: &mut Vec<(usize, bool)>,
) {
    for prop in itemprop.split_ascii_whitespace() {
        let value = || {
            content
                .map(collapse)
                .or_else(|| text_of(node, BYLINE_MAX_CHARS))
                .filter(|v| !v.is_empty())
        };
        match prop {
            "author" | "creator" if *flags & (IN_ITEM_AUTHOR | IN_FOREIGN_ITEM) == 0 => {
                *flags |= IN_ITEM_AUTHOR;
                if facts.item_authors.len() < MAX_CANDIDATES
                    && let Some(v) = value()
                {
                    facts.item_authors.push((v, parent.scope));
                    item_author_open.push((facts.item_authors.len() - 1, false));
                }
            }
            "name" if *flags & IN_ITEM_AUTHOR != 0 => {
                if let Some(open) = item_author_open.last_mut()
                    && !open.1
                    && let Some(v) = value()
                {
                    facts.item_authors[open.0].0 = v;
                    open.1 = true;
                }
            }
            "datePublished" | "dateCreated" => {
                if let Some(v) = value() {
                    facts.item_published.push(v);
                }
            }
            "dateModified" => {
                if let Some(v) = value() {
                    facts.item_modified.push(v);
                }
            }
            "headline" => {
                if let Some(v) = value() {
                    facts.item_headlines.push(v.replace('\n', " "));
                }
            }
            _ => {}
        }
    }
}

/// Microdata item types whose `author` is not the article's.
const FOREIGN_ITEMS: [&str; 9] = [
    "ImageObject",
    "VideoObject",
    "MediaObject",
    "Comment",
    "Review",
    "Rating",
    "Claim",
    "Recipe",
    "Product",
];

/// `class`/`id` keyword classes (bits of [`scan_keywords`]'s result).
const WORD_BYLINE: u8 = 1;
/// Words that disqualify a byline match: author avatars, bios, comments.
const WORD_NOT_BYLINE: u8 = 2;
/// Page chrome whose dates and names belong to other articles or readers.
const WORD_CHROME: u8 = 4;
/// A publication-date element.
const WORD_PUBLISHED: u8 = 8;
/// A date element ("post-date", "dateline", "timestamp").
const WORD_DATE: u8 = 16;

/// Keywords by first letter, each with its classes. Matching is by
/// substring and ASCII case-insensitive, so "ArticleByline__name" and
/// "post-author" count; one table lookup per byte keeps this a single pass
/// over the attribute instead of one search per keyword.
fn keywords_starting(byte: u8) -> &'static [(&'static [u8], u8)] {
    match byte {
        b'a' => &[
            (b"author", WORD_BYLINE),
            (b"autor", WORD_BYLINE),
            (b"auteur", WORD_BYLINE),
            (b"avatar", WORD_NOT_BYLINE),
            (b"about", WORD_NOT_BYLINE),
        ],
        b'b' => &[(b"byline", WORD_BYLINE), (b"bio", WORD_NOT_BYLINE)],
        b'c' => &[(b"comment", WORD_NOT_BYLINE | WORD_CHROME)],
        b'd' => &[
            (b"desc", WORD_NOT_BYLINE),
            (b"date", WORD_DATE),
            (b"datum", WORD_DATE),
        ],
        b'e' => &[(b"email", WORD_NOT_BYLINE)],
        b'f' => &[
            (b"follow", WORD_NOT_BYLINE),
            (b"footer", WORD_CHROME),
            (b"fecha", WORD_DATE),
        ],
        b'i' => &[(b"image", WORD_NOT_BYLINE), (b"img", WORD_NOT_BYLINE)],
        b'm' => &[(b"most-read", WORD_CHROME)],
        b'n' => &[(b"newsletter", WORD_CHROME)],
        b'p' => &[
            (b"photo", WORD_NOT_BYLINE),
            (b"pic", WORD_NOT_BYLINE),
            (b"publish", WORD_PUBLISHED),
            (b"pubdate", WORD_PUBLISHED),
            (b"posted", WORD_DATE),
        ],
        b'q' => &[(b"quote", WORD_NOT_BYLINE)],
        b'r' => &[(b"related", WORD_CHROME), (b"recommend", WORD_CHROME)],
        b's' => &[
            (b"social", WORD_NOT_BYLINE),
            (b"share", WORD_NOT_BYLINE),
            (b"sidebar", WORD_CHROME),
        ],
        b't' => &[
            (b"twitter", WORD_NOT_BYLINE),
            (b"teaser", WORD_CHROME),
            (b"timestamp", WORD_DATE),
        ],
        b'w' => &[(b"writer", WORD_BYLINE)],
        _ => &[],
    }
}

/// The keyword classes present in a `class` or `id` value. Keywords are
/// looked for only where a word starts (after a non-alphanumeric byte, or
/// at a lowercase-to-uppercase step as in "articleByline"): long utility
/// class lists then cost one comparison per byte.
fn scan_keywords(value: &[u8]) -> u8 {
    let mut found = 0;
    let mut previous = b' ';
    for (at, &byte) in value.iter().enumerate() {
        let starts_word = !previous.is_ascii_alphanumeric()
            || (previous.is_ascii_lowercase() && byte.is_ascii_uppercase());
        previous = byte;
        if !starts_word {
            continue;
        }
        for (keyword, class) in keywords_starting(byte.to_ascii_lowercase()) {
            if value.len() - at >= keyword.len()
                && value[at..at + keyword.len()].eq_ignore_ascii_case(keyword)
            {
                found |= class;
            }
        }
    }
    found
}

/// The text below a node, whitespace collapsed, with a line break between
/// block-level parts; `None` when empty, longer than `limit` characters, or
/// spread over more than `limit * 4` nodes. Iterative, and it stops as soon
/// as a limit is passed, so that nested candidates cost linear time in all.
fn text_of(node: NodeRef<'_, Node>, limit: usize) -> Option<String> {
    let mut out = String::new();
    let mut chars = 0;
    let mut budget = limit * 4;
    let mut pending_space = false;
    let mut pending_break = false;
    let mut skip_depth = 0usize;
    for edge in node.traverse() {
        match edge {
            Edge::Open(child) => match child.value() {
                Node::Element(el) => {
                    budget = budget.checked_sub(1)?;
                    let name = el.name();
                    if skip_depth > 0 || matches!(name, "script" | "style" | "noscript") {
                        skip_depth += 1;
                    } else if !is_inline(name) {
                        pending_break = true;
                    }
                }
                Node::Text(text) if skip_depth == 0 => {
                    for ch in text.chars() {
                        if ch.is_whitespace() {
                            pending_space = true;
                            continue;
                        }
                        if !out.is_empty() {
                            if pending_break {
                                out.push('\n');
                            } else if pending_space {
                                out.push(' ');
                            }
                        }
                        pending_space = false;
                        pending_break = false;
                        out.push(ch);
                        chars += 1;
                        if chars > limit {
                            return None;
                        }
                    }
                }
                _ => {}
            },
            Edge::Close(child) => {
                if let Node::Element(el) = child.value() {
                    if skip_depth > 0 {
                        skip_depth -= 1;
                    } else if !is_inline(el.name()) {
                        pending_break = true;
                    }
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "span"
            | "b"
            | "strong"
            | "em"
            | "i"
            | "u"
            | "abbr"
            | "small"
            | "font"
            | "sup"
            | "sub"
            | "mark"
            | "cite"
            | "bdi"
            | "q"
    )
}

/// Collapses runs of whitespace to one space and trims.
pub(super) fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_head_and_body_facts() {
        let html = Html::parse_document(
            r#"<html lang="en-GB"><head><title>A  title | Site</title>
            <meta property="og:title" content="OG title">
            <link rel="canonical" href="/a">
            <script type="application/ld+json">{"@type":"NewsArticle"}</script></head>
            <body><article><h1>The <em>headline</em></h1>
            <div class="byline">By <a rel="author">Jane Roe</a><br>Published May 2</div>
            <time datetime="2024-05-02T10:00:00+02:00">May 2</time></article>
            <aside class="related"><time datetime="2020-01-01">old</time></aside></body></html>"#,
        );
        let facts = collect(&html);
        assert_eq!(facts.html_lang.as_deref(), Some("en-GB"));
        assert_eq!(facts.title_tag.as_deref(), Some("A title | Site"));
        assert_eq!(
            facts.metas,
            vec![("og:title".to_owned(), "OG title".to_owned())]
        );
        assert_eq!(facts.canonical.as_deref(), Some("/a"));
        assert_eq!(facts.json_ld.len(), 1);
        assert_eq!(facts.h1s[0].text, "The headline");
        assert_eq!(facts.bylines[0].text, "By Jane Roe\nPublished May 2");
        assert_eq!(facts.rel_authors[0].text, "Jane Roe");
        assert_eq!(facts.times.len(), 2);
        assert!(facts.times[0].in_article && !facts.times[0].in_chrome);
        assert!(facts.times[1].in_chrome);
    }

    #[test]
    fn microdata_author_name_wins_over_its_text() {
        let html = Html::parse_document(
            r#"<div itemprop="author" itemscope><span itemprop="name">Jane Roe</span>
            <span itemprop="jobTitle">Reporter</span></div>
            <span itemprop="datePublished" content="2024-05-02">2 May</span>"#,
        );
        let facts = collect(&html);
        assert_eq!(facts.item_authors.len(), 1);
        assert_eq!(facts.item_authors[0].0, "Jane Roe");
        assert_eq!(facts.item_published, vec!["2024-05-02".to_owned()]);
    }

    #[test]
    fn keywords_are_found_in_any_case() {
        assert_eq!(scan_keywords(b"ArticleByline__name"), WORD_BYLINE);
        assert_eq!(
            scan_keywords(b"author-avatar"),
            WORD_BYLINE | WORD_NOT_BYLINE
        );
        assert_eq!(scan_keywords(b"Related-Stories"), WORD_CHROME);
        assert_eq!(scan_keywords(b"date-published"), WORD_DATE | WORD_PUBLISHED);
        assert_eq!(scan_keywords(b"entry-Timestamp"), WORD_DATE);
        assert_eq!(scan_keywords(b"x"), 0);
        // Inside a word is not a keyword: "subscribe" holds no "bio".
        assert_eq!(scan_keywords(b"subscribe vprofile"), 0);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // html5ever's parse is quadratic in nesting depth, so the deep tree is
        // built directly: 100,000 nested copies of one <div>.
        let mut html = Html::parse_document("<div class=byline>By Jane Roe</div><h1>t</h1>");
        let div = html
            .tree
            .nodes()
            .find(|n| matches!(n.value(), Node::Element(e) if e.name() == "div"))
            .map(|n| n.value().clone())
            .unwrap();
        let mut id = html.tree.root().first_child().unwrap().id();
        for _ in 0..100_000 {
            id = html.tree.get_mut(id).unwrap().append(div.clone()).id();
        }
        let facts = collect(&html);
        assert_eq!(facts.h1s.len(), 1);
        assert_eq!(facts.bylines.len(), 1);
    }
}
