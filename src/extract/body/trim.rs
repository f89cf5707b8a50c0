//! Cleaning the edges of the extracted blocks: the title repeated at the
//! top, bylines and datelines next to it, copyright and syndication lines at
//! the end, and one-line chrome ("Advertisement", "Read more") anywhere.
//!
//! Credit lines such as "With assistance from ..." are part of the article
//! and are never matched here.

use super::{Block, BlockKind, Inline};

/// What the trimmer knows about the page.
pub(super) struct Context<'a> {
    /// The page title from the metadata.
    pub title: Option<&'a str>,
    /// Texts of the page's `<h1>` elements.
    pub headings: &'a [String],
    /// Byline texts found by the metadata reader.
    pub bylines: &'a [String],
}

/// Removes chrome from the edges of the body, and chrome lines anywhere.
/// Returns the texts of the bylines removed at the edges.
pub(super) fn clean(blocks: &mut Vec<Block>, context: &Context<'_>) -> Vec<String> {
    let mut removed_bylines = Vec::new();
    blocks
        .retain(|b| matches!(b.kind, BlockKind::Figure { .. }) || !is_chrome_line(&b.plain_text()));
    let title = Title::new(context.title.unwrap_or(""));
    let headings: Vec<String> = context.headings.iter().map(|h| normalize(h)).collect();
    let bylines: Vec<String> = context
        .bylines
        .iter()
        .map(|b| normalize(b))
        .filter(|b| !b.is_empty())
        .collect();

    // Short lines above the headline (kickers, section labels, video
    // durations) belong to the page head, not the article.
    let title_at = blocks.iter().take(8).position(|b| {
        let norm = normalize(&b.plain_text());
        let is_heading = matches!(b.kind, BlockKind::Heading(_));
        matches!(b.kind, BlockKind::Heading(1))
            || title.matches(&norm, is_heading)
            || headings.iter().any(|h| !h.is_empty() && *h == norm)
    });
    if let Some(at) = title_at
        && blocks[..at]
            .iter()
            .all(|b| b.plain_text().chars().count() < 150)
    {
        blocks.drain(..=at);
    }

    // The top: title, byline and dateline, in any order, among the first
    // few blocks; stop at the first block that is none of them.
    let mut start = 0;
    let mut checked = 0;
    while start < blocks.len() && checked < 6 {
        let block = &blocks[start];
        checked += 1;
        if matches!(block.kind, BlockKind::Figure { .. }) {
            start += 1;
            continue;
        }
        let text = block.plain_text();
        let norm = normalize(&text);
        let is_heading = matches!(block.kind, BlockKind::Heading(_));
        let is_title = |norm: &str| {
            title.matches(norm, is_heading) || headings.iter().any(|h| !h.is_empty() && *h == norm)
        };
        let head_line = |text: &str, norm: &str| {
            is_title(norm) || is_byline(text, norm, &bylines) || is_dateline(text)
        };
        if !is_heading && !is_title(&norm) && is_by_line(&text, &norm) {
            removed_bylines.push(text);
            blocks.remove(start);
            continue;
        }
        if (is_heading && start < 3 && matches!(block.kind, BlockKind::Heading(1)))
            || head_line(&text, &norm)
        {
            blocks.remove(start);
            continue;
        }
        // A paragraph built with `<br>`s may open with the headline, the
        // byline or the date on lines of their own.
        let first_line_end = block
            .inlines
            .iter()
            .position(|i| matches!(i, Inline::LineBreak));
        if let Some(end) = first_line_end
            && block.kind == BlockKind::Paragraph
        {
            let line = text.split('\n').next().unwrap_or("");
            let line_norm = normalize(line);
            if head_line(line, &line_norm) {
                if is_by_line(line, &line_norm) {
                    removed_bylines.push(line.to_owned());
                }
                blocks[start].inlines.drain(..=end);
                continue;
            }
        }
        break;
    }
    // The end: copyright, syndication and bylines.
    while let Some(last) = blocks.last() {
        let text = last.plain_text();
        let norm = normalize(&text);
        if is_bold_name(last, &text, &norm) || is_by_line(&text, &norm) {
            removed_bylines.push(text);
            blocks.pop();
        } else if matches!(last.kind, BlockKind::Figure { .. })
            || is_copyright(&text)
            || is_byline(&text, &norm, &bylines)
            || is_dateline(&text)
        {
            blocks.pop();
        } else {
            break;
        }
    }
    removed_bylines
}

/// A paragraph that is only a person's name in bold, the way many sites
/// sign an article below its text. Section labels set the same way
/// ("Breaking News", "Related Stories") are not names.
/// `text` is the block's plain text, `norm` its [`normalize`]d form.
fn is_bold_name(block: &Block, text: &str, norm: &str) -> bool {
    const LABEL_WORDS: [&str; 24] = [
        "news",
        "breaking",
        "latest",
        "related",
        "more",
        "read",
        "stories",
        "story",
        "articles",
        "article",
        "comments",
        "share",
        "follow",
        "subscribe",
        "advertisement",
        "sponsored",
        "update",
        "updates",
        "editor",
        "editors",
        "note",
        "sources",
        "video",
        "photos",
    ];
    block.kind == BlockKind::Paragraph
        && block.inlines.iter().any(|i| matches!(i, Inline::Strong(_)))
        && block.inlines.iter().all(|i| match i {
            Inline::Strong(_) => true,
            Inline::Text(t) => t.trim().is_empty(),
            _ => false,
        })
        && !norm.split(' ').any(|w| LABEL_WORDS.contains(&w))
        && crate::extract::meta::is_person_name(text)
}

/// Lower-cased words joined by single spaces, for loose comparisons.
pub(super) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// The page title in the forms a headline in the body may take.
struct Title {
    /// The whole title, normalized.
    full: String,
    /// Its longest part between separators (" | ", " - ", ...): the
    /// headline without the site name.
    core: String,
}

impl Title {
    fn new(raw: &str) -> Title {
        let core = raw
            .split([' ', '\u{a0}'])
            .collect::<Vec<_>>()
            .join(" ")
            .split(" | ")
            .flat_map(|p| p.split(" - "))
            .flat_map(|p| p.split(" – "))
            .flat_map(|p| p.split(" — "))
            .flat_map(|p| p.split(" :: "))
            .max_by_key(|p| p.len())
            .map(normalize)
            .unwrap_or_default();
        Title {
            full: normalize(raw),
            core,
        }
    }

    /// Whether a block (normalized text) is the headline.
    fn matches(&self, norm: &str, is_heading: bool) -> bool {
        if norm.is_empty() || self.full.is_empty() {
            return false;
        }
        if norm == self.full || norm == self.core {
            return true;
        }
        // A heading that is most of the title, or the title's headline part
        // with a kicker in front ("Topic: Headline"), is the headline.
        is_heading
            && [&self.full, &self.core].iter().any(|t| {
                (t.contains(norm) && norm.len() * 2 >= t.len())
                    || (t.len() >= 20 && norm.contains(t.as_str()) && t.len() * 2 >= norm.len())
            })
    }
}

/// "By Jane Doe", "Von Max Muster", or a byline the metadata reader found.
fn is_byline(text: &str, norm: &str, bylines: &[String]) -> bool {
    if text.chars().count() > 120 {
        return false;
    }
    bylines
        .iter()
        .any(|b| norm == b || (norm.contains(b.as_str()) && norm.len() < b.len() + 40))
        || is_by_line(text, norm)
}

/// A short line that starts with "By" or its equivalent in other languages:
/// a byline the metadata reader may not have seen.
fn is_by_line(text: &str, norm: &str) -> bool {
    if text.chars().count() > 120 {
        return false;
    }
    let words = norm.split(' ').count();
    let first = norm.split(' ').next().unwrap_or("");
    let ends_sentence = text.trim_end().ends_with(['.', '!', '?']);
    words <= 10
        && !ends_sentence
        && matches!(
            first,
            "by" | "von"
                | "por"
                | "par"
                | "di"
                | "door"
                | "av"
                | "af"
                | "tekst"
                | "text"
                | "autor"
                | "author"
                | "written"
        )
}

/// A short line made of dates, times and their usual words.
fn is_dateline(text: &str) -> bool {
    if text.len() > 80 {
        return false;
    }
    let norm = normalize(text);
    let mut words = 0;
    let mut datey = 0;
    let mut digits = false;
    for word in norm.split(' ').filter(|w| !w.is_empty()) {
        words += 1;
        if word.chars().all(|c| c.is_ascii_digit()) {
            digits = true;
            datey += 1;
        } else if DATE_WORDS.contains(&word) {
            datey += 1;
        }
    }
    digits && words > 0 && datey * 10 >= words * 7
}

const DATE_WORDS: &[&str] = &[
    "jan",
    "january",
    "feb",
    "february",
    "mar",
    "march",
    "apr",
    "april",
    "may",
    "jun",
    "june",
    "jul",
    "july",
    "aug",
    "august",
    "sep",
    "sept",
    "september",
    "oct",
    "october",
    "nov",
    "november",
    "dec",
    "december",
    "mon",
    "monday",
    "tue",
    "tuesday",
    "wed",
    "wednesday",
    "thu",
    "thursday",
    "fri",
    "friday",
    "sat",
    "saturday",
    "sun",
    "sunday",
    "am",
    "pm",
    "gmt",
    "utc",
    "est",
    "edt",
    "pst",
    "pdt",
    "cet",
    "cest",
    "bst",
    "et",
    "updated",
    "published",
    "posted",
    "on",
    "at",
    "last",
    "modified",
    "min",
    "mins",
    "read",
    "ago",
    "hours",
    "hour",
    "minutes",
    "days",
    "st",
    "nd",
    "rd",
    "th",
    "januar",
    "februar",
    "märz",
    "mai",
    "juni",
    "juli",
    "oktober",
    "dezember",
    "uhr",
    "aktualisiert",
    "veröffentlicht",
    "am",
    "um",
    "janvier",
    "février",
    "mars",
    "avril",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
    "le",
    "à",
    "mis",
    "jour",
    "publié",
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "de",
    "del",
    "actualizado",
    "publicado",
    "gennaio",
    "febbraio",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "settembre",
    "ottobre",
    "dicembre",
    "janeiro",
    "fevereiro",
    "março",
    "maio",
    "junho",
    "julho",
    "setembro",
    "outubro",
    "dezembro",
    "h",
];

/// A copyright or syndication line.
fn is_copyright(text: &str) -> bool {
    if text.len() > 400 {
        return false;
    }
    let lower = text.to_lowercase();
    lower.contains('©')
        || lower.contains("(c) 20")
        || lower.starts_with("copyright")
        || lower.contains("all rights reserved")
        || lower.contains("alle rechte vorbehalten")
        || lower.contains("tous droits réservés")
        || lower.contains("todos los derechos reservados")
        || lower.starts_with("distributed by")
}

/// One-line chrome that may sit anywhere in the body: "Advertisement",
/// "Read more: ...", newsletter pitches, markup that leaked as text.
fn is_chrome_line(text: &str) -> bool {
    let text = text.trim();
    if text.starts_with('<') && text.ends_with('>') {
        return true;
    }
    // Every rule below is about short lines; most blocks stop here.
    if text.len() > 800 {
        return false;
    }
    let chars = text.chars().count();
    if chars > 200 {
        return false;
    }
    if (text.contains(':') || text.contains("Getty")) && is_credit_caption(text) {
        return true;
    }
    let norm = normalize(text);
    if chars <= 60 && CHROME_LINES.contains(&norm.as_str()) {
        return true;
    }
    if text.contains([':', '|']) && CHROME_PREFIXES.iter().any(|p| norm.starts_with(p)) {
        return true;
    }
    chars < 160 && norm.split(' ').any(|word| CHROME_WORDS.contains(&word))
}

/// A caption left outside its figure: a short line ending in a picture
/// credit ("... Photo: Agency", "... (Image: Agency)").
fn is_credit_caption(text: &str) -> bool {
    let lower = text.to_lowercase();
    CREDIT_MARKERS.iter().any(|marker| {
        lower.rfind(marker).is_some_and(|at| {
            let tail = &lower[at + marker.len()..];
            tail.chars().count() < 60 && !tail.contains(". ")
        })
    })
}

const CREDIT_MARKERS: &[&str] = &[
    "photo:",
    "photos:",
    "image:",
    "images:",
    "picture:",
    "credit:",
    "foto:",
    "fotos:",
    "bild:",
    "bildrechte:",
    "bildquelle:",
    "crédit photo:",
    "crédits photo:",
    "getty images",
];

/// Openings of lines that point elsewhere ("Read more: ...").
const CHROME_PREFIXES: &[&str] = &[
    "tags",
    "tagged",
    "topics",
    "filed under",
    "categories",
    "category",
    "read more",
    "see more",
    "more",
    "related",
    "also read",
    "read also",
    "see also",
    "don t miss",
    "recommended",
    "watch",
    "lesen sie auch",
    "mehr zum thema",
    "auch interessant",
    "lire aussi",
    "à lire aussi",
    "leia também",
    "lea también",
    "leggi anche",
];

/// Words that make a short line a pitch rather than prose.
const CHROME_WORDS: &[&str] = &[
    "newsletter",
    "newsletters",
    "subscribe",
    "unsubscribe",
    "abonnieren",
    "abonnez",
    "suscríbete",
];

const CHROME_LINES: &[&str] = &[
    "advertisement",
    "advertisment",
    "advert",
    "this slideshow requires javascript",
    "advertising",
    "ad",
    "sponsored",
    "sponsored content",
    "anzeige",
    "werbung",
    "publicidad",
    "publicité",
    "pubblicità",
    "reklama",
    "advertentie",
    "annons",
    "mainos",
    "reklame",
    "story continues below",
    "story continues below advertisement",
    "article continues below",
    "article continues below advertisement",
    "continue reading below",
    "continue reading",
    "scroll to continue with content",
    "read more",
    "read more below",
    "related",
    "related articles",
    "related stories",
    "related content",
    "share this",
    "share this article",
    "share",
    "share on facebook",
    "share on twitter",
    "tweet",
    "email",
    "print",
    "comments",
    "comment",
    "skip to content",
    "loading",
    "click here",
    "subscribe",
    "sign up",
    "also read",
    "see also",
    "weiterlesen",
    "mehr zum thema",
    "lesen sie auch",
    "leia também",
    "leia mais",
    "lea también",
    "lire aussi",
    "à lire aussi",
    "leggi anche",
    "czytaj też",
    "zobacz też",
    "читайте также",
    "listen to this article",
    "blog comments powered by disqus",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::body::Inline;

    fn para(text: &str) -> Block {
        Block {
            kind: BlockKind::Paragraph,
            inlines: vec![Inline::Text(text.into())],
        }
    }

    fn run(blocks: &[Block], title: Option<&str>) -> Vec<String> {
        let mut blocks = blocks.to_vec();
        clean(
            &mut blocks,
            &Context {
                title,
                headings: &[],
                bylines: &[],
            },
        );
        blocks.iter().map(Block::plain_text).collect()
    }

    #[test]
    fn title_byline_and_date_at_the_top_go() {
        let blocks = [
            Block {
                kind: BlockKind::Heading(2),
                inlines: vec![Inline::Text("Rivers rise in the valley".into())],
            },
            para("By Ann Example"),
            para("March 3, 2025 10:15 am"),
            para("The first real sentence of the story."),
        ];
        assert_eq!(
            run(&blocks, Some("Rivers rise in the valley | Daily Example")),
            vec!["The first real sentence of the story."]
        );
    }

    #[test]
    fn edge_bylines_are_reported_and_a_bold_label_is_not_a_name() {
        let strong = |t: &str| Block {
            kind: BlockKind::Paragraph,
            inlines: vec![Inline::Strong(t.into())],
        };
        let mut blocks = vec![
            para("By Ann Example and Bo Sample"),
            para("The first real sentence of the story."),
            para("The last sentence of the story."),
            strong("CARA EXAMPLE"),
        ];
        let context = Context {
            title: None,
            headings: &[],
            bylines: &[],
        };
        let found = clean(&mut blocks, &context);
        assert_eq!(found, vec!["By Ann Example and Bo Sample", "CARA EXAMPLE"]);
        assert_eq!(blocks.len(), 2);
        // A bold section label at the end is no signature; a bold sentence
        // neither.
        for label in ["Breaking News", "Read the full report here."] {
            let mut blocks = vec![para("A sentence of the story."), strong(label)];
            assert!(clean(&mut blocks, &context).is_empty(), "{label}");
            assert_eq!(blocks.len(), 2, "{label}");
        }
    }

    #[test]
    fn head_lines_inside_a_br_paragraph_go() {
        let blocks = [Block {
            kind: BlockKind::Paragraph,
            inlines: vec![
                Inline::Strong("Rivers rise in the valley".into()),
                Inline::LineBreak,
                Inline::Text("by Ann Example, March 3, 2025".into()),
                Inline::LineBreak,
                Inline::Text("The first real sentence.".into()),
                Inline::LineBreak,
                Inline::Text("By the way, a second line.".into()),
            ],
        }];
        assert_eq!(
            run(&blocks, Some("Example Pages - Rivers rise in the valley")),
            vec!["The first real sentence.\nBy the way, a second line."]
        );
    }

    #[test]
    fn copyright_goes_and_credit_line_stays() {
        let blocks = [
            para("A sentence of the story."),
            para("With assistance from Bo Example."),
            para("©2025 Example News L.P. Distributed by Example Agency, LLC."),
        ];
        assert_eq!(
            run(&blocks, None),
            vec![
                "A sentence of the story.",
                "With assistance from Bo Example."
            ]
        );
    }

    #[test]
    fn chrome_lines_go_anywhere() {
        let blocks = [
            para("One."),
            para("ADVERTISEMENT"),
            para("Two, by the way."),
        ];
        assert_eq!(run(&blocks, None), vec!["One.", "Two, by the way."]);
    }

    #[test]
    fn kicker_lines_above_the_headline_go() {
        let blocks = [
            para("World news"),
            para("02:57 min"),
            Block {
                kind: BlockKind::Heading(1),
                inlines: vec![Inline::Text("Rivers rise".into())],
            },
            para("The story, at last."),
        ];
        assert_eq!(run(&blocks, None), vec!["The story, at last."]);
    }

    #[test]
    fn pointers_and_pitches_go() {
        let blocks = [
            para("One, the story."),
            para("Read more: Another story about rivers"),
            para("Get our morning newsletter in your inbox."),
            para("<img src=x>"),
            para("Two, the end."),
        ];
        assert_eq!(run(&blocks, None), vec!["One, the story.", "Two, the end."]);
    }

    #[test]
    fn headline_with_kicker_goes_and_credit_captions_go() {
        let blocks = [
            Block {
                kind: BlockKind::Heading(2),
                inlines: vec![Inline::Text("Harbours:Rivers rise in the valley".into())],
            },
            para("Stand: 28.04.2023, 05:00 Uhr"),
            para("The story, at last."),
            para("A boat on the river. Photo: Example Agency"),
            para("The end of the story."),
        ];
        assert_eq!(
            run(&blocks, Some("Rivers rise in the valley - Example Site")),
            vec!["The story, at last.", "The end of the story."]
        );
    }

    #[test]
    fn a_sentence_starting_with_by_is_kept() {
        let blocks = [para("By the end of the day, the river had risen.")];
        assert_eq!(run(&blocks, None).len(), 1);
    }
}
