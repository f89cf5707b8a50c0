//! Author names: splitting name lists, cleaning declared names, and reading
//! visible bylines.
//!
//! Declared sources (JSON-LD, `<meta>`, microdata) are trusted as names and
//! only split and cleaned. Visible bylines are text and need more care: the
//! "By" word, dates, "Published ..." lines, a trailing "on" left by a date in
//! another element, and an affiliation after the name ("Jane Roe, Example
//! News") are removed.

/// Words that introduce a byline, in several languages; compared
/// case-insensitively and followed by a space or a colon.
const PREFIXES: [&str; 17] = [
    "written by",
    "posted by",
    "reporting by",
    "words by",
    "story by",
    "by",
    "von",
    "par",
    "por",
    "door",
    "di",
    "av",
    "text",
    "texte",
    "autor",
    "autorin",
    "author",
];

/// Words that separate names in a list, between spaces.
const CONJUNCTIONS: [&str; 9] = ["and", "und", "et", "y", "e", "og", "och", "en", "i"];

/// Job titles and desk labels: a list part made only of these is a role,
/// not a name ("Jane Roe, Staff Writer").
const ROLE_WORDS: [&str; 24] = [
    "staff",
    "writer",
    "reporter",
    "correspondent",
    "editor",
    "contributor",
    "columnist",
    "senior",
    "chief",
    "political",
    "freelance",
    "journalist",
    "contributing",
    "special",
    "associate",
    "deputy",
    "managing",
    "news",
    "sports",
    "business",
    "redakteur",
    "redakteurin",
    "korrespondent",
    "korrespondentin",
];

/// Words that mark the part after a person's name in a visible byline as an
/// affiliation ("Jane Roe, Example News").
const AFFILIATION_WORDS: [&str; 14] = [
    "news", "press", "presse", "agency", "agentur", "media", "times", "post", "journal", "daily",
    "network", "service", "wire", "tribune",
];

/// Lines of a visible byline that start with one of these are dates or
/// chrome, not names.
const STOP_LINES: [&str; 14] = [
    "published",
    "updated",
    "posted",
    "veröffentlicht",
    "aktualisiert",
    "stand",
    "publié",
    "mis à jour",
    "publicado",
    "actualizado",
    "pubblicato",
    "aggiornato",
    "gepubliceerd",
    "last updated",
];

/// Cleans names from a declared source: each value may itself be a list.
pub(super) fn from_declared(values: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for value in values {
        if is_url(value) {
            continue;
        }
        for part in split_list(value) {
            if let Some(name) = clean_name(&part) {
                names.push(name);
            }
        }
    }
    drop_roles_and_dupes(names)
}

/// Reads the names of a visible byline text (lines separated by `\n`);
/// `site_keys` are comparison keys of the site's names, whose mention after
/// a person is an affiliation ("Jane Roe, EXAMPLE RADIO").
pub(super) fn from_byline(text: &str, site_keys: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let lower = line.to_lowercase();
        if STOP_LINES.iter().any(|s| lower.starts_with(s)) {
            // A date line ends the byline.
            if !names.is_empty() {
                break;
            }
            continue;
        }
        let line = cut_trailing(line);
        let parts = split_list(&line);
        let mut line_names: Vec<String> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let Some(name) = clean_name(part) else {
                continue;
            };
            // "Jane Roe, Example News": an organization after a person is
            // the person's affiliation.
            if i > 0 && !line_names.is_empty() && is_affiliation(&name, site_keys) {
                continue;
            }
            if looks_like_person(&name) {
                line_names.push(name);
            }
        }
        if !line_names.is_empty() {
            names.extend(line_names);
            // The first line with names is the byline; later lines are
            // roles, bios or dates.
            break;
        }
    }
    drop_roles_and_dupes(names)
}

/// Splits a list of names on `;`, `|`, `&`, `/`, newlines, conjunctions and
/// commas, keeping a lone "Surname, Given" together.
pub(super) fn split_list(value: &str) -> Vec<String> {
    let mut chunks = vec![String::new()];
    for ch in value.chars() {
        if matches!(ch, ';' | '|' | '&' | '/' | '\n' | '·' | '•') {
            chunks.push(String::new());
        } else if let Some(last) = chunks.last_mut() {
            last.push(ch);
        }
    }
    let mut parts = Vec::new();
    for chunk in chunks {
        let mut current: Vec<&str> = Vec::new();
        let mut pieces: Vec<String> = Vec::new();
        for word in chunk.split_whitespace() {
            if CONJUNCTIONS.contains(&word.to_lowercase().as_str()) && !current.is_empty() {
                pieces.push(current.join(" "));
                current.clear();
            } else {
                current.push(word);
            }
        }
        if !current.is_empty() {
            pieces.push(current.join(" "));
        }
        for piece in pieces {
            if is_inverted(&piece) {
                parts.push(piece);
            } else {
                parts.extend(piece.split(',').map(|p| p.trim().to_owned()));
            }
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// "Roe, Jane": one comma with one word on each side, not an agency code.
fn is_inverted(piece: &str) -> bool {
    let parts: Vec<&str> = piece.split(',').map(str::trim).collect();
    parts.len() == 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.split_whitespace().count() == 1)
        && !parts
            .iter()
            .any(|p| p.chars().count() <= 5 && p.chars().all(|c| !c.is_lowercase()))
}

/// Cleans one name: drops "By"-like prefixes, emails, URLs, handles and
/// surrounding punctuation, fixes ALL-CAPS case; `None` if nothing
/// name-like is left.
pub(super) fn clean_name(raw: &str) -> Option<String> {
    let mut name = super::collect::collapse(raw);
    name = strip_prefix_word(&name);
    let name = name
        .trim_matches(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ',' | ':' | '-' | '–' | '—' | '|' | '(' | ')' | '"' | '\''
                )
        })
        .to_owned();
    if name.is_empty()
        || name.chars().count() > 80
        || name.contains('@')
        || is_url(&name)
        || name.split_whitespace().count() > 7
        || !name.chars().any(char::is_alphabetic)
        || name.starts_with(|c: char| c.is_ascii_digit())
        || raw.trim_start().starts_with('(')
    {
        return None;
    }
    Some(fix_case(&name))
}

/// Removes one leading "By"-like word.
fn strip_prefix_word(name: &str) -> String {
    for prefix in PREFIXES {
        // Prefixes are ASCII, so an ASCII comparison keeps byte offsets
        // valid in the original text.
        if let Some(rest) = name
            .get(..prefix.len())
            .filter(|head| head.eq_ignore_ascii_case(prefix))
            .map(|_| &name[prefix.len()..])
            && rest.starts_with([' ', ':', '\u{a0}'])
        {
            let remainder = rest.trim_start_matches([' ', ':', '\u{a0}']);
            // "Di Maio" and "Av Jensen" may be names: only strip these short
            // words when a full name follows.
            if matches!(prefix, "di" | "av" | "par" | "door")
                && remainder.split_whitespace().count() < 2
            {
                return name.to_owned();
            }
            return remainder.to_owned();
        }
    }
    name.to_owned()
}

/// Cuts what follows a name on a byline line: a date or time, a trailing
/// "on" whose date is in another element, "Published ..." and the like.
fn cut_trailing(line: &str) -> String {
    let mut end = line.len();
    // ASCII lowercasing keeps byte offsets, so positions found in `lower`
    // are valid in `line`.
    let lower = line.to_ascii_lowercase();
    for stop in STOP_LINES {
        if let Some(at) = lower.find(&format!(" {stop}"))
            && at < end
        {
            end = at;
        }
    }
    // A digit after a space starts a date or a time.
    if let Some(at) = line
        .char_indices()
        .zip(line.chars().skip(1))
        .find(|((_, c), next)| c.is_whitespace() && next.is_ascii_digit())
        .map(|((i, _), _)| i)
        && at < end
    {
        end = at;
    }
    let mut cut = line[..end].trim_end().to_owned();
    for tail in [" on", " am", " le", " el", " il", " op", " -", " |", ","] {
        if cut.to_ascii_lowercase().ends_with(tail) {
            cut.truncate(cut.len() - tail.len());
            cut = cut.trim_end().to_owned();
        }
    }
    cut
}

fn is_url(value: &str) -> bool {
    let v = value.trim_start().to_ascii_lowercase();
    v.starts_with("http://")
        || v.starts_with("https://")
        || v.starts_with("www.")
        || v.starts_with('/')
}

/// A word list made only of role words.
fn is_role(name: &str) -> bool {
    name.split_whitespace()
        .all(|w| ROLE_WORDS.contains(&w.to_lowercase().trim_matches('.')))
}

fn is_affiliation(name: &str, site_keys: &[String]) -> bool {
    name.split(|c: char| c.is_whitespace() || c == '-')
        .any(|w| {
            let w = w.to_lowercase();
            AFFILIATION_WORDS.contains(&w.as_str())
                || (w.chars().count() >= 3 && site_keys.iter().any(|s| s.contains(&w)))
        })
}

/// Two to five words, each starting with an uppercase letter or a
/// lowercase name particle; any name in a script without case passes.
fn looks_like_person(name: &str) -> bool {
    const PARTICLES: [&str; 14] = [
        "de", "da", "del", "der", "den", "di", "du", "van", "von", "la", "le", "bin", "al", "dos",
    ];
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 {
        return false;
    }
    words.iter().all(|w| {
        let first = w.chars().find(|c| c.is_alphabetic());
        match first {
            Some(c) if c.is_uppercase() => true,
            Some(c) if c.is_lowercase() => PARTICLES.contains(&w.to_lowercase().as_str()),
            Some(_) => true,
            None => false,
        }
    })
}

/// A name of two or more words in a script with letter case, each word
/// capitalized: the shape of a person's name.
pub(super) fn is_cased_full_name(name: &str) -> bool {
    name.split_whitespace().count() >= 2
        && looks_like_person(name)
        && name
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(|c| c.is_uppercase() || c.is_lowercase())
}

/// Title-cases a name written in capitals ("JANE ROE" -> "Jane Roe");
/// short all-caps words alone (agency codes like "AFP") are kept.
fn fix_case(name: &str) -> String {
    let letters: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
    let all_caps =
        letters.iter().all(|c| !c.is_lowercase()) && letters.iter().any(|c| c.is_uppercase());
    if !all_caps || (name.split_whitespace().count() == 1 && letters.len() <= 5) {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for ch in name.chars() {
        if ch.is_alphabetic() {
            if start {
                out.extend(ch.to_uppercase());
            } else {
                out.extend(ch.to_lowercase());
            }
            start = false;
        } else {
            out.push(ch);
            start = matches!(ch, ' ' | '-' | '\'' | '’');
        }
    }
    out
}

/// Academic and professional credentials written after a name ("Jane
/// Roe, MS, RDN"); a list entry that is one of these is not a person.
const CREDENTIALS: [&str; 24] = [
    "md", "phd", "ms", "msc", "ma", "ba", "bsc", "rd", "rdn", "rn", "mph", "mba", "dds", "dvm",
    "cpa", "jd", "cde", "cscs", "np", "lcsw", "psyd", "facc", "faap", "dr",
];

fn is_credential(name: &str) -> bool {
    let word = name.trim_matches('.').replace('.', "").to_lowercase();
    CREDENTIALS.contains(&word.as_str())
}

/// Drops role-only and credential entries when a real name exists, and
/// duplicates.
fn drop_roles_and_dupes(names: Vec<String>) -> Vec<String> {
    let has_person = names.iter().any(|n| !is_role(n) && !is_credential(n));
    let mut seen = std::collections::HashSet::new();
    names
        .into_iter()
        .filter(|n| !has_person || (!is_role(n) && !is_credential(n)))
        .filter(|n| seen.insert(n.to_lowercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_byline_test(text: &str) -> Vec<String> {
        from_byline(text, &["exampleradiocom".to_owned()])
    }

    #[test]
    fn seed_shaped_byline_gives_the_person_only() {
        assert_eq!(
            from_byline_test("Jane Roe, Example News on\nPublished in News & Features"),
            vec!["Jane Roe"]
        );
    }

    #[test]
    fn byline_prefixes_dates_and_lists() {
        assert_eq!(
            from_byline_test("By JANE ROE and John Doe\nMay 2, 2024"),
            vec!["Jane Roe", "John Doe"]
        );
        assert_eq!(
            from_byline_test("Von Max Muster | 02.05.2024, 10:00 Uhr"),
            vec!["Max Muster"]
        );
        assert_eq!(
            from_byline_test("Par Marie Dupont et Jean Martin"),
            vec!["Marie Dupont", "Jean Martin"]
        );
        assert_eq!(
            from_byline_test("By Jane Roe, Staff Writer"),
            vec!["Jane Roe"]
        );
        assert_eq!(
            from_byline_test("Published 2 May 2024\nBy Jane Roe"),
            vec!["Jane Roe"]
        );
    }

    #[test]
    fn declared_lists_are_split_but_inverted_names_kept() {
        assert_eq!(
            from_declared(&["Jane Roe, John Doe & Ann Lee".to_owned()]),
            vec!["Jane Roe", "John Doe", "Ann Lee"]
        );
        assert_eq!(from_declared(&["Roe, Jane".to_owned()]), vec!["Roe, Jane"]);
        assert_eq!(
            from_declared(&["https://a.example/author/jane".to_owned(), "dpa".to_owned()]),
            vec!["dpa"]
        );
        assert_eq!(
            from_declared(&["Jane Roe".to_owned(), "jane roe".to_owned()]),
            vec!["Jane Roe"]
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
            let _ = from_byline(&text, &["site".to_owned()]);
            let _ = from_declared(std::slice::from_ref(&text));
            let _ = clean_name(&text);
        }
    }

    #[test]
    fn non_ascii_case_changes_do_not_break_offsets() {
        assert_eq!(
            from_byline("BY İLKER AYDIN Published", &[]),
            vec!["İlker Aydin"]
        );
    }

    #[test]
    fn credentials_are_not_names() {
        assert_eq!(
            from_declared(&["Jane Roe, MS, RDN".to_owned()]),
            vec!["Jane Roe"]
        );
        assert_eq!(
            from_declared(&["Jane Roe, Ph.D.".to_owned()]),
            vec!["Jane Roe"]
        );
    }

    #[test]
    fn org_bylines_survive_when_alone() {
        assert_eq!(
            from_declared(&["Associated Press".to_owned()]),
            vec!["Associated Press"]
        );
        assert_eq!(from_byline_test("By Staff"), vec!["Staff"]);
        assert_eq!(
            from_byline_test("By Jane Roe, EXAMPLE RADIO"),
            vec!["Jane Roe"]
        );
    }
}
