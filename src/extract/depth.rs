//! A guard against pathologically deep documents, applied before parsing.
//!
//! The HTML tree builder checks "is there an element X in scope" by walking
//! the stack of open elements, so every start tag costs time proportional to
//! the current depth: 100,000 nested `<div>`s take minutes to parse. Browsers
//! cap the depth of the tree they build (Blink at 512); we do the same with a
//! cheap byte scan. Tags that would nest deeper than [`MAX_DEPTH`] are
//! dropped, together with their end tags; their text is kept. Documents that
//! stay under the cap (every real page) are returned untouched, borrowed.

use std::borrow::Cow;

/// Deepest nesting of container elements kept.
pub const MAX_DEPTH: usize = 512;

/// Returns the document with tags nested deeper than `max_depth` removed.
pub fn limit(html: &str, max_depth: usize) -> Cow<'_, str> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    scan(html, |tag| {
        match tag.kind {
            TagKind::Open => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            TagKind::Close => depth = depth.saturating_sub(1),
        }
        true
    });
    if deepest <= max_depth {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut copied = 0;
    let mut depth = 0usize;
    scan(html, |tag| {
        let keep = match tag.kind {
            TagKind::Open => {
                depth += 1;
                depth <= max_depth
            }
            TagKind::Close => {
                let keep = depth <= max_depth;
                depth = depth.saturating_sub(1);
                keep
            }
        };
        if !keep {
            out.push_str(&html[copied..tag.start]);
            copied = tag.end;
        }
        true
    });
    out.push_str(&html[copied..]);
    Cow::Owned(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Open,
    Close,
}

/// A start or end tag of an element that counts towards depth.
struct Tag {
    kind: TagKind,
    start: usize,
    end: usize,
}

/// Calls `visit` for every start and end tag of a depth-counting element,
/// skipping comments, doctypes, raw-text element content (`script`, `style`,
/// ...), void and self-closing elements, and elements whose end tag is
/// optional (`p`, `li`, `td`, ...), which the parser closes by itself.
fn scan(html: &str, mut visit: impl FnMut(Tag) -> bool) {
    let bytes = html.as_bytes();
    let mut at = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        let rest = &bytes[start + 1..];
        match rest.first() {
            Some(b'!') => {
                at = if rest.starts_with(b"!--") {
                    find(bytes, start + 4, b"-->").map_or(bytes.len(), |e| e + 3)
                } else {
                    memchr::memchr(b'>', rest).map_or(bytes.len(), |e| start + 1 + e + 1)
                };
            }
            Some(b'/') => {
                let (name, after) = tag_name(bytes, start + 2);
                let end =
                    memchr::memchr(b'>', &bytes[after..]).map_or(bytes.len(), |e| after + e + 1);
                if counts(name)
                    && !visit(Tag {
                        kind: TagKind::Close,
                        start,
                        end,
                    })
                {
                    return;
                }
                at = end.max(start + 1);
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, after) = tag_name(bytes, start + 1);
                let end = tag_end(bytes, after);
                let self_closing = end >= 2 && bytes[end - 2] == b'/';
                if counts(name)
                    && !self_closing
                    && !visit(Tag {
                        kind: TagKind::Open,
                        start,
                        end,
                    })
                {
                    return;
                }
                at = end;
                if is_raw_text(name) {
                    at = skip_raw_text(bytes, at, name);
                }
            }
            _ => at = start + 1,
        }
    }
}

fn tag_name(bytes: &[u8], from: usize) -> (&[u8], usize) {
    let len = bytes[from.min(bytes.len())..]
        .iter()
        .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'>' | b'/'))
        .count();
    (&bytes[from..from + len], from + len)
}

/// Index just past the `>` that ends a start tag, honouring quoted attribute values.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(offset) = memchr::memchr3(b'>', b'"', b'\'', &bytes[at..]) {
        let found = at + offset;
        match bytes[found] {
            b'>' => return found + 1,
            quote => match memchr::memchr(quote, &bytes[found + 1..]) {
                Some(close) => at = found + 1 + close + 1,
                None => return bytes.len(),
            },
        }
    }
    bytes.len()
}

fn skip_raw_text(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut at = from;
    while let Some(offset) = memchr::memchr(b'<', &bytes[at..]) {
        let lt = at + offset;
        let candidate = &bytes[lt + 1..];
        if candidate.first() == Some(&b'/')
            && candidate.len() > name.len()
            && candidate[1..=name.len()].eq_ignore_ascii_case(name)
        {
            return lt;
        }
        at = lt + 1;
    }
    bytes.len()
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|i| from + i)
}

/// The tag name in lowercase ASCII, if it is short enough to be one of the
/// names matched here (the longest is 9 bytes).
fn lowercase(name: &[u8]) -> Option<([u8; 9], usize)> {
    let mut buffer = [0u8; 9];
    if name.is_empty() || name.len() > buffer.len() {
        return None;
    }
    for (slot, b) in buffer.iter_mut().zip(name) {
        *slot = b.to_ascii_lowercase();
    }
    Some((buffer, name.len()))
}

fn is_raw_text(name: &[u8]) -> bool {
    let Some((buffer, len)) = lowercase(name) else {
        return false;
    };
    matches!(
        &buffer[..len],
        b"script"
            | b"style"
            | b"textarea"
            | b"title"
            | b"xmp"
            | b"iframe"
            | b"noembed"
            | b"noframes"
            | b"plaintext"
    )
}

/// Whether an element's start tag opens a level that only its end tag closes.
fn counts(name: &[u8]) -> bool {
    if name.is_empty() {
        return false;
    }
    let Some((buffer, len)) = lowercase(name) else {
        // Longer than every name below: a custom element, which counts.
        return true;
    };
    // Void elements, elements whose end tag is optional (the parser closes
    // them by itself), and the document's own frame.
    !matches!(
        &buffer[..len],
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"source"
            | b"track"
            | b"wbr"
            | b"param"
            | b"keygen"
            | b"p"
            | b"li"
            | b"dt"
            | b"dd"
            | b"tr"
            | b"td"
            | b"th"
            | b"tbody"
            | b"thead"
            | b"tfoot"
            | b"option"
            | b"optgroup"
            | b"rp"
            | b"rt"
            | b"colgroup"
            | b"caption"
            | b"html"
            | b"head"
            | b"body"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_documents_are_borrowed_unchanged() {
        let html = "<div><p>one<div><span>two</span></div></div><script>if (a<b) {}</script>";
        assert!(matches!(limit(html, 3), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_tags_are_dropped_and_text_kept() {
        let html = "<div><div><div><div>deep</div></div></div></div>after";
        assert_eq!(limit(html, 2), "<div><div>deep</div></div>after");
    }

    #[test]
    fn void_optional_and_self_closing_tags_do_not_count() {
        let html = "<ul><li>a<li>b<li>c</ul><br><img src=x><svg/><p>x";
        assert!(matches!(limit(html, 1), Cow::Borrowed(_)));
    }

    #[test]
    fn script_content_and_comments_are_skipped() {
        let html = "<script>'<div><div><div>'</script><!-- <div><div><div> --><div>x</div>";
        assert!(matches!(limit(html, 1), Cow::Borrowed(_)));
    }

    #[test]
    fn quoted_gt_in_attributes_is_not_a_tag_end() {
        let html = r#"<div title="a>b"><div>x</div></div>"#;
        assert!(matches!(limit(html, 2), Cow::Borrowed(_)));
        assert_eq!(limit(html, 1), r#"<div title="a>b">x</div>"#);
    }

    #[test]
    fn truncated_input_does_not_panic() {
        for html in [
            "<", "</", "<!--", "<div", "<div a='", "<script>", "</div", "<!",
        ] {
            let _ = limit(html, 0);
        }
    }
}
