//! OPML subscription lists: reading the feeds out of one, and appending them
//! to a config file as `[[feeds]]` tables (comments and layout of the file
//! are kept; the config file stays the single list of feeds).
//!
//! Pure: the caller reads and writes the files.

use std::collections::HashSet;

use quick_xml::Reader;
use quick_xml::events::Event;
use url::Url;

/// One feed of an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// `xmlUrl`.
    pub url: Url,
    /// `title`, else `text`.
    pub name: Option<String>,
    /// The enclosing outlines' titles (OPML folders), outermost first.
    pub tags: Vec<String>,
}

/// Why an OPML file was refused.
#[derive(Debug, thiserror::Error)]
#[error("not a readable OPML file: {0}")]
pub struct OpmlError(String);

/// Reads every outline with an http(s) `xmlUrl`, in document order.
pub fn parse(text: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    let mut reader = Reader::from_str(text);
    let mut feeds = Vec::new();
    // The folder names of the open outlines (None for outlines that are feeds).
    let mut stack: Vec<Option<String>> = Vec::new();
    let mut saw_opml = false;
    loop {
        let event = reader.read_event().map_err(|e| OpmlError(e.to_string()))?;
        let (element, is_empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if e.local_name().as_ref() == "outline" {
                    stack.pop();
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match element.local_name().as_ref() {
            "opml" => saw_opml = true,
            "outline" => {
                let mut attrs = std::collections::HashMap::new();
                for attr in element.attributes().flatten() {
                    let key = attr.key.local_name().as_ref().to_ascii_lowercase();
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| OpmlError(e.to_string()))?
                        .trim()
                        .to_owned();
                    attrs.insert(key, value);
                }
                let name = attrs
                    .get("title")
                    .or_else(|| attrs.get("text"))
                    .filter(|t| !t.is_empty())
                    .cloned();
                let url = attrs
                    .get("xmlurl")
                    .and_then(|u| Url::parse(u).ok())
                    .filter(|u| matches!(u.scheme(), "http" | "https"));
                if let Some(url) = url {
                    feeds.push(OpmlFeed {
                        url,
                        name,
                        tags: stack.iter().flatten().cloned().collect(),
                    });
                    if !is_empty {
                        stack.push(None);
                    }
                } else if !is_empty {
                    stack.push(name);
                }
            }
            _ => {}
        }
    }
    if !saw_opml {
        return Err(OpmlError("no <opml> element".to_owned()));
    }
    Ok(feeds)
}

/// Appends the feeds whose URL is not in `existing` to `config` as
/// `[[feeds]]` tables; returns the new text and the feeds added.
pub fn append_feeds(
    config: &str,
    existing: &HashSet<Url>,
    feeds: &[OpmlFeed],
) -> (String, Vec<OpmlFeed>) {
    let mut text = config.to_owned();
    let mut added = Vec::new();
    let mut seen = existing.clone();
    for feed in feeds {
        if !seen.insert(feed.url.clone()) {
            continue;
        }
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("\n[[feeds]]\n");
        text.push_str(&format!("url = {}\n", quote(feed.url.as_str())));
        if let Some(name) = &feed.name {
            text.push_str(&format!("name = {}\n", quote(name)));
        }
        if !feed.tags.is_empty() {
            let tags: Vec<String> = feed.tags.iter().map(|t| quote(t)).collect();
            text.push_str(&format!("tags = [{}]\n", tags.join(", ")));
        }
        added.push(feed.clone());
    }
    (text, added)
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPML: &str = r#"<?xml version="1.0"?>
<opml version="2.0"><head><title>Subs</title></head><body>
  <outline text="News" title="News">
    <outline type="rss" text="Example &amp; Co" xmlUrl="https://example.com/feed.xml" htmlUrl="https://example.com/"/>
    <outline type="rss" text="Other" xmlUrl="http://other.example/rss"/>
  </outline>
  <outline type="rss" text="Top" xmlUrl="https://top.example/atom"/>
  <outline type="rss" text="Bad" xmlUrl="javascript:alert(1)"/>
</body></opml>"#;

    #[test]
    fn reads_feeds_with_folders_as_tags() {
        let feeds = parse(OPML).unwrap();
        assert_eq!(feeds.len(), 3);
        assert_eq!(feeds[0].name.as_deref(), Some("Example & Co"));
        assert_eq!(feeds[0].tags, vec!["News"]);
        assert!(feeds[2].tags.is_empty());
        assert!(parse("<html></html>").is_err());
    }

    #[test]
    fn appends_only_new_feeds_as_valid_toml() {
        let feeds = parse(OPML).unwrap();
        let existing: HashSet<Url> = [Url::parse("https://top.example/atom").unwrap()].into();
        let (text, added) =
            append_feeds("# my feeds\n[daemon]\nrobots_txt = true", &existing, &feeds);
        assert_eq!(added.len(), 2);
        assert!(text.starts_with("# my feeds\n"));
        let config = crate::config::Config::parse(&text, std::path::Path::new("x.toml")).unwrap();
        assert_eq!(config.feeds.len(), 2);
        assert_eq!(config.feeds[0].name, "Example & Co");
    }
}
