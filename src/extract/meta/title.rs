//! The headline: choosing among the page's title sources and removing the
//! site name that `<title>` and `og:title` often carry.
//!
//! Sources disagree in known ways: `<title>` and Open Graph titles add the
//! site name ("Headline | Site"), the visible `<h1>` is the headline as
//! readers see it but some templates use `<h1>` for the logo, and JSON-LD
//! headlines are sometimes truncated for search engines. The choice favours
//! agreement between two sources.

/// Separators between a headline and a site name in `<title>`-like texts.
const SEPARATORS: [&str; 11] = [
    " | ", " - ", " – ", " — ", " :: ", " : ", " » ", " · ", " • ", " ｜ ", " / ",
];

/// The inputs of the choice, already whitespace-collapsed.
#[derive(Debug, Default)]
pub(super) struct Sources<'a> {
    /// Declared headlines in order of trust: JSON-LD, `og:title`,
    /// `twitter:title`, microdata, Dublin Core.
    pub declared: Vec<&'a str>,
    /// Visible `<h1>` texts, best placed first.
    pub h1s: Vec<&'a str>,
    /// The `<title>` element.
    pub title_tag: Option<&'a str>,
    /// Names the site goes by (site name, publisher), to strip.
    pub site_names: Vec<&'a str>,
    /// The page's host, to strip a segment that names it.
    pub host: Option<&'a str>,
}

/// Chooses the headline.
pub(super) fn choose(sources: &Sources<'_>) -> Option<String> {
    let strip = |t: &str| strip_site(t, &sources.site_names, sources.host);
    let declared: Vec<String> = sources
        .declared
        .iter()
        .map(|t| strip(t))
        .filter(|t| !t.is_empty())
        .collect();
    let title_tag = sources.title_tag.map(strip).filter(|t| !t.is_empty());
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
            r == key || (key.len() >= 12 && r.contains(&key) && key.len() * 2 >= r.len())
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
            declared: vec!["Storm season: Rain returns to the northern coast"],
            h1s: vec!["Weather - Rain returns to the northern coast"],
            ..Sources::default()
        };
        assert_eq!(
            choose(&sources).as_deref(),
            Some("Rain returns to the northern coast")
        );
        // Identical titles keep their kicker.
        let same = Sources {
            declared: vec!["Storm season: Rain returns to the northern coast"],
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
            declared: vec!["Storm hits coast | Example"],
            h1s: vec!["Storm hits coast"],
            title_tag: Some("Storm hits coast | Example"),
            site_names: vec!["Example"],
            host: None,
        };
        assert_eq!(choose(&sources).as_deref(), Some("Storm hits coast"));
        let logo = Sources {
            declared: vec!["Storm hits coast"],
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
}
