//! Character decoding of raw page bytes.
//!
//! The order follows what browsers do, with one correction for a common lie:
//! a byte-order mark wins, then the HTTP charset, then a `<meta>` declaration
//! in the first bytes of the document, then detection with `chardetng`.
//! A declared legacy single-byte charset on bytes that are valid UTF-8 with
//! non-ASCII text is overridden to UTF-8, since the declaration is then
//! almost always a template default.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};

/// How far into the document `<meta charset>` is looked for.
const PRESCAN_BYTES: usize = 4096;

/// Text decoded from a page, with the encoding used.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The document as Unicode text, BOM removed.
    pub text: Cow<'a, str>,
    /// The encoding the bytes were read with.
    pub encoding: &'static Encoding,
}

/// Decodes page bytes to text; never fails (malformed sequences become U+FFFD).
pub fn decode<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> Decoded<'a> {
    let encoding = sniff(bytes, http_charset);
    let (text, _) = encoding.decode_with_bom_removal(bytes);
    Decoded { text, encoding }
}

/// Chooses the encoding of a document.
pub fn sniff(bytes: &[u8], http_charset: Option<&str>) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding;
    }
    let declared = http_charset
        .and_then(|label| Encoding::for_label(label.trim().trim_matches('"').as_bytes()))
        .or_else(|| meta_charset(&bytes[..bytes.len().min(PRESCAN_BYTES)]))
        .map(|e| e.output_encoding());
    let is_utf8 = std::str::from_utf8(bytes).is_ok();
    match declared {
        Some(encoding) if encoding == UTF_8 => UTF_8,
        Some(encoding) if is_utf8 && !bytes.is_ascii() && encoding.is_single_byte() => UTF_8,
        Some(encoding) => encoding,
        None if is_utf8 => UTF_8,
        None => {
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            detector.feed(bytes, true);
            detector.guess(None, chardetng::Utf8Detection::Allow)
        }
    }
}

/// Finds `<meta charset=...>` or `<meta http-equiv=content-type content="...; charset=...">`
/// in the first bytes of a document.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let start = from + pos;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(at) = find(tag, b"charset") {
            let rest = &tag[at + b"charset".len()..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let label_end = rest
                    .iter()
                    .position(|&b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>'))
                    .unwrap_or(rest.len());
                if let Some(encoding) = Encoding::for_label(&rest[..label_end]) {
                    // A page cannot declare UTF-16 in its own bytes; browsers read that as UTF-8.
                    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
                        return Some(UTF_8);
                    }
                    return Some(encoding);
                }
            }
        }
        from = end.min(lower.len());
        if from >= lower.len() {
            break;
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[skip..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_wins_over_everything() {
        let bytes = b"\xEF\xBB\xBF<meta charset=shift_jis>hi";
        assert_eq!(sniff(bytes, Some("iso-8859-1")), UTF_8);
    }

    #[test]
    fn http_charset_beats_meta() {
        let bytes = b"<meta charset=shift_jis><p>\xe9t\xe9";
        assert_eq!(sniff(bytes, Some("windows-1252")).name(), "windows-1252");
    }

    #[test]
    fn meta_charset_is_read() {
        let bytes = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"></head><body>\xcf\xf0\xe8\xe2\xe5\xf2";
        let decoded = decode(bytes, None);
        assert_eq!(decoded.encoding.name(), "windows-1251");
        assert!(decoded.text.ends_with("Привет"));
    }

    #[test]
    fn shift_jis_is_detected_without_declaration() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS
            .encode("<p>日本語のテキストです。これは記事の本文です。東京都の天気は晴れです。</p>");
        let decoded = decode(&bytes, None);
        assert_eq!(decoded.encoding, encoding_rs::SHIFT_JIS);
        assert!(decoded.text.contains("東京都"));
    }

    #[test]
    fn gb18030_declared_in_meta() {
        let (bytes, _, _) =
            encoding_rs::GB18030.encode("<meta charset=\"gb2312\"><p>中文新闻报道</p>");
        let decoded = decode(&bytes, None);
        assert!(decoded.text.contains("中文新闻报道"));
    }

    #[test]
    fn utf8_bytes_beat_a_latin1_template_default() {
        let bytes = "<meta charset=iso-8859-1><p>café</p>".as_bytes();
        assert_eq!(sniff(bytes, None), UTF_8);
    }

    /// Encodes a small page in `encoding`, with or without a declaration,
    /// and checks that decoding gives the text back.
    fn round_trip(encoding: &'static Encoding, label: Option<&str>, body: &str) {
        let head = label.map_or(String::new(), |l| format!("<meta charset=\"{l}\">"));
        let page =
            format!("<html><head>{head}<title>t</title></head><body><p>{body}</p></body></html>");
        let (bytes, _, unmappable) = encoding.encode(&page);
        assert!(
            !unmappable,
            "test text must be encodable in {}",
            encoding.name()
        );
        let decoded = decode(&bytes, None);
        // Undetected siblings that decode these texts identically (ISO-8859-7
        // read as windows-1253) are fine; the text is what matters.
        if label.is_some() {
            assert_eq!(decoded.encoding, encoding, "label {label:?}");
        }
        assert!(
            decoded.text.contains(body),
            "{} read as {}",
            encoding.name(),
            decoded.encoding.name()
        );
    }

    const JA: &str = "東京都は月曜日、新しい防災計画を発表した。計画では、地震や台風に備えて避難所の数を増やし、住民への情報提供を強化する。担当者は「早めの準備が大切だ」と話している。";
    const ZH: &str = "市政府周一公布了新的防灾计划。计划提出增加避难场所数量，并加强对居民的信息服务。负责人表示，提前做好准备非常重要，各区将在下个月开展演练。";
    const RU: &str = "Правительство в среду утвердило новые правила строительства жилья, которые вступят в силу со следующего года. Министерство заявило, что изменения коснутся всех регионов страны.";
    const PL: &str = "Rząd przyjął w środę nowe przepisy dotyczące budownictwa mieszkaniowego, które wejdą w życie od przyszłego roku. Ministerstwo poinformowało, że zmiany obejmą wszystkie województwa, a gminy otrzymają dodatkowe środki.";
    const FR: &str = "Le gouvernement a adopté mercredi de nouvelles règles pour la construction de logements, qui entreront en vigueur l'année prochaine. Le ministère a précisé que toutes les régions étaient concernées, même les départements d'outre-mer.";
    const EL: &str = "Η κυβέρνηση ενέκρινε την Τετάρτη νέους κανόνες για την κατασκευή κατοικιών, οι οποίοι θα ισχύσουν από το επόμενο έτος. Το υπουργείο ανέφερε ότι οι αλλαγές αφορούν όλες τις περιφέρειες της χώρας.";

    #[test]
    fn declared_legacy_encodings_round_trip() {
        round_trip(encoding_rs::SHIFT_JIS, Some("shift_jis"), JA);
        round_trip(encoding_rs::EUC_JP, Some("euc-jp"), JA);
        round_trip(encoding_rs::GB18030, Some("gb18030"), ZH);
        round_trip(encoding_rs::GBK, Some("gbk"), ZH);
        round_trip(encoding_rs::WINDOWS_1251, Some("windows-1251"), RU);
        round_trip(encoding_rs::KOI8_R, Some("koi8-r"), RU);
        round_trip(encoding_rs::ISO_8859_2, Some("iso-8859-2"), PL);
        round_trip(encoding_rs::ISO_8859_7, Some("iso-8859-7"), EL);
        // `iso-8859-1` is an alias of windows-1252 in browsers and here.
        round_trip(encoding_rs::WINDOWS_1252, Some("iso-8859-1"), FR);
    }

    #[test]
    fn undeclared_legacy_encodings_are_detected() {
        round_trip(encoding_rs::SHIFT_JIS, None, JA);
        round_trip(encoding_rs::GBK, None, ZH);
        round_trip(encoding_rs::WINDOWS_1251, None, RU);
        round_trip(encoding_rs::ISO_8859_2, None, PL);
        round_trip(encoding_rs::WINDOWS_1252, None, FR);
        round_trip(encoding_rs::ISO_8859_7, None, EL);
    }

    #[test]
    fn invalid_bytes_do_not_panic() {
        let decoded = decode(&[0xff, 0xfe, 0x00, 0xc3], None);
        assert!(!decoded.text.is_empty());
    }
}
