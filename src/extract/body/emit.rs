//! Turning the chosen subtree into blocks, leaving chrome out.
//!
//! One forward walk over the subtree's rows. Subtrees that read as chrome
//! (by tag, by name, or by being mostly links) are skipped whole by jumping
//! to their end. Text is gathered into the current block with HTML's own
//! whitespace rules: runs collapse to one space, inline element boundaries
//! add nothing, block boundaries and `<br>` break. Open elements live on an
//! explicit stack, so depth costs memory, not native stack.

use url::Url;

use super::dom::{Content, Dom, Tag};
use super::{Block, BlockKind, Inline};

/// Emits the blocks of the subtree rooted at `root`.
pub(super) fn blocks(dom: &Dom<'_>, root: usize, base: Option<&Url>) -> Vec<Block> {
    let mut emitter = Emitter {
        base,
        blocks: Vec::new(),
        inlines: Vec::new(),
        current: String::new(),
        style: Style::Text,
        pending_space: false,
        kinds: Vec::new(),
        lists: Vec::new(),
        quotes: 0,
        pre: 0,
        links: Vec::new(),
        emphasis: 0,
        strong: 0,
        code: 0,
    };
    // Open elements: (row index, end of its subtree).
    let mut open: Vec<(usize, usize)> = Vec::new();
    let end = dom.rows[root].end as usize;
    let mut i = root;
    while i < end {
        while let Some(&(index, stop)) = open.last() {
            if stop > i {
                break;
            }
            open.pop();
            emitter.close(dom, index);
        }
        let row = &dom.rows[i];
        if row.space_before && i != root {
            emitter.text(" ");
        }
        match row.content {
            Content::Text(text) => {
                emitter.text(text);
                i += 1;
            }
            Content::Element(element) => {
                if i != root && is_chrome(dom, root, i) {
                    i = row.end as usize;
                    continue;
                }
                if row.tag == Tag::Figure {
                    emitter.figure(dom, i);
                    i = row.end as usize;
                    continue;
                }
                if row.tag == Tag::Figcaption {
                    i = row.end as usize;
                    continue;
                }
                emitter.open(row.tag, element);
                if row.end as usize > i + 1 {
                    open.push((i, row.end as usize));
                } else {
                    emitter.close(dom, i);
                }
                i += 1;
            }
        }
    }
    while let Some((index, _)) = open.pop() {
        emitter.close(dom, index);
    }
    emitter.flush();
    emitter.blocks
}

/// Whether a subtree inside the container is chrome to skip.
fn is_chrome(dom: &Dom<'_>, root: usize, index: usize) -> bool {
    let row = &dom.rows[index];
    if row.card || (row.tag == Tag::Chrome && !row.signal.is_protected()) {
        return true;
    }
    // Links are cut for strong names only: a link styled as "keyword" or
    // "author" is still part of its sentence.
    if row.tag == Tag::Link {
        if row.signal.is_strongly_negative() {
            return true;
        }
    } else if row.signal.is_negative() {
        return true;
    }
    if matches!(row.tag, Tag::Block | Tag::List(_) | Tag::Table)
        && row.chars > 0
        && row.link_chars * 2 > row.chars
    {
        return true;
    }
    // An image with a line of text under it is a figure without the
    // markup: its caption and credit are not article prose.
    // Only next to much more text, so a short article around its picture
    // is not taken for one.
    if row.tag == Tag::Block
        && row.has_image
        && row.chars < FIGURE_MAX_CHARS
        && row.chars * 4 < dom.rows[root].chars
    {
        return true;
    }
    // A short paragraph that is mostly a link points to another page
    // ("Read also | Other headline").
    if row.tag == Tag::P && row.chars < 200 && row.link_chars * 10 >= row.chars * 7 {
        return true;
    }
    false
}

/// Size under which a block holding an image reads as a figure.
const FIGURE_MAX_CHARS: u32 = 250;

/// The inline style text is currently gathered in.
#[derive(Debug, Clone, PartialEq)]
enum Style {
    Text,
    Emphasis,
    Strong,
    Code,
    Link(String),
}

/// Elements that decide the kind of the blocks inside them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum KindContext {
    Paragraph,
    Heading(u8),
    ListItem,
    Pre,
    Row { header: bool },
}

struct Emitter<'u> {
    base: Option<&'u Url>,
    blocks: Vec<Block>,
    /// Finished inlines of the block being built.
    inlines: Vec<Inline>,
    /// Text of the inline being built, in `style`.
    current: String,
    style: Style,
    /// Whitespace seen since the last visible character.
    pending_space: bool,
    kinds: Vec<KindContext>,
    /// Open lists, `true` when ordered.
    lists: Vec<bool>,
    quotes: u32,
    pre: u32,
    /// Targets of open links (`None` for links without a usable target).
    links: Vec<Option<String>>,
    emphasis: u32,
    strong: u32,
    code: u32,
}

impl Emitter<'_> {
    fn open(&mut self, tag: Tag, element: &scraper::node::Element) {
        match tag {
            Tag::Br => self.line_break(),
            Tag::Link => self.links.push(
                element
                    .attr("href")
                    .and_then(|href| resolve(href, self.base)),
            ),
            Tag::Emphasis => self.emphasis += 1,
            Tag::Strong => self.strong += 1,
            Tag::Code => self.code += 1,
            Tag::Cell(header) => {
                if self.has_content() {
                    self.finish_inline();
                    self.inlines.push(Inline::CellBreak);
                    self.pending_space = false;
                }
                if header && let Some(KindContext::Row { header: h }) = self.kinds.last_mut() {
                    *h = true;
                }
            }
            _ if tag.is_block() => {
                self.flush();
                match tag {
                    Tag::P | Tag::DefinitionItem => self.kinds.push(KindContext::Paragraph),
                    Tag::Heading(level) => self.kinds.push(KindContext::Heading(level)),
                    Tag::ListItem => self.kinds.push(KindContext::ListItem),
                    Tag::Pre => {
                        self.kinds.push(KindContext::Pre);
                        self.pre += 1;
                    }
                    Tag::Row => self.kinds.push(KindContext::Row { header: false }),
                    Tag::List(ordered) => self.lists.push(ordered),
                    Tag::Blockquote => self.quotes += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn close(&mut self, dom: &Dom<'_>, index: usize) {
        let tag = dom.rows[index].tag;
        match tag {
            Tag::Link => {
                self.links.pop();
            }
            Tag::Emphasis => self.emphasis = self.emphasis.saturating_sub(1),
            Tag::Strong => self.strong = self.strong.saturating_sub(1),
            Tag::Code => self.code = self.code.saturating_sub(1),
            _ if tag.is_block() && !matches!(tag, Tag::Cell(_)) => {
                self.flush();
                match tag {
                    Tag::P | Tag::DefinitionItem | Tag::Heading(_) | Tag::ListItem | Tag::Row => {
                        self.kinds.pop();
                    }
                    Tag::Pre => {
                        self.kinds.pop();
                        self.pre = self.pre.saturating_sub(1);
                    }
                    Tag::List(_) => {
                        self.lists.pop();
                    }
                    Tag::Blockquote => self.quotes = self.quotes.saturating_sub(1),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Adds the text of a text node.
    fn text(&mut self, text: &str) {
        let style = self.current_style();
        if style != self.style {
            self.finish_inline();
            self.style = style;
        }
        if self.pre > 0 {
            self.current.push_str(text);
            return;
        }
        for ch in text.chars() {
            if ch.is_whitespace() {
                self.pending_space = true;
            } else {
                // No space at the start of a line: after `<br>` the
                // source's indentation is not text.
                let line_start = self.current.is_empty()
                    && matches!(self.inlines.last(), Some(Inline::LineBreak));
                if self.pending_space && self.has_content() && !line_start {
                    self.push_space();
                }
                self.pending_space = false;
                self.current.push(ch);
            }
        }
    }

    /// Adds the space between two words. At the start of an inline it goes
    /// to the end of the previous plain text, so links and emphasis do not
    /// begin with a space.
    fn push_space(&mut self) {
        if !self.current.is_empty() || self.style == Style::Text {
            self.current.push(' ');
            return;
        }
        match self.inlines.last_mut() {
            Some(Inline::Text(previous)) => previous.push(' '),
            _ => self.inlines.push(Inline::Text(" ".to_owned())),
        }
    }

    fn current_style(&self) -> Style {
        if self.code > 0 {
            Style::Code
        } else if let Some(Some(href)) = self.links.last() {
            Style::Link(href.clone())
        } else if self.strong > 0 {
            Style::Strong
        } else if self.emphasis > 0 {
            Style::Emphasis
        } else {
            Style::Text
        }
    }

    /// Whether the block being built has any visible text yet.
    fn has_content(&self) -> bool {
        !self.current.is_empty()
            || self
                .inlines
                .iter()
                .any(|i| !matches!(i, Inline::LineBreak | Inline::CellBreak))
    }

    fn line_break(&mut self) {
        if !self.has_content() {
            return;
        }
        self.finish_inline();
        // Pages without `<p>` separate paragraphs with `<br><br>`: the
        // second break ends the paragraph.
        if matches!(self.inlines.last(), Some(Inline::LineBreak))
            && self.pre == 0
            && matches!(self.kinds.last(), Some(KindContext::Paragraph) | None)
        {
            self.inlines.pop();
            self.flush();
            return;
        }
        self.inlines.push(Inline::LineBreak);
        self.pending_space = false;
    }

    /// Closes the inline being built.
    fn finish_inline(&mut self) {
        if self.current.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.current);
        self.inlines.push(match &self.style {
            Style::Text => Inline::Text(text),
            Style::Emphasis => Inline::Emphasis(text),
            Style::Strong => Inline::Strong(text),
            Style::Code => Inline::Code(text),
            Style::Link(href) => Inline::Link {
                text,
                href: href.clone(),
            },
        });
    }

    /// Ends the block being built, if it has text.
    fn flush(&mut self) {
        self.finish_inline();
        self.pending_space = false;
        let mut inlines = std::mem::take(&mut self.inlines);
        while matches!(inlines.last(), Some(Inline::LineBreak | Inline::CellBreak)) {
            inlines.pop();
        }
        if pre_trim(&mut inlines, self.pre > 0) {
            return;
        }
        let kind = match self.kinds.last() {
            Some(KindContext::Heading(level)) => BlockKind::Heading(*level),
            Some(KindContext::ListItem) => BlockKind::ListItem {
                ordered: self.lists.last().copied().unwrap_or(false),
                depth: self.lists.len().saturating_sub(1).min(u8::MAX as usize) as u8,
            },
            Some(KindContext::Pre) => BlockKind::Preformatted,
            Some(KindContext::Row { header }) => BlockKind::TableRow { header: *header },
            Some(KindContext::Paragraph) | None if self.quotes > 0 => BlockKind::Quote,
            Some(KindContext::Paragraph) | None => BlockKind::Paragraph,
        };
        self.blocks.push(Block { kind, inlines });
    }

    /// Emits a figure: its first image and its caption.
    fn figure(&mut self, dom: &Dom<'_>, index: usize) {
        self.flush();
        let end = dom.rows[index].end as usize;
        let mut src = None;
        let mut alt = String::new();
        let mut caption = String::new();
        let mut caption_end = 0usize;
        for i in index + 1..end {
            let row = &dom.rows[i];
            match row.content {
                Content::Element(el) if row.tag == Tag::Img && src.is_none() => {
                    src = el
                        .attr("src")
                        .or_else(|| el.attr("data-src"))
                        .and_then(|s| resolve(s, self.base));
                    alt = el.attr("alt").unwrap_or("").trim().to_owned();
                }
                Content::Element(_) if row.tag == Tag::Figcaption => caption_end = row.end as usize,
                Content::Text(text) if i < caption_end => {
                    for word in text.split_whitespace() {
                        if !caption.is_empty() {
                            caption.push(' ');
                        }
                        caption.push_str(word);
                    }
                }
                _ => {}
            }
        }
        if let Some(src) = src {
            let inlines = if caption.is_empty() {
                Vec::new()
            } else {
                vec![Inline::Text(caption)]
            };
            self.blocks.push(Block {
                kind: BlockKind::Figure { src, alt },
                inlines,
            });
        }
    }
}

/// Trims leading and trailing spaces of a block's inlines (all whitespace
/// was already collapsed outside `<pre>`); returns whether nothing is left.
fn pre_trim(inlines: &mut Vec<Inline>, keep_whitespace: bool) -> bool {
    while matches!(inlines.first(), Some(Inline::LineBreak | Inline::CellBreak)) {
        inlines.remove(0);
    }
    if !keep_whitespace {
        if let Some(first) = inlines.first_mut()
            && let Some(text) = inline_text_mut(first)
        {
            let trimmed = text.trim_start().len();
            text.drain(..text.len() - trimmed);
        }
        if let Some(last) = inlines.last_mut()
            && let Some(text) = inline_text_mut(last)
        {
            text.truncate(text.trim_end().len());
        }
    }
    inlines.iter().all(|i| match i {
        Inline::Text(t) | Inline::Emphasis(t) | Inline::Strong(t) | Inline::Code(t) => {
            t.trim().is_empty()
        }
        Inline::Link { text, .. } => text.trim().is_empty(),
        Inline::LineBreak | Inline::CellBreak => true,
    })
}

fn inline_text_mut(inline: &mut Inline) -> Option<&mut String> {
    match inline {
        Inline::Text(t) | Inline::Emphasis(t) | Inline::Strong(t) | Inline::Code(t) => Some(t),
        Inline::Link { text, .. } => Some(text),
        Inline::LineBreak | Inline::CellBreak => None,
    }
}

/// Resolves a link or image target against the base; `None` for targets
/// that are not web addresses (`javascript:`, `data:`, fragments only).
pub(super) fn resolve(target: &str, base: Option<&Url>) -> Option<String> {
    let target = target.trim();
    if target.is_empty() || target.starts_with('#') {
        return None;
    }
    let url = match base {
        Some(base) => base.join(target).ok()?,
        // Without a base only absolute targets can be kept.
        None => Url::parse(target).ok()?,
    };
    match url.scheme() {
        "http" | "https" | "mailto" => Some(url.into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn texts(html: &str) -> Vec<(BlockKind, String)> {
        let doc = Html::parse_document(html);
        let dom = Dom::build(&doc);
        blocks(&dom, 0, None)
            .into_iter()
            .map(|b| {
                let text = b
                    .inlines
                    .iter()
                    .map(|i| match i {
                        Inline::Text(t)
                        | Inline::Emphasis(t)
                        | Inline::Strong(t)
                        | Inline::Code(t) => t.clone(),
                        Inline::Link { text, .. } => text.clone(),
                        Inline::LineBreak => "\n".into(),
                        Inline::CellBreak => "\t".into(),
                    })
                    .collect();
                (b.kind, text)
            })
            .collect()
    }

    #[test]
    fn inline_boundaries_keep_word_spacing() {
        let got =
            texts("<p>One <b>two</b><i>three</i> four<a href='http://x.example/'>five</a>.</p>");
        assert_eq!(
            got,
            vec![(BlockKind::Paragraph, "One twothree fourfive.".into())]
        );
    }

    #[test]
    fn lines_after_a_break_do_not_start_with_the_source_indentation() {
        let got = texts("<li>One line<br><br>\n   two lines <br>\n three</li>");
        assert_eq!(
            got,
            vec![(
                BlockKind::ListItem {
                    ordered: false,
                    depth: 0
                },
                "One line\n\ntwo lines\nthree".into()
            )]
        );
    }

    #[test]
    fn a_double_break_ends_a_paragraph() {
        let got = texts(
            "<div>Headline<br>by A. Writer<br><br>\n First paragraph.<br><br><br>Second.</div>",
        );
        assert_eq!(
            got,
            vec![
                (BlockKind::Paragraph, "Headline\nby A. Writer".into()),
                (BlockKind::Paragraph, "First paragraph.".into()),
                (BlockKind::Paragraph, "Second.".into()),
            ]
        );
    }

    #[test]
    fn spaces_stay_outside_links_and_emphasis() {
        let doc = Html::parse_document(
            "<p>Hello, <a href='http://x.example/'>world</a> and <em>more</em>.</p>",
        );
        let dom = Dom::build(&doc);
        let got = blocks(&dom, 0, None);
        assert_eq!(
            got[0].inlines,
            vec![
                Inline::Text("Hello, ".into()),
                Inline::Link {
                    text: "world".into(),
                    href: "http://x.example/".into()
                },
                Inline::Text(" and ".into()),
                Inline::Emphasis("more".into()),
                Inline::Text(".".into()),
            ]
        );
    }

    #[test]
    fn blocks_inside_paragraph_text_break_it() {
        let got = texts("<div>Lead text<div>inner block</div>tail text<br>after break</div>");
        assert_eq!(
            got,
            vec![
                (BlockKind::Paragraph, "Lead text".into()),
                (BlockKind::Paragraph, "inner block".into()),
                (BlockKind::Paragraph, "tail text\nafter break".into()),
            ]
        );
    }

    #[test]
    fn lists_headings_quotes_and_rows_keep_their_kind() {
        let got = texts(
            "<h2>Head</h2><ol><li>first</li></ol><blockquote><p>quoted</p></blockquote>\
             <table><tr><th>a</th><th>b</th></tr></table>",
        );
        assert_eq!(
            got,
            vec![
                (BlockKind::Heading(2), "Head".into()),
                (
                    BlockKind::ListItem {
                        ordered: true,
                        depth: 0
                    },
                    "first".into()
                ),
                (BlockKind::Quote, "quoted".into()),
                (BlockKind::TableRow { header: true }, "a\tb".into()),
            ]
        );
    }

    #[test]
    fn chrome_inside_the_container_is_skipped() {
        let got = texts(
            "<p>Kept.</p><div class='share-tools'>Share this</div>\
             <ul><li><a href=/1>Other story</a></li><li><a href=/2>Another</a></li></ul>\
             <figure><img src='http://x.example/a.jpg'><figcaption>Photo credit</figcaption></figure>",
        );
        assert_eq!(got[0], (BlockKind::Paragraph, "Kept.".into()));
        assert_eq!(got.len(), 2);
        assert!(matches!(got[1].0, BlockKind::Figure { .. }));
    }

    #[test]
    fn teaser_cards_are_skipped_and_keyword_links_kept() {
        let filler =
            "<p>Filler sentence of the article, there to make the page long.</p>".repeat(12);
        let got = texts(&format!(
            "<p>Text with a <a class='keyword' href='http://x.example/k'>keyword</a> link.</p>{filler}\
             <div class='item'><h3><a href='http://x.example/o'>Another story entirely</a></h3>\
             <p>Its teaser sentence, which reads like prose.</p></div>"
        ));
        assert_eq!(got.len(), 13);
        assert_eq!(
            got[0],
            (BlockKind::Paragraph, "Text with a keyword link.".into())
        );
    }

    #[test]
    fn image_blocks_with_a_line_of_text_are_figures() {
        let story = "Story text that goes on for a while, as stories do. ".repeat(4);
        let got = texts(&format!(
            "<p>{story}</p><div class='pic'><img src='http://x.example/a.jpg'>\
             <div>A boat in the harbour at dawn.</div></div><p>More story.</p>"
        ));
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], (BlockKind::Paragraph, "More story.".into()));
    }

    #[test]
    fn dangerous_targets_are_dropped() {
        assert_eq!(resolve("javascript:alert(1)", None), None);
        let base = Url::parse("https://news.example/a/b").unwrap();
        assert_eq!(
            resolve("../c", Some(&base)).as_deref(),
            Some("https://news.example/c")
        );
    }
}
