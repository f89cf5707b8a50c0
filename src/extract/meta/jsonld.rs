//! JSON-LD (`<script type="application/ld+json">`): tolerant parsing and
//! the reading of the page's article object.
//!
//! Real pages ship JSON-LD with trailing commas, raw newlines inside
//! strings, HTML comment or CDATA wrappers and several objects in one
//! script. Parsing is strict first and repairs the text only when that
//! fails. All objects, including those inside `@graph` arrays and
//! `mainEntity`, are flattened into one list; the article is the best
//! object whose `@type` is an article type.

use serde_json::Value;

/// Largest script parsed; bigger ones are data dumps, not page metadata.
const MAX_SCRIPT_BYTES: usize = 2_000_000;
/// Bound on the number of objects visited over all scripts.
const MAX_OBJECTS: usize = 5_000;

/// What the JSON-LD of a page says about its article.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct LdFacts {
    /// `headline` (else `name`) of the article object.
    pub headline: Option<String>,
    /// Names of the article's authors that are persons (or untyped).
    pub person_authors: Vec<String>,
    /// Names of the article's authors typed as organizations.
    pub org_authors: Vec<String>,
    /// `datePublished` (else `dateCreated`), raw.
    pub published: Option<String>,
    /// `dateModified`, raw.
    pub modified: Option<String>,
    /// `publisher.name` of the article, else the name of a `WebSite` or
    /// `Organization` object.
    pub publisher: Option<String>,
    /// `inLanguage`.
    pub language: Option<String>,
    /// First image URL.
    pub image: Option<String>,
    /// Keywords and sections.
    pub tags: Vec<String>,
    /// `url` or `mainEntityOfPage` of the article.
    pub url: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `articleBody`.
    pub body: Option<String>,
    /// Whether an article-typed object was found at all.
    pub has_article: bool,
}

/// Parses every script and reads the article object.
pub(super) fn read(scripts: &[String]) -> LdFacts {
    let mut objects: Vec<serde_json::Map<String, Value>> = Vec::new();
    for script in scripts {
        if script.len() > MAX_SCRIPT_BYTES {
            continue;
        }
        for value in parse_script(script) {
            flatten(value, &mut objects);
            if objects.len() > MAX_OBJECTS {
                break;
            }
        }
    }
    interpret(&objects)
}

/// Parses one script body into its top-level values, repairing it if the
/// strict parse fails.
fn parse_script(script: &str) -> Vec<Value> {
    let text = unwrap_script(script);
    if text.is_empty() {
        return Vec::new();
    }
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return vec![value];
    }
    let repaired = repair(text);
    let mut values = Vec::new();
    // Several concatenated objects are common; a stream reads them all and
    // keeps what parsed before any error.
    for value in serde_json::Deserializer::from_str(&repaired).into_iter::<Value>() {
        match value {
            Ok(v) => values.push(v),
            Err(_) => break,
        }
    }
    values
}

/// Strips HTML comment and CDATA wrappers and surrounding `;`.
fn unwrap_script(script: &str) -> &str {
    let mut text = script.trim();
    for prefix in ["<!--", "//<![CDATA[", "/*<![CDATA[*/", "<![CDATA["] {
        if let Some(rest) = text.strip_prefix(prefix) {
            text = rest.trim_start();
        }
    }
    for suffix in ["-->", "//]]>", "/*]]>*/", "]]>"] {
        if let Some(rest) = text.strip_suffix(suffix) {
            text = rest.trim_end();
        }
    }
    text.trim_end_matches(';').trim()
}

/// Fixes the usual faults in one pass: raw control characters inside
/// strings are escaped, and commas before `}` or `]` are dropped.
fn repair(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        if in_string {
            if escaped {
                escaped = false;
                out.push(ch);
            } else if ch == '\\' {
                escaped = true;
                out.push(ch);
            } else if ch == '"' {
                in_string = false;
                out.push(ch);
            } else if (ch as u32) < 0x20 {
                match ch {
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    _ => out.push(' '),
                }
            } else {
                out.push(ch);
            }
            continue;
        }
        match ch {
            '"' => {
                in_string = true;
                out.push(ch);
            }
            ',' => {
                let next = chars[i..].iter().find(|c| !c.is_whitespace());
                if !matches!(next, Some('}' | ']')) {
                    out.push(ch);
                }
            }
            _ => out.push(ch),
        }
    }
    out
}

/// Collects every object of a value: the value itself, array members,
/// `@graph` members and `mainEntity`. Iterative.
fn flatten(value: Value, objects: &mut Vec<serde_json::Map<String, Value>>) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        if objects.len() > MAX_OBJECTS {
            return;
        }
        match value {
            Value::Array(items) => stack.extend(items.into_iter().rev()),
            Value::Object(mut map) => {
                let graph = map.remove("@graph");
                let main = map
                    .get("mainEntity")
                    .filter(|v| v.is_object() || v.is_array())
                    .cloned();
                objects.push(map);
                if let Some(main) = main {
                    stack.push(main);
                }
                if let Some(graph) = graph {
                    stack.push(graph);
                }
            }
            _ => {}
        }
    }
}

/// Whether an object's `@type` includes one of the given kinds.
fn types(object: &serde_json::Map<String, Value>) -> Vec<&str> {
    fn strip(t: &str) -> &str {
        t.rsplit(['/', ':']).next().unwrap_or(t)
    }
    match object.get("@type") {
        Some(Value::String(t)) => vec![strip(t)],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(strip).collect(),
        _ => Vec::new(),
    }
}

fn is_article_type(t: &str) -> bool {
    t.ends_with("Article")
        || matches!(
            t,
            "BlogPosting"
                | "LiveBlogPosting"
                | "SocialMediaPosting"
                | "Report"
                | "DiscussionForumPosting"
                | "ClaimReview"
        )
}

fn is_page_type(t: &str) -> bool {
    matches!(t, "WebPage" | "ItemPage" | "AboutPage" | "CollectionPage")
}

fn interpret(objects: &[serde_json::Map<String, Value>]) -> LdFacts {
    let by_id = |id: &str| {
        objects
            .iter()
            .find(|o| o.get("@id").and_then(Value::as_str) == Some(id) && o.len() > 1)
    };
    // The article: among article-typed objects the most complete one, the
    // first on ties (later ones are usually related items).
    let score = |o: &serde_json::Map<String, Value>| {
        ["headline", "datePublished", "author", "articleBody"]
            .iter()
            .filter(|k| o.contains_key(**k))
            .count()
    };
    let mut best: Option<(&serde_json::Map<String, Value>, usize)> = None;
    for object in objects {
        if types(object).iter().any(|t| is_article_type(t)) {
            let s = score(object);
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((object, s));
            }
        }
    }
    let has_article = best.is_some();
    // Pages that describe themselves only as a WebPage still often carry
    // the article's dates and author there.
    let article = best.map(|(o, _)| o).or_else(|| {
        objects.iter().find(|o| {
            types(o).iter().any(|t| is_page_type(t))
                && (o.contains_key("datePublished") || o.contains_key("author"))
        })
    });
    let mut facts = LdFacts {
        has_article,
        ..LdFacts::default()
    };
    if let Some(article) = article {
        facts.headline = string_field(article, "headline")
            .or_else(|| has_article.then(|| string_field(article, "name")).flatten());
        if let Some(author) = article.get("author").or_else(|| article.get("creator")) {
            read_authors(author, &by_id, &mut facts);
        }
        facts.published =
            string_field(article, "datePublished").or_else(|| string_field(article, "dateCreated"));
        facts.modified = string_field(article, "dateModified");
        facts.publisher = article.get("publisher").and_then(|p| name_of(p, &by_id));
        facts.language = article.get("inLanguage").and_then(|l| match l {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => {
                string_field(o, "alternateName").or_else(|| string_field(o, "name"))
            }
            Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        });
        facts.image = article.get("image").and_then(|i| image_url(i, &by_id));
        for key in ["keywords", "articleSection"] {
            match article.get(key) {
                Some(Value::String(s)) => facts.tags.extend(
                    s.split(',')
                        .map(|t| decode_entities(t.trim()))
                        .filter(|t| !t.is_empty()),
                ),
                Some(Value::Array(items)) => facts.tags.extend(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|t| decode_entities(t.trim()))
                        .filter(|t| !t.is_empty()),
                ),
                _ => {}
            }
        }
        facts.url =
            string_field(article, "url").or_else(|| match article.get("mainEntityOfPage") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Object(o)) => string_field(o, "@id").or_else(|| string_field(o, "url")),
                _ => None,
            });
        facts.description = string_field(article, "description");
        facts.body = string_field(article, "articleBody");
    }
    if facts.published.is_none() {
        // Some pages put the dates on the WebPage and the rest elsewhere.
        facts.published = objects
            .iter()
            .filter(|o| types(o).iter().any(|t| is_page_type(t)))
            .find_map(|o| string_field(o, "datePublished"));
    }
    if facts.publisher.is_none() {
        facts.publisher = objects
            .iter()
            .filter(|o| {
                types(o)
                    .iter()
                    .any(|t| matches!(*t, "WebSite" | "NewsMediaOrganization"))
            })
            .find_map(|o| string_field(o, "name"));
    }
    facts
}

/// Reads `author`: a string, a Person or Organization object (possibly a
/// bare `@id` reference), or an array of those.
fn read_authors<'a>(
    author: &'a Value,
    by_id: &dyn Fn(&str) -> Option<&'a serde_json::Map<String, Value>>,
    facts: &mut LdFacts,
) {
    let items: Vec<&Value> = match author {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for item in items {
        match item {
            Value::String(s) => {
                let s = decode_entities(s.trim());
                if !s.is_empty() {
                    facts.person_authors.push(s);
                }
            }
            Value::Object(o) => {
                let resolved = o
                    .get("@id")
                    .and_then(Value::as_str)
                    .filter(|_| !o.contains_key("name"))
                    .and_then(by_id)
                    .unwrap_or(o);
                let name = string_field(resolved, "name").or_else(|| {
                    let given = string_field(resolved, "givenName")?;
                    let family = string_field(resolved, "familyName").unwrap_or_default();
                    Some(format!("{given} {family}").trim().to_owned())
                });
                let Some(name) = name.filter(|n| !n.is_empty()) else {
                    continue;
                };
                let is_org = types(resolved).iter().any(|t| {
                    t.ends_with("Organization")
                        || matches!(*t, "Corporation" | "NewsMediaOrganization")
                });
                if is_org {
                    facts.org_authors.push(name);
                } else {
                    facts.person_authors.push(name);
                }
            }
            _ => {}
        }
    }
}

/// The `name` of a string or object value, resolving `@id` references.
fn name_of<'a>(
    value: &'a Value,
    by_id: &dyn Fn(&str) -> Option<&'a serde_json::Map<String, Value>>,
) -> Option<String> {
    match value {
        Value::String(s) => Some(decode_entities(s.trim())).filter(|s| !s.is_empty()),
        Value::Object(o) => string_field(o, "name").or_else(|| {
            let target = by_id(o.get("@id")?.as_str()?)?;
            string_field(target, "name")
        }),
        Value::Array(items) => items.iter().find_map(|i| name_of(i, by_id)),
        _ => None,
    }
}

/// The first URL of an `image` value.
fn image_url<'a>(
    value: &'a Value,
    by_id: &dyn Fn(&str) -> Option<&'a serde_json::Map<String, Value>>,
) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Object(o) => string_field(o, "url")
            .or_else(|| string_field(o, "contentUrl"))
            .or_else(|| {
                let target = by_id(o.get("@id")?.as_str()?)?;
                string_field(target, "url").or_else(|| string_field(target, "contentUrl"))
            }),
        Value::Array(items) => items.iter().find_map(|i| image_url(i, by_id)),
        _ => None,
    }
}

/// A non-empty string field, entities decoded and whitespace collapsed.
fn string_field(object: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    let value = match object.get(key)? {
        Value::String(s) => s.as_str(),
        Value::Array(items) => items.first()?.as_str()?,
        _ => return None,
    };
    let value = super::collect::collapse(&decode_entities(value));
    (!value.is_empty()).then_some(value)
}

/// Decodes the HTML entities that leak into JSON-LD strings (`&amp;`,
/// `&#8217;`, `&quot;`, ...). Unknown entities are left as written.
pub(super) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..]
            .char_indices()
            .take(10)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i + 1);
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let ch = if let Some(num) = entity.strip_prefix('#') {
                let code = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => num.parse().ok()?,
                };
                char::from_u32(code)?
            } else {
                match entity {
                    "amp" => '&',
                    "quot" => '"',
                    "apos" => '\'',
                    "lt" => '<',
                    "gt" => '>',
                    "nbsp" => ' ',
                    "rsquo" => '\u{2019}',
                    "lsquo" => '\u{2018}',
                    "rdquo" => '\u{201d}',
                    "ldquo" => '\u{201c}',
                    "ndash" => '\u{2013}',
                    "mdash" => '\u{2014}',
                    "hellip" => '\u{2026}',
                    _ => return None,
                }
            };
            Some((ch, end + 1))
        });
        match decoded {
            Some((ch, len)) => {
                out.push(ch);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_one(script: &str) -> LdFacts {
        read(&[script.to_owned()])
    }

    #[test]
    fn reads_an_article_in_a_graph() {
        let facts = read_one(
            r##"{"@context":"https://schema.org","@graph":[
              {"@type":"WebSite","@id":"#site","name":"Example News"},
              {"@type":["NewsArticle"],"headline":"Rain &amp; wind","datePublished":"2024-05-02T10:00:00+02:00",
               "author":[{"@id":"#p1"},{"@type":"Organization","name":"Wire"}],
               "publisher":{"@id":"#site"},"image":{"@type":"ImageObject","url":"https://a.example/i.jpg"},
               "keywords":"weather, storms","articleSection":["News"],"inLanguage":"en-GB"},
              {"@type":"Person","@id":"#p1","name":"Jane Roe"}]}"##,
        );
        assert!(facts.has_article);
        assert_eq!(facts.headline.as_deref(), Some("Rain & wind"));
        assert_eq!(facts.person_authors, vec!["Jane Roe"]);
        assert_eq!(facts.org_authors, vec!["Wire"]);
        assert_eq!(facts.publisher.as_deref(), Some("Example News"));
        assert_eq!(facts.image.as_deref(), Some("https://a.example/i.jpg"));
        assert_eq!(facts.tags, vec!["weather", "storms", "News"]);
        assert_eq!(facts.language.as_deref(), Some("en-GB"));
    }

    #[test]
    fn tolerates_broken_scripts() {
        let facts = read_one(
            "<!--\n{\"@type\":\"Article\",\"headline\":\"Line\nbreak\",\"author\":\"A. Writer\",}\n-->",
        );
        assert_eq!(facts.headline.as_deref(), Some("Line break"));
        assert_eq!(facts.person_authors, vec!["A. Writer"]);
        let two =
            read_one(r#"{"@type":"WebSite","name":"S"}{"@type":"BlogPosting","headline":"H"}"#);
        assert_eq!(two.headline.as_deref(), Some("H"));
        assert_eq!(two.publisher.as_deref(), Some("S"));
        assert_eq!(read_one("not json at all"), LdFacts::default());
    }

    #[test]
    fn picks_the_most_complete_article() {
        let facts = read_one(
            r#"[{"@type":"Article","headline":"Related"},
               {"@type":"NewsArticle","headline":"Main","datePublished":"2024-01-01","author":{"name":"X Y"}}]"#,
        );
        assert_eq!(facts.headline.as_deref(), Some("Main"));
        assert_eq!(facts.person_authors, vec!["X Y"]);
    }

    #[test]
    fn nested_main_entity_is_found() {
        let facts = read_one(
            r#"{"@type":"WebPage","mainEntity":{"@type":"ReportageNewsArticle","headline":"Inner"}}"#,
        );
        assert_eq!(facts.headline.as_deref(), Some("Inner"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_scripts_never_panic(text in "\\PC{0,120}") {
            let _ = read_one(&text);
            let _ = decode_entities(&text);
        }
    }

    #[test]
    fn decodes_entities() {
        assert_eq!(
            decode_entities("a &amp; b&#8217;s &#x41; &bogus; &"),
            "a & b\u{2019}s A &bogus; &"
        );
    }
}
