//! Page metadata: title, authors, dates, site name, language, description,
//! lead image, canonical URL and tags.
//!
//! One iterative walk over the document ([`collect`]) gathers the raw facts;
//! the submodules interpret them: [`jsonld`] reads the page's article
//! object, [`title`] chooses and cleans the headline, [`authors`] splits and
//! cleans names, [`dates`] parses and normalizes dates. Sources are tried
//! from the most to the least explicit: JSON-LD, Open Graph and other
//! `<meta>` tags, microdata, visible bylines and `<time>` elements, and the
//! URL as a last resort. Nothing is invented: an unknown value is `None` or
//! an empty list. Nothing here reads a clock or does I/O.

mod authors;
mod collect;
mod dates;
mod jsonld;
mod title;

use scraper::Html;
use url::Url;

use collect::{Facts, Found};

/// Everything [`extract`] learns about a page besides its body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// Headline, with any site-name suffix removed.
    pub title: Option<String>,
    /// Author names.
    pub authors: Vec<String>,
    /// Publication time (RFC 3339, or `YYYY-MM-DD`).
    pub published: Option<String>,
    /// Modification time, same format.
    pub modified: Option<String>,
    /// Declared language as a BCP 47 tag.
    pub language: Option<String>,
    /// Publication name.
    pub site_name: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// Lead image, absolute URL.
    pub image: Option<String>,
    /// Canonical address, absolute URL.
    pub canonical_url: Option<String>,
    /// Keywords and sections.
    pub tags: Vec<String>,
    /// The `articleBody` of the page's JSON-LD, when it has one: a strong
    /// hint for the body extractor.
    pub json_ld_body: Option<String>,
    /// Texts that are bylines on this page ("By Jane Doe"), so the body
    /// extractor can drop them from the article. Lines are separated by
    /// `\n`, whitespace collapsed.
    pub byline_texts: Vec<String>,
}

/// Reads the metadata of a parsed page; `base` is the page's address.
pub fn extract(document: &Html, base: Option<&Url>) -> Metadata {
    let facts = collect::collect(document);
    let ld = jsonld::read(&facts.json_ld);
    let meta = |keys: &[&str]| first_meta(&facts, keys);

    let site_name = meta(&["og:site_name"])
        .or_else(|| ld.publisher.clone())
        .or_else(|| meta(&["application-name", "apple-mobile-web-app-title"]))
        .map(|s| jsonld::decode_entities(&s));

    let host = base.and_then(Url::host_str);
    let title = {
        let og = meta(&["og:title"]);
        let twitter = meta(&["twitter:title"]);
        let dc = meta(&["dc.title", "dcterms.title"]);
        let other_declared: Vec<&str> = twitter
            .as_deref()
            .into_iter()
            .chain(facts.item_headlines.first().map(String::as_str))
            .chain(dc.as_deref())
            .collect();
        let mut h1s: Vec<&Found> = facts.h1s.iter().filter(|h| !h.in_chrome).collect();
        // Headings inside the article first.
        h1s.sort_by_key(|h| !h.in_article);
        let publisher = ld.publisher.as_deref();
        let sources = title::Sources {
            og: og.as_deref(),
            json_ld: ld.headline.as_deref(),
            other_declared,
            first_h1_in_article: h1s.first().is_some_and(|h| h.in_article),
            h1s: h1s.iter().map(|h| h.text.as_str()).collect(),
            title_tag: facts.title_tag.as_deref(),
            site_names: site_name.as_deref().into_iter().chain(publisher).collect(),
            host,
        };
        title::choose(&sources)
    };

    let site_keys = site_keys(site_name.iter().chain(ld.publisher.iter()), host);
    let (authors, byline_texts) = read_authors(&facts, &ld, &site_keys);

    let published = ld
        .published
        .as_deref()
        .and_then(dates::normalize)
        .or_else(|| all_meta(&facts, PUBLISHED_KEYS).find_map(dates::normalize))
        .or_else(|| {
            // Vendor variants of the same keys ("article:published:time",
            // "publish-datetime", ...).
            facts
                .metas
                .iter()
                .filter(|(k, _)| is_published_key(k))
                .find_map(|(_, v)| dates::normalize(v))
        })
        .or_else(|| {
            facts
                .item_published
                .iter()
                .find_map(|d| dates::normalize(d))
        })
        .or_else(|| time_element(&facts.times))
        .or_else(|| base.and_then(|u| dates::from_url(u.as_str())))
        .or_else(|| text_date(&facts));
    let modified = ld
        .modified
        .as_deref()
        .and_then(dates::normalize)
        .or_else(|| all_meta(&facts, MODIFIED_KEYS).find_map(dates::normalize))
        .or_else(|| facts.item_modified.iter().find_map(|d| dates::normalize(d)));

    let language = facts
        .html_lang
        .as_deref()
        .and_then(super::lang::normalize_tag)
        .or_else(|| {
            all_meta(
                &facts,
                &["content-language", "og:locale", "dc.language", "language"],
            )
            .find_map(super::lang::normalize_tag)
        })
        .or_else(|| ld.language.as_deref().and_then(super::lang::normalize_tag));

    let description = meta(&["og:description", "description", "twitter:description"])
        .or_else(|| ld.description.clone());
    let image = meta(&[
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "twitter:image",
        "twitter:image:src",
    ])
    .or_else(|| ld.image.clone())
    .or_else(|| facts.image_src.clone())
    .and_then(|u| absolute(&u, base));
    let canonical_url = facts
        .canonical
        .clone()
        .into_iter()
        .chain(meta(&["og:url"]))
        .chain(ld.url.clone())
        .filter_map(|u| absolute(&u, base))
        .find(|u| !is_homepage_of(u, base));

    let mut tags = Vec::new();
    for key in [
        "article:tag",
        "keywords",
        "news_keywords",
        "article:section",
    ] {
        for value in all_meta(&facts, &[key]) {
            tags.extend(value.split([',', ';']).map(str::to_owned));
        }
    }
    tags.extend(ld.tags.iter().cloned());
    let tags = dedupe_tags(tags);

    Metadata {
        title,
        authors,
        published,
        modified,
        language,
        site_name: site_name.filter(|s| !s.is_empty()),
        description,
        image,
        canonical_url,
        tags,
        json_ld_body: ld.body,
        byline_texts,
    }
}

/// Whether a short text is a person's name alone, cased as names are
/// ("Jane Roe", "JANE ROE"): two to four words, no digits. Scripts without
/// letter case never pass, since a label cannot be told from a name there.
pub fn is_person_name(text: &str) -> bool {
    let text = text.trim();
    let words = text.split_whitespace().count();
    (2..=4).contains(&words)
        && text.chars().count() <= 60
        && !text.chars().any(|c| c.is_numeric())
        && !text.ends_with(['.', '!', '?', ':'])
        && authors::is_cased_full_name(text)
}

/// Takes the authors from bylines the body extractor found at the edges of
/// the article ("By Jane Roe" above the text, a name in bold below it) when
/// the page declared none, or only the site itself.
pub fn authors_from_body_bylines(metadata: &mut Metadata, bylines: &[String], base: Option<&Url>) {
    if bylines.is_empty() {
        return;
    }
    let site_keys = site_keys(metadata.site_name.iter(), base.and_then(Url::host_str));
    let weak = metadata
        .authors
        .iter()
        .all(|n| names_site(n, &site_keys) || is_generic_author(n));
    if !weak {
        return;
    }
    if let Some(names) = bylines
        .iter()
        .map(|b| authors::from_byline(b, &site_keys))
        .map(|names| {
            names
                .into_iter()
                .filter(|n| !names_site(n, &site_keys) && !is_generic_author(n))
                .collect::<Vec<_>>()
        })
        .find(|names| !names.is_empty())
    {
        metadata.authors = names;
    }
}

/// `<meta>` keys that give the publication time, most explicit first.
const PUBLISHED_KEYS: &[&str] = &[
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "dc.date.created",
    "date",
    "article.published",
    "published_time",
    "cxenseparse:recs:publishtime",
];

/// Whether an unlisted `<meta>` key names a publication date or time.
fn is_published_key(key: &str) -> bool {
    (key.contains("publish") || key.contains("pubdate"))
        && (key.contains("time") || key.contains("date"))
        && !key.contains("modif")
        && !key.contains("update")
}

/// `<meta>` keys that give the modification time.
const MODIFIED_KEYS: &[&str] = &[
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
];

/// `<meta>` keys that name the authors.
const AUTHOR_KEYS: &[&str] = &[
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "cxenseparse:author",
];

/// Authors from the most explicit source that has any, and the visible
/// byline texts of the page. A source whose names only repeat the site's
/// name ("Example News" on example-news.com) is kept only if no later
/// source names someone else: it is often a template default while the
/// visible byline has the person, but for agency copy and desk-written
/// pages it is the real credit.
fn read_authors(
    facts: &Facts,
    ld: &jsonld::LdFacts,
    site_keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let visible: Vec<&Found> = facts.bylines.iter().filter(|b| !b.in_chrome).collect();
    let byline_texts: Vec<String> = visible.iter().map(|b| b.text.clone()).collect();
    let from_json_ld = || {
        // Persons, plus organizations credited beside them that are not the
        // site itself (a news agency: "Jane Roe, Wire Agency").
        let mut names = ld.person_authors.clone();
        if !names.is_empty() {
            names.extend(
                ld.org_authors
                    .iter()
                    .filter(|o| !names_site(o, site_keys))
                    .cloned(),
            );
        }
        authors::from_declared(&names)
    };
    let from_meta = || {
        AUTHOR_KEYS
            .iter()
            .map(|key| {
                let values: Vec<String> = all_meta(facts, &[key]).map(str::to_owned).collect();
                authors::from_declared(&values)
            })
            .find(|names| !names.is_empty())
            .unwrap_or_default()
    };
    let from_microdata = || {
        // Only the authors of the first item that has any: teasers of
        // other articles may carry microdata authors too.
        let first = facts.item_authors.first().map(|(_, scope)| *scope);
        let values: Vec<String> = facts
            .item_authors
            .iter()
            .filter(|(_, scope)| Some(*scope) == first)
            .map(|(name, _)| name.clone())
            .collect();
        authors::from_declared(&values)
    };
    let from_rel = || {
        let rel: Vec<String> = facts
            .rel_authors
            .iter()
            .filter(|r| !r.in_chrome)
            .map(|r| r.text.clone())
            .collect();
        authors::from_declared(&rel)
    };
    let from_bylines = || {
        let mut ordered = visible.clone();
        ordered.sort_by_key(|b| !b.in_article);
        ordered
            .iter()
            .map(|b| authors::from_byline(&b.text, site_keys))
            .find(|names| !names.is_empty())
            .unwrap_or_default()
    };
    // (names, whether the source is a visible byline)
    let sources: [(&dyn Fn() -> Vec<String>, bool); 6] = [
        (&from_json_ld, false),
        (&from_meta, false),
        (&from_microdata, false),
        (&from_rel, false),
        (&from_bylines, true),
        (&|| authors::from_declared(&ld.org_authors), false),
    ];
    let mut site_only: Option<Vec<String>> = None;
    for (source, visible_text) in sources {
        let names: Vec<String> = source()
            .into_iter()
            .filter(|n| !is_generic_author(n))
            .collect();
        if names.is_empty() {
            continue;
        }
        if names.iter().all(|n| names_site(n, site_keys)) {
            site_only.get_or_insert(names);
            continue;
        }
        // A byline text replaces a declared site credit only when it
        // plainly holds person names: in scripts without letter case a
        // label ("the writer of this article") cannot be told from a name.
        if site_only.is_some()
            && visible_text
            && !names.iter().all(|n| authors::is_cased_full_name(n))
        {
            continue;
        }
        // Beside other credits, a bare site label ("example.com") only
        // repeats the site; a person-shaped name is kept even if it matches.
        let names = names
            .into_iter()
            .filter(|n| !names_site(n, site_keys) || authors::is_cased_full_name(n))
            .collect();
        return (names, byline_texts);
    }
    (site_only.unwrap_or_default(), byline_texts)
}

/// Comparison keys of the names a site goes by and of its host (without
/// `www.`), the short ones left out.
fn site_keys<'a>(names: impl Iterator<Item = &'a String>, host: Option<&str>) -> Vec<String> {
    names
        .map(|s| title::key(s))
        .chain(host.map(|h| title::key(h.trim_start_matches("www."))))
        .filter(|k| k.len() >= 3)
        .collect()
}

/// Whether a name only repeats the site's name or host.
fn names_site(name: &str, site_keys: &[String]) -> bool {
    let key = title::key(name);
    !key.is_empty()
        && site_keys
            .iter()
            .any(|s| *s == key || s.contains(&key) || (key.len() >= 4 && key.contains(s.as_str())))
}

/// Placeholder author names of content systems, in several languages.
fn is_generic_author(name: &str) -> bool {
    const GENERIC: [&str; 14] = [
        "admin",
        "administrator",
        "editor",
        "editorial",
        "news",
        "nachrichten",
        "noticias",
        "redaction",
        "guest",
        "unknown",
        "anonymous",
        "user",
        "webmaster",
        "newsroom",
    ];
    let lower = name.trim().to_lowercase();
    // "siteadmin", "jdadmin": content-system accounts, not bylines.
    GENERIC.contains(&lower.as_str()) || (!lower.contains(' ') && lower.contains("admin"))
}

/// The publication date of the best `<time>` element: a marked one in the
/// article, else the first in the article, else the first outside chrome.
fn time_element(times: &[Found]) -> Option<String> {
    let usable = || times.iter().filter(|t| !t.in_chrome);
    usable()
        .filter(|t| t.hint)
        .chain(usable().filter(|t| t.in_article))
        .chain(usable())
        .find_map(|t| dates::normalize(&t.text))
}

/// Last resort: a date written in the text of a date-classed element or a
/// byline ("Posted June 3, 2009", "by Ann Example, 3 May 2024"), outside
/// page chrome, publication-marked ones first.
fn text_date(facts: &collect::Facts) -> Option<String> {
    let usable = || {
        facts
            .date_texts
            .iter()
            .chain(&facts.bylines)
            .filter(|t| !t.in_chrome)
    };
    usable()
        .filter(|t| t.hint)
        .chain(usable())
        .flat_map(|t| t.text.lines())
        .find_map(dates::normalize)
}

/// The first non-empty `<meta>` value for any of the keys, keys in order.
fn first_meta(facts: &Facts, keys: &[&str]) -> Option<String> {
    all_meta(facts, keys).next().map(str::to_owned)
}

/// All `<meta>` values for the keys, grouped by key in the given order.
fn all_meta<'a>(facts: &'a Facts, keys: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
    keys.iter().flat_map(move |key| {
        facts
            .metas
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    })
}

/// Resolves a URL against the page address; `None` if it cannot be made
/// absolute or is not http(s).
fn absolute(url: &str, base: Option<&Url>) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    let parsed = match base {
        Some(base) => base.join(url).ok()?,
        None => Url::parse(url).ok()?,
    };
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// A canonical URL that is the bare home page while the page itself has a
/// path is a template default, not this page's address.
fn is_homepage_of(canonical: &str, base: Option<&Url>) -> bool {
    let Ok(canonical) = Url::parse(canonical) else {
        return true;
    };
    let bare = canonical.path() == "/" && canonical.query().is_none();
    bare && base.is_some_and(|b| b.path() != "/")
}

/// Trims tags, drops empty and over-long ones and case-insensitive
/// duplicates, keeping the first spelling; at most 50.
fn dedupe_tags(tags: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    tags.into_iter()
        .map(|t| collect::collapse(&jsonld::decode_entities(&t)))
        .filter(|t| !t.is_empty() && t.chars().count() <= 100)
        .filter(|t| seen.insert(t.to_lowercase()))
        .take(50)
        .collect()
}

#[cfg(test)]
mod tests;
