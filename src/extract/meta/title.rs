//! The headline: choosing among the page's title sources and removing the
//! site name that `<title>` and `og:title` often carry.
//!
//! Sources disagree in known ways: `<title>` and Open Graph titles add the
//! site name ("Headline | Site"), the visible `<h1>` is the headline as
//! readers see it but some templates use `<h1>` for the logo, and JSON-LD
//! headlines are sometimes truncated for search engines, and `og:title` is
//! sometimes a reworded variant for sharing. The choice favours agreement
//! between sources.

/// Separators between a headline and a site name in `<title>`-like texts.
const SEPARATORS: [&str; 11] = [
    " | ", " - ", " – ", " — ", " :: ", " : ", " » ", " · ", " • ", " ｜ ", " / ",
];

/// The inputs of the choice, already whitespace-collapsed.
#[derive(Debug, Default)]
pub(super) struct Sources<'a> {
    /// `og:title`.
    pub og: Option<&'a str>,
    /// The headline of the JSON-LD article object.
    pub json_ld: Option<&'a str>,
    /// Other declared headlines in order of trust: `twitter:title`,
    /// microdata, Dublin Core.
    pub other_declared: Vec<&'a str>,
    /// Visible `<h1>` texts, best placed first.
    pub h1s: Vec<&'a str>,
    /// Whether the first of `h1s` sits inside the article (`<article>`,
    /// `<main>` or an element typed as an article).
    pub first_h1_in_article: bool,
    /// The `<title>` element.
    pub title_tag: Option<&'a str>,
    /// Names the site goes by (site name, publisher), to strip.
    pub site_names: Vec<&'a str>,
    /// The page's host, to strip a segment that names it.
    pub host: Option<&'a str>,
}

/// Chooses the headline.
///
/// `og:title` leads: it is the title the publisher chose for sharing and
/// the one most often identical to the visible headline, while JSON-LD
/// headlines are more often shortened for search engines. An `<h1>` inside
/// the article overrules it when the other sources side with the `<h1>`
/// ([`article_h1_over_og`]); any `<h1>` the leading title confirms is taken
/// as written on the page.
pub(super) fn choose(sources: &Sources<'_>) -> Option<String> {
    let strip =
        |t: &str| Some(strip_site(t, &sources.site_names, sources.host)).filter(|t| !t.is_empty());
    let og = sources.og.and_then(strip);
    let json_ld = sources.json_ld.and_then(strip);
    let others: Vec<String> = sources
        .other_declared
        .iter()
        .filter_map(|t| strip(t))
        .collect();
    let title_tag = sources.title_tag.and_then(strip);
    if let Some(h1) = article_h1_over_og(
        sources,
        og.as_deref(),
        json_ld.as_deref(),
        &others,
        title_tag.as_deref(),
    ) {
        return Some(h1.to_owned());
    }
    let declared: Vec<String> = og.into_iter().chain(json_ld).chain(others).collect();
    // A visible h1 confirmed by a declared title or by <title> is the
    // headline as shown; a site-wide h1 (the logo) matches nothing.
    // Only the first declared title is a reference when there is one: a
    // later source agreeing with the h1 does not outvote it.
    let references: Vec<&str> = match declared.first() {
        Some(first) => vec![first.as_str()],
        None => title_tag
            .as_deref()
            .into_iter()
            .chain(sources.title_tag)
            .collect(),
    };
    for h1 in &sources.h1s {
        let key = key(h1);
        if key.is_empty() {
            continue;
        }
        if references.iter().any(|r| {
            let r = self::key(r);
            r == key || within(&key, &r)
        }) {
            return Some(h1.to_string());
        }
    }
    // The declared title and the h1 may carry different kickers
    // ("Topic A: Headline" and "Topic B - Headline"); what both share is
    // the headline.
    if let (Some(first), Some(h1)) = (declared.first(), sources.h1s.first())
        && key(first) != key(h1)
        && let Some(shared) = shared_headline(first, h1)
    {
        return Some(shared);
    }
    declared
        .into_iter()
        .next()
        .or_else(|| sources.h1s.first().map(|h| h.to_string()))
        .or(title_tag)
}

/// The headline shown inside the article when `og:title` says something
/// else and the page's other titles side with the visible one.
///
/// `og:title` is the title written for sharing, usually the headline
/// itself, so it leads the choice; but it is also where editors put a
/// shorter or reworded variant. Against it, an `<h1>` inside the article
/// wins in two cases:
/// - the JSON-LD headline (the article's own structured data) confirms the
///   `<h1>` and no other source (`twitter:title`, microdata, `<title>`)
///   says exactly what `og:title` says;
/// - the JSON-LD headline and `og:title` disagree and the `<h1>` matches
///   neither: with the declared titles split, the headline readers see is
///   the one the page stands behind.
fn article_h1_over_og<'a>(
    sources: &Sources<'a>,
    og: Option<&str>,
    json_ld: Option<&str>,
    others: &[String],
    title_tag: Option<&str>,
) -> Option<&'a str> {
    let h1 = *sources
        .h1s
        .first()
        .filter(|_| sources.first_h1_in_article)?;
    let (og, json_ld) = (og?, json_ld?);
    // Saying the same means exactly the same here: a longer text that
    // starts like `og:title` is the fuller headline, not a vote for the
    // short one.
    let og_key = key(og);
    if key(h1).is_empty() || key(h1) == og_key {
        return None;
    }
    let og_backed = others
        .iter()
        .map(String::as_str)
        .chain(title_tag)
        .any(|t| key(t) == og_key);
    let confirmed = same(json_ld, h1) && !og_backed;
    let split = !same(json_ld, h1) && !same(json_ld, og);
    (confirmed || split).then_some(h1)
}

/// Two titles say the same: equal keys, or the shorter one (at least 12
/// letters and digits, at least half the longer) inside the longer, as a
/// title cut short or carrying an extra segment.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (key(a), key(b));
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    !short.is_empty() && (short == long || within(&short, &long))
}

/// Whether the key `short` (at least 12 letters and digits, at least half
/// of `long`) is found inside the key `long`.
fn within(short: &str, long: &str) -> bool {
    short.len() >= 12 && short.len() * 2 >= long.len() && long.contains(short)
}

/// The headline two titles share after different kickers: a common tail of
/// at least four words that starts, in both, right after a separator, with
/// different texts before it.
fn shared_headline(a: &str, b: &str) -> Option<String> {
    const KICKER_SEPARATORS: [&str; 5] = [": ", " - ", " – ", " — ", " | "];
    let tails = |t: &'_ str| -> Vec<usize> {
        KICKER_SEPARATORS
            .iter()
            .flat_map(|sep| t.match_indices(sep).map(move |(at, _)| at + sep.len()))
            .collect()
    };
    let b_tails = tails(b);
    tails(a)
        .into_iter()
        .filter_map(|at| {
            let tail = a[at..].trim();
            // Same tail after a different kicker; a shared kicker stays.
            let found = b_tails
                .iter()
                .any(|&bt| key(&b[bt..]) == key(tail) && unrelated(&b[..bt], &a[..at]));
            (found && tail.split_whitespace().count() >= 4).then_some(tail)
        })
        .max_by_key(|t| t.len())
        .map(str::to_owned)
}

/// Removes leading or trailing segments that name the site from a title
/// ("Headline | Example News" -> "Headline").
pub(super) fn strip_site(title: &str, site_names: &[&str], host: Option<&str>) -> String {
    let mut segments: Vec<&str> = vec![title];
    for sep in SEPARATORS {
        segments = segments.into_iter().flat_map(|s| s.split(sep)).collect();
    }
    if segments.len() < 2 {
        return title.trim().to_owned();
    }
    let site_keys: Vec<String> = site_names
        .iter()
        .map(|s| key(s))
        .filter(|k| !k.is_empty())
        .collect();
    let host_key = host.map(host_key).unwrap_or_default();
    let names_site = |segment: &str| {
        let k = key(segment);
        !k.is_empty()
            && (site_keys.iter().any(|s| {
                s == &k
                    || (k.len() >= 4 && s.contains(&k))
                    || (s.len() >= 4
                        && k.contains(s.as_str())
                        && segment.split_whitespace().count() <= 5)
            }) || (k.len() >= 3 && host_key.contains(&k)))
    };
    let mut start = 0;
    let mut end = segments.len();
    while end - start > 1 && names_site(segments[end - 1]) {
        end -= 1;
    }
    while end - start > 1 && names_site(segments[start]) {
        start += 1;
    }
    if start == 0 && end == segments.len() {
        return title.trim().to_owned();
    }
    // Rebuild from the original text so the kept separators stay as written.
    let first = segments[start];
    let last = segments[end - 1];
    let from = first.as_ptr() as usize - title.as_ptr() as usize;
    let to = last.as_ptr() as usize - title.as_ptr() as usize + last.len();
    title[from..to].trim().to_owned()
}

/// Two kickers are different when they share no word of three or more
/// letters ("Storm season" and "Weather"); "Coach Smith" and "Club coach
/// Smith" are one kicker written twice.
fn unrelated(a: &str, b: &str) -> bool {
    let words = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3)
            .map(str::to_lowercase)
            .collect()
    };
    let b_words = words(b);
    let a_words = words(a);
    !a_words.is_empty() && !b_words.is_empty() && !a_words.iter().any(|w| b_words.contains(w))
}

/// Comparison key: lowercase letters and digits only.
pub(super) fn key(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The host's labels as one key, without `www.` and the public suffix
/// ("www.example-news.co.uk" -> "examplenewscouk").
fn host_key(host: &str) -> String {
    key(host.trim_start_matches("www."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_kickers_leave_the_shared_headline() {
        let sources = Sources {
            og: Some("Storm season: Rain returns to the northern coast"),
            h1s: vec!["Weather - Rain returns to the northern coast"],
            ..Sources::default()
        };
        assert_eq!(
            choose(&sources).as_deref(),
            Some("Rain returns to the northern coast")
        );
        // Identical titles keep their kicker.
        let same = Sources {
            og: Some("Storm season: Rain returns to the northern coast"),
            h1s: vec!["Storm season: Rain returns to the northern coast"],
            ..Sources::default()
        };
        assert_eq!(
            choose(&same).as_deref(),
            Some("Storm season: Rain returns to the northern coast")
        );
    }

    #[test]
    fn strips_site_suffix_and_prefix() {
        assert_eq!(
            strip_site("Rain returns | Example News", &["Example News"], None),
            "Rain returns"
        );
        assert_eq!(
            strip_site(
                "Example News - Rain returns",
                &[],
                Some("www.examplenews.com")
            ),
            "Rain returns"
        );
        assert_eq!(
            strip_site("Rain - and wind - return", &["Other"], Some("a.example")),
            "Rain - and wind - return"
        );
        // " : " separates a site name too, but a French headline keeps its own.
        assert_eq!(
            strip_site(
                "Why does bread collapse? : Baking Forum",
                &[],
                Some("bakingforum.example")
            ),
            "Why does bread collapse?"
        );
        assert_eq!(
            strip_site("Pluie : la Bretagne en alerte", &[], Some("news.example")),
            "Pluie : la Bretagne en alerte"
        );
    }

    #[test]
    fn prefers_a_confirmed_h1() {
        let sources = Sources {
            og: Some("Storm hits coast | Example"),
            h1s: vec!["Storm hits coast"],
            title_tag: Some("Storm hits coast | Example"),
            site_names: vec!["Example"],
            ..Sources::default()
        };
        assert_eq!(choose(&sources).as_deref(), Some("Storm hits coast"));
        let logo = Sources {
            og: Some("Storm hits coast"),
            h1s: vec!["Example"],
            ..Sources::default()
        };
        assert_eq!(choose(&logo).as_deref(), Some("Storm hits coast"));
        let only_title = Sources {
            title_tag: Some("Storm hits coast – Example"),
            site_names: vec!["Example"],
            ..Sources::default()
        };
        assert_eq!(choose(&only_title).as_deref(), Some("Storm hits coast"));
    }

    #[test]
    fn article_h1_confirmed_by_json_ld_beats_a_lone_og_title() {
        let sources = Sources {
            og: Some("Researcher warns: are students unlearning reading?"),
            json_ld: Some("Researcher from the north warns: students unlearn reading"),
            title_tag: Some("Researcher from the north warns: students unlearn reading | Example"),
            h1s: vec!["Researcher from the north warns: students unlearn reading"],
            first_h1_in_article: true,
            site_names: vec!["Example"],
            ..Sources::default()
        };
        assert_eq!(
            choose(&sources).as_deref(),
            Some("Researcher from the north warns: students unlearn reading")
        );
        // A shorter og:title that the fuller h1 only starts with is no match.
        let cut = Sources {
            og: Some("Who is the new coach?"),
            json_ld: Some("Who is the new coach and where did he work before?"),
            h1s: vec!["Who is the new coach and where did he work before?"],
            first_h1_in_article: true,
            ..Sources::default()
        };
        assert_eq!(
            choose(&cut).as_deref(),
            Some("Who is the new coach and where did he work before?")
        );
    }

    #[test]
    fn og_title_stands_when_backed_or_when_the_h1_is_outside_the_article() {
        let backed = Sources {
            og: Some("Tears for the jumper, then the twist"),
            json_ld: Some("Tears for the favourite, then the twist"),
            other_declared: vec!["Tears for the jumper, then the twist"],
            h1s: vec!["Tears for the favourite, then the twist"],
            first_h1_in_article: true,
            ..Sources::default()
        };
        assert_eq!(
            choose(&backed).as_deref(),
            Some("Tears for the jumper, then the twist")
        );
        let outside = Sources {
            first_h1_in_article: false,
            other_declared: vec![],
            ..backed
        };
        assert_eq!(
            choose(&outside).as_deref(),
            Some("Tears for the jumper, then the twist")
        );
    }

    #[test]
    fn article_h1_wins_when_og_and_json_ld_disagree_with_it_and_each_other() {
        let sources = Sources {
            og: Some("When trams stall and concrete cracks: the fight against heat"),
            json_ld: Some("Traffic chaos from heat: old trams as a risk"),
            h1s: vec!["How trams and motorways prepare for heatwaves"],
            first_h1_in_article: true,
            ..Sources::default()
        };
        assert_eq!(
            choose(&sources).as_deref(),
            Some("How trams and motorways prepare for heatwaves")
        );
        // A logo h1 outside the article never wins this way.
        let logo = Sources {
            h1s: vec!["Example News"],
            first_h1_in_article: false,
            ..sources
        };
        assert_eq!(
            choose(&logo).as_deref(),
            Some("When trams stall and concrete cracks: the fight against heat")
        );
    }
}
