//! Extraction on the synthetic fixture pages in `tests/fixtures/pages`:
//! a snapshot of each full record, plus assertions that say in words what a
//! correct extraction keeps and drops, so a snapshot update cannot quietly
//! accept a regression.

use gleaner::extract::{ExtractOptions, extract};
use gleaner::record::{Article, ExtractionStatus};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/pages/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn check_extract(name: &str, url: &str) -> Article {
    let options = ExtractOptions {
        url: Some(url),
        markdown: true,
        ..ExtractOptions::default()
    };
    extract(&fixture(name), &options).expect("fixture is under the size limit")
}

/// Snapshots the whole record after the explicit assertions have passed, so a
/// failure names the broken behaviour before the diff.
fn snapshot(name: &str, article: &Article) {
    insta::assert_json_snapshot!(name, article);
}

#[test]
fn seed_shaped_page_keeps_the_story_and_drops_the_chrome() {
    let a = check_extract(
        "seed_shape.html",
        "https://news.example.org/current-news/harbor-town-lighthouse?utm_source=feed",
    );
    assert_eq!(a.extraction.status, ExtractionStatus::Ok);
    assert_eq!(
        a.title.as_deref(),
        Some("Harbor town votes to rebuild its old lighthouse")
    );
    assert_eq!(a.authors, vec!["Mara Ellison".to_owned()]);
    assert_eq!(a.site_name.as_deref(), Some("Coastline Daily"));
    assert_eq!(a.published.as_deref(), Some("2025-04-28T09:15:00-04:00"));
    assert_eq!(a.language.as_deref(), Some("en"));
    assert_eq!(
        a.image.as_deref(),
        Some("https://news.example.org/images/lighthouse.jpg")
    );
    assert_eq!(
        a.canonical_url.as_deref(),
        Some("https://news.example.org/current-news/harbor-town-lighthouse")
    );
    assert!(
        a.text.starts_with("Voters in the harbor town of Westmere"),
        "{}",
        a.text
    );
    assert!(
        a.text.ends_with("With assistance from Tomas Rivera."),
        "{}",
        a.text
    );
    assert_eq!(
        a.text.split("\n\n").count(),
        6,
        "six paragraphs: {}",
        a.text
    );
    for chrome in [
        "Current News",
        "Coastline Wire on",
        "Published in",
        "Share on",
        "newsletter",
        "©2025",
        "Distributed by",
        "Related stories",
        "Comments",
        "Disqus",
        "All rights reserved",
    ] {
        assert!(
            !a.text.contains(chrome),
            "body keeps chrome {chrome:?}: {}",
            a.text
        );
    }
    snapshot("seed_shape.html", &a);
}

#[test]
fn blog_post_keeps_structure() {
    let a = check_extract(
        "blog_post.html",
        "https://flour.example.com/2024/11/why-my-sourdough-rises/",
    );
    assert_eq!(a.title.as_deref(), Some("Why my sourdough finally rises"));
    assert_eq!(a.authors, vec!["Priya Lindqvist".to_owned()]);
    assert_eq!(a.published.as_deref(), Some("2024-11-03T07:30:00Z"));
    assert_eq!(a.modified.as_deref(), Some("2024-11-05T12:00:00Z"));
    assert_eq!(a.language.as_deref(), Some("en-US"));
    assert!(a.tags.contains(&"sourdough".to_owned()));
    assert!(a.text.starts_with("For two years my loaves"), "{}", a.text);
    assert!(a.text.contains("Feed it on a schedule"));
    assert!(a.text.contains("Watch the dough, not the clock."));
    assert!(a.text.contains("Mark the level with a rubber band"));
    assert!(a.text.contains("They cost nothing but a little attention."));
    for chrome in [
        "cookies",
        "Share this",
        "Related",
        "Leave a Reply",
        "Recent Posts",
        "thoughts on",
        "Posted in",
        "powered by",
    ] {
        assert!(
            !a.text.contains(chrome),
            "body keeps chrome {chrome:?}: {}",
            a.text
        );
    }
    assert!(a.html.contains("<h2>"), "{}", a.html);
    assert!(a.html.contains("<li>"), "{}", a.html);
    assert!(a.html.contains("<blockquote>"), "{}", a.html);
    assert!(
        a.html.contains("<table>") || a.html.contains("<td>"),
        "{}",
        a.html
    );
    assert!(
        a.html
            .contains("https://flour.example.com/wp-content/uploads/loaf.jpg"),
        "{}",
        a.html
    );
    assert!(!a.html.contains("<script"), "{}", a.html);
    let md = a.markdown.as_deref().unwrap_or_default();
    assert!(md.contains("## Feed it on a schedule"), "{md}");
    assert!(md.contains("- Feed equal weights"), "{md}");
    assert!(md.contains("> Watch the dough"), "{md}");
    snapshot("blog_post.html", &a);
}

#[test]
fn json_ld_news_article_gives_its_metadata() {
    let a = check_extract(
        "news_jsonld.html",
        "https://www.nordkurier-beispiel.example/lokales/radwege-123",
    );
    assert_eq!(
        a.title.as_deref(),
        Some("Stadtrat beschließt neues Radwegenetz")
    );
    assert_eq!(
        a.authors,
        vec!["Lena Hartmann".to_owned(), "Jonas Weber".to_owned()]
    );
    assert_eq!(a.published.as_deref(), Some("2024-05-02T14:05:00+02:00"));
    assert_eq!(a.language.as_deref().map(|l| &l[..2]), Some("de"));
    assert_eq!(a.site_name.as_deref(), Some("Nordkurier Beispiel"));
    assert!(
        a.text.contains("Nach langer Debatte hat der Stadtrat"),
        "{}",
        a.text
    );
    assert!(
        a.text.contains("Eigenanteil von etwa einem Drittel."),
        "{}",
        a.text
    );
    for chrome in [
        "Von Lena Hartmann",
        "Anzeige",
        "Digital-Abo",
        "Mehr aus Lokales",
        "Neue Buslinie",
        "Impressum",
    ] {
        assert!(
            !a.text.contains(chrome),
            "body keeps chrome {chrome:?}: {}",
            a.text
        );
    }
    snapshot("news_jsonld.html", &a);
}

#[test]
fn index_page_is_not_an_article() {
    let a = check_extract("not_article.html", "https://herald.example/latest");
    assert_eq!(a.extraction.status, ExtractionStatus::NotArticle);
    assert!(a.text.is_empty(), "{}", a.text);
    assert!(a.extraction.note.is_some());
    snapshot("not_article.html", &a);
}

#[test]
fn windows_1251_page_is_decoded() {
    let a = check_extract("windows_1251.html", "https://gorod.example/news/most");
    assert_eq!(a.extraction.charset.as_deref(), Some("windows-1251"));
    assert_eq!(
        a.title.as_deref(),
        Some("Новый мост через реку откроют осенью")
    );
    assert!(
        a.text.starts_with("Строительство нового моста"),
        "{}",
        a.text
    );
    assert_eq!(a.language.as_deref(), Some("ru"));
    assert!(!a.text.contains("Все права защищены"));
    snapshot("windows_1251.html", &a);
}
