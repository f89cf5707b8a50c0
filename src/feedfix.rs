//! Repairs of feed bodies as they are found in the wild, before and after a
//! first parse. Pure: bytes in, bytes out, no I/O.
//!
//! Feed readers meet the same breakage again and again, and a strict XML
//! parser refuses all of it:
//! - a gzip file served without `Content-Encoding` (a static `feed.xml.gz`);
//! - text in windows-1252 or another legacy charset with no declaration (or
//!   a false `utf-8` one);
//! - bare ampersands ("Tom & Jerry"), HTML entities that XML does not know
//!   (`&eacute;`, `&nbsp;`), and control characters XML forbids;
//! - a body cut short after some complete items;
//! - a JSON Feed whose item ids are numbers, not strings.
//!
//! [`prepare`] applies the repairs that cannot change a well-formed feed's
//! meaning; [`salvage`] is tried only when the parser still refuses.

use std::borrow::Cow;
use std::io::Read;

use markup5ever::data::NAMED_ENTITIES;

/// The entities XML itself defines; kept as written.
const XML_ENTITIES: [&[u8]; 5] = [b"amp", b"lt", b"gt", b"quot", b"apos"];

/// Longest entity name looked up (the longest HTML name has 31 letters).
const MAX_ENTITY_NAME: usize = 32;

/// Makes a feed body parseable where that is safe. `charset` is the HTTP
/// charset, if any; `max_bytes` caps an inflated gzip body. Returns the
/// body and the repairs made, for the log.
pub fn prepare<'a>(
    bytes: &'a [u8],
    charset: Option<&str>,
    max_bytes: usize,
) -> (Cow<'a, [u8]>, Vec<&'static str>) {
    let mut repairs = Vec::new();
    let mut body: Cow<'a, [u8]> = Cow::Borrowed(bytes);
    if body.starts_with(&[0x1f, 0x8b]) {
        // Binary either way: inflated within the cap, else left for the
        // parser to refuse.
        match gunzip(&body, max_bytes) {
            Some(inflated) => {
                body = Cow::Owned(inflated);
                repairs.push("gzip body without Content-Encoding inflated");
            }
            None => return (body, repairs),
        }
    }
    if looks_like_json(&body) || utf16(&body) {
        return (body, repairs);
    }
    if let Some(text) = transcode(&body, charset) {
        body = Cow::Owned(text);
        repairs.push("undeclared legacy charset converted to UTF-8");
    }
    if let Some(fixed) = fix_markup(&body) {
        body = Cow::Owned(fixed);
        repairs.push("bare ampersands, HTML entities or control characters fixed");
    }
    (body, repairs)
}

/// A second chance for a body the parser refused: a JSON Feed with
/// non-string ids, or XML cut short after complete items. `None` when no
/// repair applies.
pub fn salvage(bytes: &[u8]) -> Option<(Vec<u8>, &'static str)> {
    if looks_like_json(bytes) {
        return json_ids_as_strings(bytes).map(|b| (b, "non-string JSON Feed ids read as strings"));
    }
    close_truncated(bytes).map(|b| (b, "feed cut short: read up to its last complete item"))
}

fn looks_like_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// UTF-16 with a byte-order mark; left to the parser, which reads it.
fn utf16(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff])
}

fn gunzip(bytes: &[u8], max_bytes: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX);
    let mut reader = flate2::read::MultiGzDecoder::new(bytes).take(limit.saturating_add(1));
    reader.read_to_end(&mut out).ok()?;
    (out.len() <= max_bytes && !out.is_empty()).then_some(out)
}

/// The encoding the XML declaration names, lowercased, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &bytes[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = memchr::memmem::find(head, b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")? + "encoding".len();
    let rest = decl[at..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].trim().to_ascii_lowercase())
}

/// UTF-8 text for a body that is not valid UTF-8 although nothing declares
/// another charset (or the declaration says UTF-8). Mostly-UTF-8 text with
/// a few broken bytes keeps its UTF-8 and gets replacement characters;
/// otherwise the HTTP charset, else a guess, decodes it.
fn transcode(bytes: &[u8], charset: Option<&str>) -> Option<Vec<u8>> {
    if let Some(declared) = declared_encoding(bytes)
        && !matches!(declared.as_str(), "utf-8" | "utf8")
    {
        return None;
    }
    if std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    let has_utf8_sequences = bytes.utf8_chunks().any(|chunk| !chunk.valid().is_ascii());
    let encoding = if has_utf8_sequences {
        encoding_rs::UTF_8
    } else {
        charset
            .and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes()))
            .filter(|e| *e != encoding_rs::UTF_8)
            .unwrap_or_else(|| {
                let mut detector =
                    chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
                detector.feed(bytes, true);
                detector.guess(None, chardetng::Utf8Detection::Deny)
            })
    };
    let (text, _, _) = encoding.decode(bytes);
    Some(text.into_owned().into_bytes())
}

/// Escapes bare ampersands, turns HTML named entities into numeric
/// references and drops control characters XML forbids, outside CDATA
/// sections, comments and processing instructions. Works on the bytes of
/// any ASCII-compatible encoding. `None` when nothing needed fixing.
fn fix_markup(bytes: &[u8]) -> Option<Vec<u8>> {
    // Copied only from the first fix on: a well-formed feed costs one scan.
    let mut fixed = Fixed {
        bytes,
        out: None,
        copied: 0,
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let rest = &bytes[i..];
                if let Some(len) = unparsed_len(rest, false) {
                    i += len;
                    continue;
                }
                // "a < b", "I <3 it": a `<` that starts no tag is text.
                if !rest.get(1).is_some_and(|&c| starts_markup(c)) {
                    fixed.replace(i, 1, b"&lt;");
                }
                i += 1;
            }
            b'&' => match reference(&bytes[i + 1..]) {
                Reference::Keep(len) => i += len + 1,
                Reference::Named(len, first, second) => {
                    let mut text = format!("&#{first};");
                    if second != 0 {
                        text.push_str(&format!("&#{second};"));
                    }
                    fixed.replace(i, len + 1, text.as_bytes());
                    i += len + 1;
                }
                Reference::Bare => {
                    fixed.replace(i, 1, b"&amp;");
                    i += 1;
                }
            },
            b if is_forbidden_control(b) => {
                fixed.replace(i, 1, b"");
                i += 1;
            }
            _ => i += 1,
        }
    }
    let mut out = fixed.out?;
    out.extend_from_slice(&bytes[fixed.copied..]);
    Some(out)
}

/// A copy of `bytes` with replacements, made only once one is needed.
struct Fixed<'a> {
    bytes: &'a [u8],
    out: Option<Vec<u8>>,
    /// `bytes[..copied]` is in `out` already (or needed no copy).
    copied: usize,
}

impl Fixed<'_> {
    /// Replaces `len` bytes at `at` with `with`.
    fn replace(&mut self, at: usize, len: usize, with: &[u8]) {
        let out = self
            .out
            .get_or_insert_with(|| Vec::with_capacity(self.bytes.len() + 64));
        out.extend_from_slice(&self.bytes[self.copied..at]);
        out.extend_from_slice(with);
        self.copied = at + len;
    }
}

/// Whether a byte after `<` can start a tag, an end tag, a comment, a
/// declaration or a processing instruction (non-ASCII bytes may start a
/// name).
fn starts_markup(b: u8) -> bool {
    b.is_ascii_alphabetic() || matches!(b, b'_' | b':' | b'/' | b'!' | b'?') || b >= 0x80
}

/// Control characters XML 1.0 does not allow (tab, newline and carriage
/// return are allowed).
fn is_forbidden_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

enum Reference {
    /// A numeric or XML reference of this many bytes after the `&`.
    Keep(usize),
    /// An HTML named entity of this many bytes, and its code points.
    Named(usize, u32, u32),
    /// An ampersand that starts no reference.
    Bare,
}

/// What follows an `&`.
fn reference(after: &[u8]) -> Reference {
    if let Some(digits) = after.strip_prefix(b"#") {
        let (hex, digits) = match digits.first() {
            Some(b'x' | b'X') => (true, &digits[1..]),
            _ => (false, digits),
        };
        let n = digits
            .iter()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if n > 0 && digits.get(n) == Some(&b';') {
            return Reference::Keep(1 + usize::from(hex) + n + 1);
        }
        return Reference::Bare;
    }
    let n = after
        .iter()
        .take(MAX_ENTITY_NAME)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if n == 0 || after.get(n) != Some(&b';') {
        return Reference::Bare;
    }
    let name = &after[..n];
    if XML_ENTITIES.contains(&name) {
        return Reference::Keep(n + 1);
    }
    let key = std::str::from_utf8(&after[..=n]).unwrap_or_default();
    match NAMED_ENTITIES.get(key) {
        Some(&(first, second)) => Reference::Named(n + 1, first, second),
        None => Reference::Bare,
    }
}

/// JSON Feed items whose `id` is a number (or another non-string) get it as
/// a string, as the specification asks.
fn json_ids_as_strings(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let items = value.get_mut("items")?.as_array_mut()?;
    let mut changed = false;
    for item in items {
        if let Some(id) = item.get_mut("id")
            && !id.is_string()
        {
            let text = match &*id {
                serde_json::Value::Null => String::new(),
                serde_json::Value::Number(n) => n.to_string(),
                other => other.to_string(),
            };
            *id = serde_json::Value::String(text);
            changed = true;
        }
    }
    changed.then(|| serde_json::to_vec(&value).ok()).flatten()
}

/// XML cut after some complete items: everything up to the last closed
/// `item` or `entry`, then the closing tags of the elements still open.
fn close_truncated(bytes: &[u8]) -> Option<Vec<u8>> {
    let last_end = [b"</item>".as_slice(), b"</entry>".as_slice()]
        .iter()
        .filter_map(|tag| memchr::memmem::rfind(bytes, tag).map(|at| at + tag.len()))
        .max()?;
    // A document whose root element closes was not cut short.
    if bytes[last_end..].iter().all(u8::is_ascii_whitespace) || open_elements(bytes).is_empty() {
        return None;
    }
    let kept = &bytes[..last_end];
    let mut out = kept.to_vec();
    for name in open_elements(kept).iter().rev() {
        out.extend_from_slice(b"</");
        out.extend_from_slice(name);
        out.push(b'>');
    }
    Some(out)
}

/// The length of the CDATA section, comment or processing instruction that
/// `rest` starts with (with `declarations`, also `<!DOCTYPE ...>` and the
/// like), to the end of `rest` when it is not closed; `None` for anything
/// else. Their text is neither markup nor subject to the repairs.
fn unparsed_len(rest: &[u8], declarations: bool) -> Option<usize> {
    let close: &[u8] = if rest.starts_with(b"<![CDATA[") {
        b"]]>"
    } else if rest.starts_with(b"<!--") {
        b"-->"
    } else if rest.starts_with(b"<?") {
        b"?>"
    } else if declarations && rest.starts_with(b"<!") {
        b">"
    } else {
        return None;
    };
    Some(memchr::memmem::find(&rest[2..], close).map_or(rest.len(), |at| at + 2 + close.len()))
}

/// The elements still open at the end of `bytes`, outermost first; a rough
/// scan that is enough for the few levels above a feed's items.
fn open_elements(bytes: &[u8]) -> Vec<&[u8]> {
    let mut open: Vec<&[u8]> = Vec::new();
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'<', &bytes[i..]) {
        let tag = &bytes[i + at..];
        let Some(end) = memchr::memchr(b'>', tag) else {
            break;
        };
        if let Some(len) = unparsed_len(tag, true) {
            i += at + len;
            continue;
        }
        let inner = &tag[1..end];
        if let Some(name) = inner.strip_prefix(b"/") {
            let name = name.trim_ascii();
            if let Some(pos) = open.iter().rposition(|n| *n == name) {
                open.truncate(pos);
            }
        } else if !inner.ends_with(b"/") {
            let len = inner
                .iter()
                .position(|b| b.is_ascii_whitespace())
                .unwrap_or(inner.len());
            if len > 0 {
                open.push(&inner[..len]);
            }
        }
        i += at + end + 1;
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(input: &[u8]) -> String {
        String::from_utf8(prepare(input, None, 1 << 20).0.into_owned()).unwrap()
    }

    #[test]
    fn ampersands_entities_and_controls_are_fixed_outside_cdata() {
        let input =
            b"<t>Tom & Jerry <3 &eacute;t&eacute; &amp; &#233; &#xE9; &nbsp;&bogus; \x01x</t>\
                      <d><![CDATA[a & b &eacute;]]></d><!-- & -->";
        assert_eq!(
            prepared(input),
            "<t>Tom &amp; Jerry &lt;3 &#233;t&#233; &amp; &#233; &#xE9; &#160;&amp;bogus; x</t>\
             <d><![CDATA[a & b &eacute;]]></d><!-- & -->"
        );
        // Well-formed input is not copied.
        let clean = b"<t>Tom &amp; Jerry</t>";
        assert!(matches!(prepare(clean, None, 1 << 20).0, Cow::Borrowed(_)));
    }

    #[test]
    fn undeclared_legacy_charsets_become_utf8_and_declared_ones_stay() {
        let cp1252 = b"<rss><title>Caf\xe9 \x93quoted\x94</title></rss>";
        assert_eq!(prepared(cp1252), "<rss><title>Café “quoted”</title></rss>");
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Caf\xe9</t>";
        assert_eq!(prepare(latin1, None, 1 << 20).0.as_ref(), latin1.as_slice());
        // Mostly UTF-8 with one stray byte stays UTF-8.
        let stray = "<t>Crème brûlée \u{2014} </t>"
            .as_bytes()
            .iter()
            .chain(b"\xff")
            .copied()
            .collect::<Vec<u8>>();
        assert!(prepared(&stray).starts_with("<t>Crème brûlée \u{2014} </t>"));
        // The HTTP charset decides when it names one.
        let koi8 = b"<t>\xf0\xd2\xc9\xd7\xc5\xd4</t>";
        let (body, _) = prepare(koi8, Some("koi8-r"), 1 << 20);
        assert_eq!(std::str::from_utf8(&body).unwrap(), "<t>Привет</t>");
    }

    #[test]
    fn gzip_without_content_encoding_is_inflated_within_the_cap() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"<rss>zipped</rss>").unwrap();
        let gz = encoder.finish().unwrap();
        assert_eq!(prepared(&gz), "<rss>zipped</rss>");
        let (body, _) = prepare(&gz, None, 5);
        assert_eq!(body.as_ref(), gz.as_slice(), "over the cap: left alone");
    }

    #[test]
    fn salvage_reads_numeric_json_ids_and_truncated_xml() {
        let json =
            br#"{"version":"https://jsonfeed.org/version/1.1","items":[{"id":7,"title":"x"}]}"#;
        let (fixed, _) = salvage(json).unwrap();
        assert!(String::from_utf8(fixed).unwrap().contains(r#""id":"7""#));
        let cut = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
                    <item><title>A</title></item><item><title>B</ti";
        let (fixed, _) = salvage(cut).unwrap();
        assert_eq!(
            String::from_utf8(fixed).unwrap(),
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
             <item><title>A</title></item></channel></rss>"
        );
        assert!(salvage(b"<rss><channel></channel></rss>").is_none());
        let whole = b"<rss><channel><item><title>A <3</title></item></channel></rss>";
        assert!(salvage(whole).is_none(), "complete documents are not cut");
    }
}
