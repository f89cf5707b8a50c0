//! Rendering of body blocks to plain text, sanitized HTML and Markdown.
//!
//! The blocks already hold collapsed whitespace and absolute URLs; this
//! module only lays them out. Plain text leaves figures out (a caption is
//! not article prose), HTML and Markdown keep them. The HTML is built from
//! escaped text and checked URLs, then passed through ammonia all the same,
//! so no markup from the page can reach the output unsanitized.

use std::fmt::Write as _;

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
    Rendered {
        text: text(blocks),
        html: html(blocks, base),
        markdown: markdown.then(|| to_markdown(blocks)),
    }
}

/// Plain text: one block per paragraph, a blank line between blocks.
fn text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        if matches!(block.kind, BlockKind::Figure { .. }) {
            continue;
        }
        let plain = block.plain_text();
        let plain = plain.trim();
        if plain.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(plain);
    }
    out
}

/// What kind of container is open around the blocks being written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Group {
    None,
    List,
    Quote,
    Table,
}

/// HTML: one element per block, list items, quotes and table rows grouped
/// into their containers, then sanitized.
fn html(blocks: &[Block], base: Option<&Url>) -> String {
    let mut out = String::new();
    // Open lists as (ordered) from the outermost in.
    let mut lists: Vec<bool> = Vec::new();
    let mut group = Group::None;
    for block in blocks {
        let wanted = match block.kind {
            BlockKind::ListItem { .. } => Group::List,
            BlockKind::Quote => Group::Quote,
            BlockKind::TableRow { .. } => Group::Table,
            _ => Group::None,
        };
        if wanted != group || wanted == Group::List {
            match group {
                Group::List if wanted != Group::List => close_lists(&mut out, &mut lists, 0),
                Group::Quote => out.push_str("</blockquote>"),
                Group::Table => out.push_str("</table>"),
                _ => {}
            }
            match wanted {
                Group::Quote if group != Group::Quote => out.push_str("<blockquote>"),
                Group::Table if group != Group::Table => out.push_str("<table>"),
                _ => {}
            }
            group = wanted;
        }
        match &block.kind {
            BlockKind::Paragraph | BlockKind::Quote => {
                out.push_str("<p>");
                inline_html(&mut out, &block.inlines);
                out.push_str("</p>");
            }
            BlockKind::Heading(level) => {
                let level = (*level).clamp(1, 6);
                let _ = write!(out, "<h{level}>");
                inline_html(&mut out, &block.inlines);
                let _ = write!(out, "</h{level}>");
            }
            BlockKind::ListItem { ordered, depth } => {
                let depth = usize::from(*depth) + 1;
                close_lists(&mut out, &mut lists, depth);
                if lists.len() == depth && lists.last() != Some(ordered) {
                    close_lists(&mut out, &mut lists, depth - 1);
                }
                while lists.len() < depth {
                    out.push_str(if *ordered { "<ol>" } else { "<ul>" });
                    lists.push(*ordered);
                }
                out.push_str("<li>");
                inline_html(&mut out, &block.inlines);
                out.push_str("</li>");
            }
            BlockKind::Preformatted => {
                out.push_str("<pre>");
                inline_html(&mut out, &block.inlines);
                out.push_str("</pre>");
            }
            BlockKind::TableRow { header } => {
                let cell = if *header { "th" } else { "td" };
                let _ = write!(out, "<tr><{cell}>");
                for inline in &block.inlines {
                    if *inline == Inline::CellBreak {
                        let _ = write!(out, "</{cell}><{cell}>");
                    } else {
                        inline_html(&mut out, std::slice::from_ref(inline));
                    }
                }
                let _ = write!(out, "</{cell}></tr>");
            }
            BlockKind::Figure { src, alt } => {
                out.push_str("<figure><img src=\"");
                out.push_str(&escape(src));
                out.push_str("\" alt=\"");
                out.push_str(&escape(alt));
                out.push_str("\">");
                if !block.inlines.is_empty() {
                    out.push_str("<figcaption>");
                    inline_html(&mut out, &block.inlines);
                    out.push_str("</figcaption>");
                }
                out.push_str("</figure>");
            }
        }
    }
    match group {
        Group::List => close_lists(&mut out, &mut lists, 0),
        Group::Quote => out.push_str("</blockquote>"),
        Group::Table => out.push_str("</table>"),
        Group::None => {}
    }
    if out.is_empty() {
        return out;
    }
    // Every URL in the blocks is absolute already (targets that could not
    // be resolved were dropped), so the shared cleaner needs no base.
    let _ = base;
    CLEANER.clean(&out).to_string()
}

/// The sanitizer, built once: building one allocates its tag and
/// attribute tables, which costs more than cleaning a short body.
static CLEANER: std::sync::LazyLock<ammonia::Builder<'static>> =
    std::sync::LazyLock::new(ammonia::Builder::default);

fn close_lists(out: &mut String, lists: &mut Vec<bool>, keep: usize) {
    while lists.len() > keep {
        let ordered = lists.pop().unwrap_or(false);
        out.push_str(if ordered { "</ol>" } else { "</ul>" });
    }
}

fn inline_html(out: &mut String, inlines: &[Inline]) {
    for inline in inlines {
        match inline {
            Inline::Text(t) => out.push_str(&escape(t)),
            Inline::Emphasis(t) => {
                let _ = write!(out, "<em>{}</em>", escape(t));
            }
            Inline::Strong(t) => {
                let _ = write!(out, "<strong>{}</strong>", escape(t));
            }
            Inline::Code(t) => {
                let _ = write!(out, "<code>{}</code>", escape(t));
            }
            Inline::Link { text, href } => {
                let _ = write!(out, "<a href=\"{}\">{}</a>", escape(href), escape(text));
            }
            Inline::LineBreak => out.push_str("<br>"),
            Inline::CellBreak => out.push(' '),
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Markdown with the same structure as the HTML.
fn to_markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut previous: Option<&BlockKind> = None;
    for block in blocks {
        let tight = matches!(
            (previous, &block.kind),
            (Some(BlockKind::ListItem { .. }), BlockKind::ListItem { .. })
                | (Some(BlockKind::TableRow { .. }), BlockKind::TableRow { .. })
        );
        if !out.is_empty() {
            out.push_str(if tight { "\n" } else { "\n\n" });
        }
        match &block.kind {
            BlockKind::Paragraph => inline_markdown(&mut out, &block.inlines, ""),
            BlockKind::Heading(level) => {
                out.push_str(&"#".repeat(usize::from((*level).clamp(1, 6))));
                out.push(' ');
                inline_markdown(&mut out, &block.inlines, "");
            }
            BlockKind::ListItem { ordered, depth } => {
                out.push_str(&"   ".repeat(usize::from(*depth)));
                out.push_str(if *ordered { "1. " } else { "- " });
                inline_markdown(&mut out, &block.inlines, "   ");
            }
            BlockKind::Quote => {
                out.push_str("> ");
                inline_markdown(&mut out, &block.inlines, "> ");
            }
            BlockKind::Preformatted => {
                out.push_str("```\n");
                out.push_str(block.plain_text().trim_end());
                out.push_str("\n```");
            }
            BlockKind::TableRow { header } => {
                let cells: Vec<String> = block
                    .plain_text()
                    .split('\t')
                    .map(|c| c.replace('|', "\\|").replace('\n', " "))
                    .collect();
                let _ = write!(out, "| {} |", cells.join(" | "));
                if *header {
                    let _ = write!(out, "\n|{}", " --- |".repeat(cells.len()));
                }
            }
            BlockKind::Figure { src, alt } => {
                let _ = write!(out, "![{}]({})", alt.replace(['[', ']'], ""), src);
                if !block.inlines.is_empty() {
                    out.push_str("\n\n*");
                    out.push_str(block.plain_text().trim());
                    out.push('*');
                }
            }
        }
        previous = Some(&block.kind);
    }
    out
}

fn inline_markdown(out: &mut String, inlines: &[Inline], continuation: &str) {
    for inline in inlines {
        match inline {
            Inline::Text(t) => out.push_str(t),
            Inline::Emphasis(t) => wrap(out, t, "*"),
            Inline::Strong(t) => wrap(out, t, "**"),
            Inline::Code(t) => wrap(out, t, "`"),
            Inline::Link { text, href } => {
                let _ = write!(out, "[{}]({})", text.replace(['[', ']'], ""), href);
            }
            Inline::LineBreak => {
                out.push_str("  \n");
                out.push_str(continuation);
            }
            Inline::CellBreak => out.push(' '),
        }
    }
}

/// Wraps text in a Markdown marker, keeping edge spaces outside it
/// (`*word *` is not emphasis).
fn wrap(out: &mut String, text: &str, marker: &str) {
    let inner = text.trim();
    if inner.is_empty() {
        out.push_str(text);
        return;
    }
    if text.starts_with(' ') {
        out.push(' ');
    }
    out.push_str(marker);
    out.push_str(inner);
    out.push_str(marker);
    if text.ends_with(' ') {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(kind: BlockKind, inlines: Vec<Inline>) -> Block {
        Block { kind, inlines }
    }

    fn sample() -> Vec<Block> {
        vec![
            block(BlockKind::Heading(2), vec![Inline::Text("Part one".into())]),
            block(
                BlockKind::Paragraph,
                vec![
                    Inline::Text("Read ".into()),
                    Inline::Link {
                        text: "the report".into(),
                        href: "https://example.test/r".into(),
                    },
                    Inline::Text(", then ".into()),
                    Inline::Strong("act".into()),
                    Inline::Text(".".into()),
                ],
            ),
            block(
                BlockKind::ListItem {
                    ordered: false,
                    depth: 0,
                },
                vec![Inline::Text("one".into())],
            ),
            block(
                BlockKind::ListItem {
                    ordered: false,
                    depth: 0,
                },
                vec![Inline::Text("two <b>".into())],
            ),
            block(
                BlockKind::Figure {
                    src: "https://example.test/a.jpg".into(),
                    alt: "A boat".into(),
                },
                vec![Inline::Text("Caption".into())],
            ),
        ]
    }

    #[test]
    fn text_separates_blocks_with_a_blank_line_and_skips_figures() {
        let r = render(&sample(), None, false);
        assert_eq!(
            r.text,
            "Part one\n\nRead the report, then act.\n\none\n\ntwo <b>"
        );
        assert!(r.markdown.is_none());
    }

    #[test]
    fn html_groups_lists_and_escapes_text() {
        let r = render(&sample(), None, false);
        assert!(
            r.html
                .contains("<ul><li>one</li><li>two &lt;b&gt;</li></ul>")
        );
        assert!(r.html.contains("<h2>Part one</h2>"));
        assert!(r.html.contains("href=\"https://example.test/r\""));
        assert!(r.html.contains("<figure>"));
    }

    #[test]
    fn html_is_sanitized() {
        let blocks = vec![block(
            BlockKind::Paragraph,
            vec![Inline::Link {
                text: "x".into(),
                href: "javascript:alert(1)".into(),
            }],
        )];
        let r = render(&blocks, None, false);
        assert!(!r.html.contains("javascript"));
    }

    #[test]
    fn markdown_keeps_structure() {
        let r = render(&sample(), None, true);
        let md = r.markdown.unwrap();
        assert!(md.starts_with(
            "## Part one\n\nRead [the report](https://example.test/r), then **act**."
        ));
        assert!(md.contains("- one\n- two <b>"));
        assert!(md.contains("![A boat](https://example.test/a.jpg)"));
    }
}
