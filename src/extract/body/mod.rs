//! Main-content detection and cleaning.
//!
//! Output is a flat list of [`Block`]s in reading order; rendering to text,
//! HTML and Markdown is [`super::render`]'s job.
//!
//! The page is walked once into a flat table with per-subtree statistics
//! ([`dom`]); the container of the article is chosen by scoring that table
//! ([`select`]); the container's subtree is turned into blocks with chrome
//! left out ([`emit`]); and the edges of the result are cleaned of titles,
//! bylines and copyright lines ([`trim`]). When the page's JSON-LD carries
//! the article text and the document gives much less, the JSON-LD text is
//! used instead.

mod dom;
mod emit;
mod select;
mod signal;
mod trim;

use scraper::Html;
use url::Url;

use super::meta::Metadata;

/// One unit of article structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// What kind of block this is.
    pub kind: BlockKind,
    /// Inline content of the block.
    pub inlines: Vec<Inline>,
}

/// The closed set of block kinds the renderers know.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    /// A paragraph.
    Paragraph,
    /// A heading of level 1 to 6.
    Heading(u8),
    /// An item of a list; `ordered` lists number their items.
    ListItem {
        /// Whether the list is numbered.
        ordered: bool,
        /// Nesting depth, 0 for a top-level list.
        depth: u8,
    },
    /// A paragraph inside a quotation.
    Quote,
    /// Preformatted text, whitespace kept.
    Preformatted,
    /// A table row; cells are separated by [`Inline::CellBreak`].
    TableRow {
        /// Whether this row holds header cells.
        header: bool,
    },
    /// An image, with its caption as inline content.
    Figure {
        /// Absolute image URL.
        src: String,
        /// Alternative text.
        alt: String,
    },
}

/// Inline content of a block.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Plain text, whitespace already collapsed.
    Text(String),
    /// Emphasised text.
    Emphasis(String),
    /// Strong text.
    Strong(String),
    /// Inline code.
    Code(String),
    /// A link with its text and absolute target.
    Link {
        /// Link text.
        text: String,
        /// Absolute URL.
        href: String,
    },
    /// A line break inside a block.
    LineBreak,
    /// Boundary between two table cells.
    CellBreak,
}

/// The body of an article.
#[derive(Debug, Clone, Default)]
pub struct Body {
    /// Blocks in reading order; empty when no article was found.
    pub blocks: Vec<Block>,
    /// Which strategy found the body.
    pub method: &'static str,
    /// Whether the page holds any visible text at all.
    pub page_has_text: bool,
    /// Why the body is empty or degraded, if it is.
    pub note: Option<String>,
    /// Bylines removed from the edges of the article ("By Jane Roe", a name
    /// in bold on its own line), for the authors when the metadata has none.
    pub bylines: Vec<String>,
}

impl Block {
    /// The block's text without markup: inline texts joined, line breaks as
    /// `\n`, table cells separated by a tab.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for inline in &self.inlines {
            match inline {
                Inline::Text(t) | Inline::Emphasis(t) | Inline::Strong(t) | Inline::Code(t) => {
                    out.push_str(t);
                }
                Inline::Link { text, .. } => out.push_str(text),
                Inline::LineBreak => out.push('\n'),
                Inline::CellBreak => out.push('\t'),
            }
        }
        out
    }
}

/// Finds and cleans the article body of a page.
pub fn extract(document: &Html, metadata: &Metadata, base: Option<&Url>) -> Body {
    let mut dom = dom::Dom::build(document);
    let page_has_text = dom.rows[0].chars > 0;
    if !page_has_text {
        return Body {
            note: Some("the page has no visible text".to_owned()),
            ..Body::default()
        };
    }
    let choice = select::choose(&mut dom);
    let mut blocks = Vec::new();
    let mut method = "none";
    let mut listing = false;
    let mut edge_bylines = Vec::new();
    if let Some(choice) = choice {
        let container = &dom.rows[choice.index];
        blocks = emit::blocks(&dom, choice.index, base);
        listing = is_listing(&blocks, container.link_chars, container.chars);
        method = choice.method;
        let headings = page_headings(&dom);
        edge_bylines = trim::clean(
            &mut blocks,
            &trim::Context {
                title: metadata.title.as_deref(),
                headings: &headings,
                bylines: &metadata.byline_texts,
            },
        );
    }
    let dom_chars: usize = blocks
        .iter()
        .filter(|b| !matches!(b.kind, BlockKind::Figure { .. }))
        .map(|b| b.plain_text().len())
        .sum();
    if let Some(json_ld) = metadata.json_ld_body.as_deref()
        && let Some(json_blocks) = json_ld_blocks(json_ld)
    {
        let json_chars: usize = json_blocks.iter().map(|b| b.plain_text().len()).sum();
        // The JSON-LD text is flat; the document's blocks keep structure and
        // links, so they win unless they hold much less text.
        if dom_chars * 2 < json_chars {
            return Body {
                blocks: json_blocks,
                method: "json_ld",
                page_has_text,
                note: None,
                bylines: edge_bylines,
            };
        }
    }
    if listing {
        return Body {
            blocks: Vec::new(),
            method: "none",
            page_has_text,
            note: Some("the page reads as a list of links to articles, not an article".to_owned()),
            bylines: Vec::new(),
        };
    }
    if blocks.is_empty() {
        return Body {
            blocks,
            method: "none",
            page_has_text,
            note: Some("no element of the page reads as an article".to_owned()),
            bylines: Vec::new(),
        };
    }
    Body {
        blocks,
        method,
        page_has_text,
        note: None,
        bylines: edge_bylines,
    }
}

/// Whether the chosen container is an index of other pages: many links
/// around short blocks of text, where an article has long paragraphs.
fn is_listing(blocks: &[Block], link_chars: u32, chars: u32) -> bool {
    let texts: Vec<usize> = blocks
        .iter()
        .filter(|b| !matches!(b.kind, BlockKind::Figure { .. }))
        .map(|b| b.plain_text().chars().count())
        .collect();
    if texts.len() < 6 || chars == 0 {
        return false;
    }
    let mean = texts.iter().sum::<usize>() / texts.len();
    let longest = texts.iter().copied().max().unwrap_or(0);
    link_chars * 10 > chars * 4 && mean < 120 && longest < 250
}

/// Texts of the page's `<h1>` elements, short ones only.
fn page_headings(dom: &dom::Dom<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, row) in dom.rows.iter().enumerate() {
        if row.tag == dom::Tag::Heading(1) && row.chars < 300 {
            let mut text = String::new();
            for r in &dom.rows[i + 1..row.end as usize] {
                if let dom::Content::Text(t) = r.content {
                    text.push_str(t);
                }
            }
            out.push(text);
            if out.len() >= 4 {
                break;
            }
        }
    }
    out
}

/// Paragraphs of a JSON-LD `articleBody`; `None` when it is too short to
/// be a body.
fn json_ld_blocks(text: &str) -> Option<Vec<Block>> {
    let blocks: Vec<Block> = text
        .split('\n')
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .map(|line| Block {
            kind: BlockKind::Paragraph,
            inlines: vec![Inline::Text(line)],
        })
        .collect();
    let chars: usize = blocks.iter().map(|b| b.plain_text().len()).sum();
    (chars >= 200).then_some(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Selector;

    fn body_text(html: &str, metadata: &Metadata) -> Vec<String> {
        let doc = Html::parse_document(html);
        extract(&doc, metadata, None)
            .blocks
            .iter()
            .filter(|b| !matches!(b.kind, BlockKind::Figure { .. }))
            .map(Block::plain_text)
            .collect()
    }

    /// The shape of the page that started the project: breadcrumb, title,
    /// byline with a section label, body, credit line, syndication footer
    /// and a comment widget.
    const SEED_SHAPE: &str = r#"<html><head><title>Harbour town opens new ferry line</title></head>
<body>
<div class="breadcrumbs"><a href="/">Current News</a> / <a href="/">Example Wire</a></div>
<div id="main">
  <h1>Harbour town opens new ferry line</h1>
  <div class="byline">Ann Writer, Example News on <span>Published in News &amp; Features</span></div>
  <div class="story">
    <p>The harbour town of Westhaven opened a ferry line on Monday, linking its old port with the island villages for the first time in forty years.</p>
    <p>Officials said the boats would run every two hours in summer and twice a day in winter, weather permitting, with fares held at the level of the bus.</p>
    <p>"We waited a long time for this," said a fisherman who has crossed the strait in his own boat since he was a boy, adding that the new line would help older islanders.</p>
    <p>The project cost about twelve million, most of it paid by the region, and was delayed twice by storms that damaged the new pier.</p>
    <p>With assistance from Bo Helper.</p>
    <p>©2025 Example News L.P. Visit examplenews.test. Distributed by Example Content Agency, LLC.</p>
  </div>
  <div class="comments-area"><h3>Comments</h3><div id="disqus_thread">blog comments powered by Disqus</div></div>
</div>
<div class="footer"><a href="/about">About</a> <a href="/privacy">Privacy</a></div>
</body></html>"#;

    #[test]
    fn seed_shape_keeps_article_paragraphs_and_credit_line_only() {
        let metadata = Metadata {
            title: Some("Harbour town opens new ferry line".into()),
            ..Metadata::default()
        };
        let text = body_text(SEED_SHAPE, &metadata);
        assert_eq!(text.len(), 5, "{text:#?}");
        assert!(text[0].starts_with("The harbour town of Westhaven"));
        assert!(text[3].starts_with("The project cost"));
        assert_eq!(text[4], "With assistance from Bo Helper.");
    }

    #[test]
    fn json_ld_body_replaces_a_poor_document_body() {
        let metadata = Metadata {
            json_ld_body: Some(
                "First paragraph of the full text, which the page only shows in part.\n\
                 Second paragraph, long enough with the first to count as a body of text, \
                 and then some more words so that it clearly passes the minimum length.\n\
                 Third paragraph: the page hid it behind a wall, the structured data did not."
                    .into(),
            ),
            ..Metadata::default()
        };
        let html = "<body><article><p>First paragraph of the full text, which the page only shows in part.</p>\
                    <p>Subscribe to read on, it is only one click and a small monthly fee.</p></article></body>";
        let doc = Html::parse_document(html);
        let body = extract(&doc, &metadata, None);
        assert_eq!(body.method, "json_ld");
        assert_eq!(body.blocks.len(), 3);
    }

    #[test]
    fn index_page_has_no_article() {
        let links: String = (0..30)
            .map(|i| format!("<li><a href='/story/{i}'>Headline number {i} of the day</a></li>"))
            .collect();
        let html = format!("<body><nav><a href=/>Home</a></nav><ul>{links}</ul></body>");
        let doc = Html::parse_document(&html);
        let body = extract(&doc, &Metadata::default(), None);
        assert!(body.blocks.is_empty());
        assert!(body.page_has_text);
        assert!(body.note.is_some());
    }

    #[test]
    fn teaser_listing_has_no_article() {
        let items: String = (0..20)
            .map(|i| {
                format!(
                    "<div class=item><a href='/story/{i}'>Headline number {i} of the day</a>\
                     <span>A short teaser, just one line of it.</span></div>"
                )
            })
            .collect();
        let html = format!("<body><div id=list>{items}</div></body>");
        let doc = Html::parse_document(&html);
        let body = extract(&doc, &Metadata::default(), None);
        assert!(body.blocks.is_empty(), "{:?}", body.blocks.first());
        assert!(body.note.unwrap().contains("list of links"));
    }

    #[test]
    fn hundred_thousand_nested_divs_finish() {
        // Built node by node: the HTML parser's own cost on such input is
        // quadratic and not what this test is about.
        let mut doc = Html::parse_document(
            "<html><body><div><p>Deep text, at the bottom of it all.</p></div></body></html>",
        );
        let div = doc
            .select(&Selector::parse("div").unwrap())
            .next()
            .unwrap()
            .id();
        let p = doc
            .select(&Selector::parse("p").unwrap())
            .next()
            .unwrap()
            .id();
        let template = doc.tree.get(div).unwrap().value().clone();
        let mut at = div;
        for _ in 0..100_000 {
            at = doc.tree.get_mut(at).unwrap().append(template.clone()).id();
        }
        doc.tree.get_mut(at).unwrap().append_id(p);
        let body = extract(&doc, &Metadata::default(), None);
        assert!(body.page_has_text);
        let rendered = crate::extract::render::render(&body.blocks, None, true);
        assert!(rendered.html.len() < 10_000);
    }
}
