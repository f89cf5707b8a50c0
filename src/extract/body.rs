//! Main-content detection and cleaning.
//!
//! Output is a flat list of [`Block`]s in reading order; rendering to text,
//! HTML and Markdown is [`super::render`]'s job.

use scraper::{ElementRef, Html, Node};
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
}

/// Finds and cleans the article body of a page.
pub fn extract(document: &Html, metadata: &Metadata, base: Option<&Url>) -> Body {
    let _ = (metadata, base);
    let mut blocks = Vec::new();
    let mut page_has_text = false;
    for node in document.tree.root().descendants() {
        if let Node::Element(el) = node.value()
            && el.name() == "p"
            && let Some(el) = ElementRef::wrap(node)
        {
            let text = el
                .text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if !text.is_empty() {
                page_has_text = true;
                blocks.push(Block {
                    kind: BlockKind::Paragraph,
                    inlines: vec![Inline::Text(text)],
                });
            }
        }
    }
    Body {
        blocks,
        method: "paragraphs",
        page_has_text,
        note: None,
    }
}
