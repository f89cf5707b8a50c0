//! Language tags: normalizing declared tags and detecting the language of
//! text when the page declares none.

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
    fn detects_long_enough_text() {
        let de = "Die Bundesregierung hat am Mittwoch neue Regeln für den Wohnungsbau beschlossen, die ab dem kommenden Jahr gelten sollen.";
        assert_eq!(detect(de).as_deref(), Some("de"));
        assert_eq!(detect("ok").as_deref(), None);
    }
}
