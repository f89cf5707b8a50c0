//! Language tags: normalizing declared tags, detecting the language of
//! text when the page declares none, and overruling a declaration that the
//! text plainly contradicts.
//!
//! A declared tag is trusted over detection, with one exception: when the
//! page's text is written in a script the declared language does not use
//! (an `en` template default on a Russian or Japanese page). Between two
//! languages of the same script the declaration stands: detection on short
//! or mixed texts confuses close languages far more often than sites
//! mislabel them, and for languages the detector does not know (isiXhosa,
//! Swahili) it would only replace one wrong tag with another.

use whatlang::Script;

/// Characters of text looked at for detection; a few thousand decide.
const SAMPLE_CHARS: usize = 3000;
/// Characters looked at to tell the script of a page.
const SCRIPT_SAMPLE_CHARS: usize = 600;
/// Fewer letters than this in the sample and the declaration is not
/// questioned.
const MIN_LETTERS: usize = 100;

/// The page language: the declared tag (page, then HTTP header), unless the
/// text contradicts it by script; detection when nothing is declared.
/// `texts` are the title, description and body, in that order.
pub fn resolve(declared: Option<String>, http: Option<&str>, texts: &[&str]) -> Option<String> {
    let declared = declared.or_else(|| http.and_then(normalize_tag));
    match declared {
        Some(tag) => {
            // The script is plain from a short sample; full detection runs
            // only on the rare contradiction.
            if contradicted(&tag, &sample(texts, SCRIPT_SAMPLE_CHARS))
                && let Some(detected) = detect(&sample(texts, SAMPLE_CHARS))
            {
                return Some(detected);
            }
            Some(tag)
        }
        None => texts
            .iter()
            .rev()
            .find_map(|t| detect(t))
            .or_else(|| detect(&sample(texts, SAMPLE_CHARS))),
    }
}

/// Joins the texts up to `limit` characters.
fn sample(texts: &[&str], limit: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for text in texts {
        for ch in text.chars() {
            if chars >= limit {
                return out;
            }
            out.push(ch);
            chars += 1;
        }
        out.push('\n');
    }
    out
}

/// Whether the sample is mostly in a script the declared language is not
/// written in.
fn contradicted(tag: &str, sample: &str) -> bool {
    let primary = tag.split('-').next().unwrap_or(tag);
    let Some(expected) = scripts_of(primary) else {
        return false;
    };
    if sample.chars().filter(|c| c.is_alphabetic()).count() < MIN_LETTERS {
        return false;
    }
    whatlang::detect_script(sample).is_some_and(|found| !expected.contains(&found))
}

/// The scripts a language is written in, for the languages where that is
/// unambiguous; `None` means "do not judge".
fn scripts_of(primary: &str) -> Option<&'static [Script]> {
    Some(match primary {
        "en" | "de" | "fr" | "es" | "it" | "pt" | "nl" | "sv" | "no" | "nb" | "nn" | "da"
        | "fi" | "pl" | "cs" | "sk" | "sl" | "hr" | "ro" | "hu" | "tr" | "id" | "ms" | "vi"
        | "lt" | "lv" | "et" | "is" | "ga" | "ca" | "eu" | "gl" | "sq" | "af" | "sw" | "zu"
        | "xh" | "tl" => &[Script::Latin],
        "ru" | "uk" | "bg" | "be" | "mk" | "kk" | "ky" | "mn" | "tg" => &[Script::Cyrillic],
        "ar" | "fa" | "ur" | "ps" => &[Script::Arabic],
        "he" | "yi" => &[Script::Hebrew],
        "el" => &[Script::Greek],
        "ko" => &[Script::Hangul],
        "ja" => &[Script::Hiragana, Script::Katakana, Script::Mandarin],
        "zh" => &[Script::Mandarin],
        "th" => &[Script::Thai],
        "hi" | "mr" | "ne" => &[Script::Devanagari],
        "ka" => &[Script::Georgian],
        "hy" => &[Script::Armenian],
        "bn" => &[Script::Bengali],
        _ => return None,
    })
}

/// Normalizes a declared language (`en_US`, `EN-us`, `de`) to BCP 47 form
/// (`en-US`, `de`). Returns `None` for values that are not a language tag.
pub fn normalize_tag(raw: &str) -> Option<String> {
    let raw = raw.split([',', ';']).next()?.trim();
    let mut parts = raw.split(['-', '_']);
    let primary = parts.next()?.to_ascii_lowercase();
    if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut tag = primary;
    if let Some(region) = parts.next()
        && (region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()))
    {
        tag.push('-');
        tag.push_str(&region.to_ascii_uppercase());
    }
    Some(tag)
}

/// Detects the language of a text; `None` when the text is too short or the
/// guess is unreliable.
pub fn detect(text: &str) -> Option<String> {
    // Detection cost grows with the text; a few thousand characters decide.
    let sample = match text.char_indices().nth(4000) {
        Some((at, _)) => &text[..at],
        None => text,
    };
    if sample.chars().filter(|c| c.is_alphabetic()).count() < 20 {
        return None;
    }
    let info = whatlang::detect(sample)?;
    if !info.is_reliable() && info.confidence() < 0.5 {
        return None;
    }
    iso639_1(info.lang()).map(str::to_owned)
}

/// Two-letter ISO 639-1 code for a detected language, where one exists.
fn iso639_1(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang::*;
    Some(match lang {
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "no",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
        Epo => "eo",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_declared_tags() {
        assert_eq!(normalize_tag("en_us").as_deref(), Some("en-US"));
        assert_eq!(normalize_tag("DE").as_deref(), Some("de"));
        assert_eq!(normalize_tag("pt-BR,en").as_deref(), Some("pt-BR"));
        assert_eq!(normalize_tag("zh-Hans-CN").as_deref(), Some("zh"));
        assert_eq!(normalize_tag("").as_deref(), None);
        assert_eq!(normalize_tag("{{lang}}").as_deref(), None);
    }

    #[test]
    fn a_declaration_stands_unless_the_script_contradicts_it() {
        let ru = "Правительство в среду утвердило новые правила строительства жилья, которые вступят в силу со следующего года. Министерство заявило, что изменения коснутся всех регионов страны.";
        assert_eq!(
            resolve(Some("en".to_owned()), None, &["", "", ru]).as_deref(),
            Some("ru")
        );
        // Same script: the declaration is kept even if detection disagrees.
        let de = "Die Bundesregierung hat am Mittwoch neue Regeln für den Wohnungsbau beschlossen, die ab dem kommenden Jahr gelten sollen. Das Ministerium sagte, alle Regionen seien betroffen.";
        assert_eq!(
            resolve(Some("en-US".to_owned()), None, &["", "", de]).as_deref(),
            Some("en-US")
        );
        assert_eq!(
            resolve(None, Some("de-CH"), &["", "", de]).as_deref(),
            Some("de-CH")
        );
        assert_eq!(resolve(None, None, &["", "", de]).as_deref(), Some("de"));
        assert_eq!(resolve(None, None, &["", "", ""]), None);
    }

    #[test]
    fn detects_long_enough_text() {
        let de = "Die Bundesregierung hat am Mittwoch neue Regeln für den Wohnungsbau beschlossen, die ab dem kommenden Jahr gelten sollen.";
        assert_eq!(detect(de).as_deref(), Some("de"));
        assert_eq!(detect("ok").as_deref(), None);
    }
}
