//! One pass over the parsed tree into a flat, pre-order table of the nodes
//! that can hold visible text, with per-subtree statistics.
//!
//! Pre-order numbering makes every subtree a contiguous range
//! `index..end`, so the bottom-up statistics are one reverse loop adding each
//! row into its parent, and later passes skip a subtree by jumping to `end`.
//! Nothing here recurses: a page of 100,000 nested elements costs a long
//! loop, not a deep stack. Subtrees that never show text (scripts, styles,
//! forms controls, hidden elements) are left out of the table altogether.

use scraper::node::Element;
use scraper::{Html, Node};

use super::signal::{self, Signal};

/// What the later passes need to know about an element's tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
    /// A text node.
    Text,
    /// `<p>`.
    P,
    /// A heading, level 1 to 6.
    Heading(u8),
    /// `<ul>`, `<ol>` (`true` for ordered), `<menu>`.
    List(bool),
    /// `<li>`.
    ListItem,
    /// `<dt>`, `<dd>`.
    DefinitionItem,
    /// `<blockquote>`.
    Blockquote,
    /// `<pre>`.
    Pre,
    /// `<table>`.
    Table,
    /// `<tr>`.
    Row,
    /// `<td>`, `<th>` (`true` for a header cell).
    Cell(bool),
    /// `<figure>`.
    Figure,
    /// `<figcaption>`.
    Figcaption,
    /// `<img>`.
    Img,
    /// `<br>`.
    Br,
    /// `<hr>`.
    Hr,
    /// `<a>`.
    Link,
    /// `<em>`, `<i>`.
    Emphasis,
    /// `<strong>`, `<b>`.
    Strong,
    /// `<code>`, `<kbd>`, `<samp>`.
    Code,
    /// Page chrome by its tag: `<nav>`, `<aside>`, `<footer>`, `<form>`.
    Chrome,
    /// `<article>`, `<main>` and other generic block containers.
    Block,
    /// Any other inline element.
    Inline,
}

impl Tag {
    /// Whether the element starts a new block of text when rendered.
    pub(super) fn is_block(self) -> bool {
        !matches!(
            self,
            Tag::Text
                | Tag::Link
                | Tag::Emphasis
                | Tag::Strong
                | Tag::Code
                | Tag::Inline
                | Tag::Br
                | Tag::Img
        )
    }
}

/// The content of one row.
#[derive(Debug, Clone, Copy)]
pub(super) enum Content<'a> {
    /// An element and its attributes.
    Element(&'a Element),
    /// The raw text of a text node.
    Text(&'a str),
}

/// One node of the flat table.
#[derive(Debug, Clone)]
pub(super) struct Row<'a> {
    /// The node itself.
    pub content: Content<'a>,
    /// What its tag means to us.
    pub tag: Tag,
    /// Index of the parent row; the root points at itself.
    pub parent: u32,
    /// One past the last row of this subtree.
    pub end: u32,
    /// Class, id and role signals of this element alone.
    pub signal: Signal,
    /// Visible characters in the subtree, whitespace runs counted once.
    pub chars: u32,
    /// Of those, the characters inside links.
    pub link_chars: u32,
    /// Characters owned directly by this block (text not inside a nested
    /// block element); zero for inline elements and text nodes.
    pub own_chars: u32,
    /// Of those, the characters inside links.
    pub own_link_chars: u32,
    /// Commas and sentence ends in the text this block owns.
    pub own_punct: u32,
    /// Content score of the subtree; see [`super::select`].
    pub score: f32,
    /// Whether whitespace (left out of the table) came right before this
    /// node: between inline elements it is what separates two words.
    pub space_before: bool,
    /// Whether the subtree holds an image.
    pub has_image: bool,
    /// Whether the subtree is a teaser card: small, and holding a heading
    /// that is all link (the headline of another page).
    pub card: bool,
}

/// The flat table of a page.
#[derive(Debug, Default)]
pub(super) struct Dom<'a> {
    /// Rows in pre-order; row 0 is the document root.
    pub rows: Vec<Row<'a>>,
}

impl<'a> Dom<'a> {
    /// Builds the table of a parsed page in one iterative walk.
    pub(super) fn build(document: &'a Html) -> Dom<'a> {
        let mut rows: Vec<Row<'a>> = Vec::with_capacity(4096);
        // Open rows on the current path; `in_link` counts open `<a>`s.
        let mut path: Vec<u32> = Vec::with_capacity(64);
        let mut in_link = 0u32;
        let mut in_pre = 0u32;
        // Whitespace-only text seen since the last row. Such nodes are most
        // text nodes of a page; only the fact that they were there matters.
        let mut pending_space = false;
        let mut scratch = String::new();

        let root = document.tree.root();
        rows.push(Row {
            content: Content::Text(""),
            tag: Tag::Block,
            parent: 0,
            end: 0,
            signal: Signal::default(),
            chars: 0,
            link_chars: 0,
            own_chars: 0,
            own_link_chars: 0,
            own_punct: 0,
            score: 0.0,
            card: false,
            has_image: false,
            space_before: false,
        });
        path.push(0);

        let mut next = root.first_child();
        // The walk: visit `next`; descend into its children when it was
        // kept as an element, else move to the next sibling, climbing up
        // (and closing rows) when a parent's children are done.
        while let Some(node) = next {
            let mut descend = false;
            match node.value() {
                Node::Text(text) => {
                    let text: &'a str = text;
                    let (chars, punct) = count_text(text);
                    if chars == 0 && in_pre == 0 {
                        pending_space |= !text.is_empty();
                    } else {
                        let space_before = std::mem::take(&mut pending_space);
                        let parent = *path.last().unwrap_or(&0);
                        rows.push(Row {
                            content: Content::Text(text),
                            tag: Tag::Text,
                            parent,
                            end: rows.len() as u32 + 1,
                            signal: Signal::default(),
                            chars,
                            link_chars: if in_link > 0 { chars } else { 0 },
                            own_chars: 0,
                            own_link_chars: 0,
                            own_punct: punct,
                            score: 0.0,
                            card: false,
                            has_image: false,
                            space_before,
                        });
                    }
                }
                Node::Element(element) => {
                    if let Some(tag) = classify_tag(element.name())
                        && let Some(signal) = signal::of_element(element, &mut scratch)
                    {
                        let space_before = std::mem::take(&mut pending_space);
                        let parent = *path.last().unwrap_or(&0);
                        let index = rows.len() as u32;
                        rows.push(Row {
                            content: Content::Element(element),
                            tag,
                            parent,
                            end: index + 1,
                            // Names on the root elements describe the
                            // whole page ("single-post with-sidebar").
                            signal: if matches!(element.name(), "body" | "html") {
                                Signal::default()
                            } else {
                                signal
                            },
                            chars: 0,
                            link_chars: 0,
                            own_chars: 0,
                            own_link_chars: 0,
                            own_punct: 0,
                            score: 0.0,
                            card: false,
                            has_image: false,
                            space_before,
                        });
                        if node.has_children() {
                            path.push(index);
                            if tag == Tag::Link {
                                in_link += 1;
                            }
                            if tag == Tag::Pre {
                                in_pre += 1;
                            }
                            descend = true;
                        }
                    }
                }
                Node::Document | Node::Fragment => descend = true,
                _ => {}
            }
            if descend && let Some(child) = node.first_child() {
                next = Some(child);
                continue;
            }
            // Move to the next sibling, closing finished parents.
            let mut cur = node;
            loop {
                if let Some(sibling) = cur.next_sibling() {
                    next = Some(sibling);
                    break;
                }
                match cur.parent() {
                    Some(parent) if parent.id() != root.id() => {
                        // Close the parent's row if it was kept.
                        if let Node::Element(el) = parent.value()
                            && let Some(&open) = path.last()
                            && open != 0
                            && matches!(rows[open as usize].content, Content::Element(e) if std::ptr::eq(e, el))
                        {
                            path.pop();
                            if rows[open as usize].tag == Tag::Link {
                                in_link -= 1;
                            }
                            if rows[open as usize].tag == Tag::Pre {
                                in_pre -= 1;
                            }
                            rows[open as usize].end = rows.len() as u32;
                        }
                        cur = parent;
                    }
                    _ => {
                        next = None;
                        break;
                    }
                }
            }
        }
        let total = rows.len() as u32;
        for &open in &path {
            rows[open as usize].end = total;
        }
        let mut dom = Dom { rows };
        dom.aggregate();
        dom.protect_headline_ancestors();
        dom.relax_prose_containers();
        dom.find_cards();
        dom
    }

    /// Marks teaser cards: the smallest-but-whole elements around a heading
    /// that is all link. Article subheadings are not links; the headlines
    /// of "related", "more from" and "most read" lists are.
    fn find_cards(&mut self) {
        let mut linked_heading = vec![false; self.rows.len()];
        for i in (1..self.rows.len()).rev() {
            let row = &self.rows[i];
            if matches!(row.tag, Tag::Heading(_))
                && row.chars > 0
                && row.link_chars * 10 >= row.chars * 8
            {
                linked_heading[i] = true;
            }
            if linked_heading[i] {
                let parent = row.parent as usize;
                if self.rows[parent].chars <= CARD_MAX_CHARS {
                    linked_heading[parent] = true;
                }
                if self.rows[parent].chars > CARD_MAX_CHARS {
                    self.rows[i].card = true;
                }
            }
        }
    }

    /// Relaxes the chrome names of elements holding long prose with few
    /// links (see [`Signal::relax`]).
    fn relax_prose_containers(&mut self) {
        for row in &mut self.rows[1..] {
            // A content name next to the chrome one ("entry-content
            // read-more") needs less prose to be believed.
            let min_prose = if row.signal.has_content_name() {
                RELAX_MIN_PROSE / 3
            } else {
                RELAX_MIN_PROSE
            };
            if row.signal.is_negative()
                && row.chars >= row.link_chars + min_prose
                && row.link_chars * 4 < row.chars
            {
                row.signal.relax();
            }
        }
    }

    /// Marks the ancestors of headlines (`<h1>` of headline length) and of
    /// `itemprop=articleBody` as protected: a wrapper of the whole page may
    /// carry a name like "ad-free" or be a `<form>`, but comment sections,
    /// sidebars and share bars never hold the headline.
    fn protect_headline_ancestors(&mut self) {
        let mut seen = 0;
        for i in 1..self.rows.len() {
            let row = &self.rows[i];
            let headline = row.tag == Tag::Heading(1) && (15..400).contains(&row.chars);
            let body = row.signal.is_hint() && row.tag != Tag::Chrome && {
                matches!(row.content, Content::Element(e) if e.attr("itemprop").is_some())
            };
            if !(headline || body) {
                continue;
            }
            let mut at = row.parent as usize;
            while at != 0 && !self.rows[at].signal.is_protected() {
                self.rows[at].signal.protect();
                at = self.rows[at].parent as usize;
            }
            seen += 1;
            if seen >= 3 {
                break;
            }
        }
    }

    /// Adds every row's statistics into its parent, and each text node's
    /// characters into the nearest enclosing block (its owner).
    fn aggregate(&mut self) {
        // Owners first, in pre-order: a text node's owner is its nearest
        // block ancestor, found through the parent chain of inline rows.
        let mut owner: Vec<u32> = Vec::with_capacity(self.rows.len());
        owner.push(0);
        for row in &self.rows[1..] {
            let parent = row.parent as usize;
            owner.push(if self.rows[parent].tag.is_block() || parent == 0 {
                parent as u32
            } else {
                owner[parent]
            });
        }
        for (i, &owner) in owner.iter().enumerate().skip(1) {
            if self.rows[i].tag == Tag::Text {
                let (chars, links, punct) = {
                    let r = &self.rows[i];
                    (r.chars, r.link_chars, r.own_punct)
                };
                let o = &mut self.rows[owner as usize];
                o.own_chars += chars;
                o.own_link_chars += links;
                o.own_punct += punct;
            }
        }
        for i in (1..self.rows.len()).rev() {
            let (parent, chars, links, image) = {
                let r = &self.rows[i];
                (
                    r.parent as usize,
                    r.chars,
                    r.link_chars,
                    r.has_image || r.tag == Tag::Img,
                )
            };
            let p = &mut self.rows[parent];
            p.chars += chars;
            p.link_chars += links;
            p.has_image |= image;
        }
    }

    /// The element of a row, if it is one.
    #[cfg(test)]
    pub(super) fn element(&self, index: usize) -> Option<&'a Element> {
        match self.rows[index].content {
            Content::Element(e) => Some(e),
            Content::Text(_) => None,
        }
    }
}

/// Prose characters above which chrome names (other than comment ones) no
/// longer mark an element as chrome.
const RELAX_MIN_PROSE: u32 = 1000;

/// Size above which an element around a linked heading is no teaser card.
const CARD_MAX_CHARS: u32 = 700;

/// Visible characters (whitespace runs counted as one) and punctuation marks
/// of a text node.
fn count_text(text: &str) -> (u32, u32) {
    // Byte by byte: most text is ASCII, and for the rest only the lead byte
    // of each character needs looking at.
    let bytes = text.as_bytes();
    let mut chars = 0u32;
    let mut punct = 0u32;
    let mut space = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_whitespace() {
                if !space {
                    chars += 1;
                    space = true;
                }
            } else {
                chars += 1;
                space = false;
                if matches!(b, b',' | b'.' | b'!' | b'?' | b';') {
                    punct += 1;
                }
            }
            i += 1;
            continue;
        }
        let width = match b {
            0xF0.. => 4,
            0xE0.. => 3,
            _ => 2,
        };
        let ch = &bytes[i..(i + width).min(bytes.len())];
        if ch == "\u{a0}".as_bytes() {
            if !space {
                chars += 1;
                space = true;
            }
        } else {
            chars += 1;
            space = false;
            if WIDE_PUNCTUATION.iter().any(|p| p.as_bytes() == ch) {
                punct += 1;
            }
        }
        i += width;
    }
    if space && chars > 0 {
        // A trailing space is not a character of its own.
        chars -= 1;
    }
    (chars, punct)
}

/// Commas and sentence ends of other scripts.
const WIDE_PUNCTUATION: [&str; 8] = ["，", "。", "、", "،", "！", "？", "۔", "।"];

/// Maps a tag name to its [`Tag`]; `None` for elements whose subtree never
/// shows article text.
fn classify_tag(name: &str) -> Option<Tag> {
    Some(match name {
        "p" => Tag::P,
        "h1" => Tag::Heading(1),
        "h2" => Tag::Heading(2),
        "h3" => Tag::Heading(3),
        "h4" => Tag::Heading(4),
        "h5" => Tag::Heading(5),
        "h6" => Tag::Heading(6),
        "ul" => Tag::List(false),
        "ol" => Tag::List(true),
        "li" => Tag::ListItem,
        "dt" | "dd" => Tag::DefinitionItem,
        "blockquote" => Tag::Blockquote,
        "pre" | "listing" | "xmp" | "plaintext" => Tag::Pre,
        "table" => Tag::Table,
        "tr" => Tag::Row,
        "td" => Tag::Cell(false),
        "th" => Tag::Cell(true),
        "figure" => Tag::Figure,
        "figcaption" => Tag::Figcaption,
        "img" => Tag::Img,
        "br" => Tag::Br,
        "hr" => Tag::Hr,
        "a" => Tag::Link,
        "em" | "i" | "cite" | "dfn" | "var" => Tag::Emphasis,
        "strong" | "b" => Tag::Strong,
        "code" | "kbd" | "samp" | "tt" => Tag::Code,
        "nav" | "aside" | "footer" | "form" | "menu" => Tag::Chrome,
        "div" | "section" | "article" | "main" | "header" | "body" | "html" | "center"
        | "address" | "details" | "summary" | "dl" | "fieldset" | "tbody" | "thead" | "tfoot"
        | "caption" | "hgroup" | "picture" | "frameset" | "frame" => Tag::Block,
        "script" | "style" | "noscript" | "template" | "svg" | "math" | "iframe" | "head"
        | "title" | "meta" | "link" | "select" | "option" | "optgroup" | "textarea" | "input"
        | "button" | "canvas" | "video" | "audio" | "object" | "embed" | "map" | "area"
        | "dialog" | "label" | "source" | "track" | "param" | "datalist" | "output"
        | "progress" | "meter" | "base" | "applet" => return None,
        _ => Tag::Inline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtrees_are_contiguous_and_counted() {
        let doc = Html::parse_document(
            "<body><div><p>Hello <a href=x>big</a> world.</p><p>Two</p></div><script>x</script></body>",
        );
        let dom = Dom::build(&doc);
        let div = dom
            .rows
            .iter()
            .position(|r| matches!(r.content, Content::Element(e) if e.name() == "div"))
            .unwrap();
        let row = &dom.rows[div];
        // "Hello big world." plus "Two"; spaces at node edges count once.
        assert_eq!(row.chars, 17);
        assert_eq!(row.link_chars, 3);
        assert_eq!(row.end as usize, dom.rows.len());
        let p = div + 1;
        assert_eq!(dom.rows[p].own_chars, 14);
        assert_eq!(dom.rows[p].own_link_chars, 3);
        assert_eq!(dom.rows[p].own_punct, 1);
    }

    #[test]
    fn hidden_and_script_subtrees_are_left_out() {
        let doc = Html::parse_document(
            "<p hidden>a</p><span aria-hidden=true>b</span><p style='display: none'>c</p><script>d</script><p>e</p>",
        );
        let dom = Dom::build(&doc);
        assert_eq!(dom.rows[0].chars, 1);
    }

    #[test]
    fn whitespace_runs_count_once() {
        assert_eq!(count_text("  a \n b  "), (3, 0));
        assert_eq!(count_text("Yes, no."), (8, 2));
        assert_eq!(count_text("日本語。\u{a0}x"), (6, 1));
    }
}
