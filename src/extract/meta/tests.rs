//! Whole-page tests of [`super::extract`] on small synthetic pages.

use super::*;

fn meta_of(html: &str, url: &str) -> Metadata {
    let document = Html::parse_document(html);
    let base = Url::parse(url).ok();
    extract(&document, base.as_ref())
}

#[test]
fn seed_shaped_page() {
    // The shape of a syndicated story: breadcrumb with the site name, an h1,
    // a byline "Name, Agency on" with the date in another element, and a
    // section label.
    let page = r#"<html lang="en"><head><title>Storm closes harbour | Example Site</title>
        <meta property="og:site_name" content="Example Site"></head><body>
        <div class="breadcrumb"><a href="/">Current News</a> / <a href="/">Example Site</a></div>
        <h1>Storm closes harbour</h1>
        <div class="article-byline"><span>Jane Roe, Example News on</span>
        <span class="date">May 2, 2024</span><br><span>Published in News &amp; Features</span></div>
        <p>The harbour closed on Thursday.</p></body></html>"#;
    let meta = meta_of(page, "https://www.example.org/news/storm");
    assert_eq!(meta.title.as_deref(), Some("Storm closes harbour"));
    assert_eq!(meta.authors, vec!["Jane Roe"]);
    assert_eq!(meta.site_name.as_deref(), Some("Example Site"));
    assert_eq!(meta.language.as_deref(), Some("en"));
    assert_eq!(meta.byline_texts.len(), 1);
    assert!(meta.byline_texts[0].starts_with("Jane Roe, Example News on"));
    // No machine-readable date anywhere: the date element's text.
    assert_eq!(meta.published.as_deref(), Some("2024-05-02"));
}

#[test]
fn text_dates_come_last_and_never_from_chrome() {
    let page = r#"<html><head><title>Harbour</title></head><body>
        <aside class="related"><span class="post-date">January 9, 2020</span></aside>
        <article><h1>Harbour</h1><div class="meta">Posted by <b>Ann</b></div>
        <div class="entry-date">3 June 2009</div><p>The harbour closed.</p></article>
        </body></html>"#;
    let meta = meta_of(page, "https://www.example.org/harbour");
    assert_eq!(meta.published.as_deref(), Some("2009-06-03"));
    let dated_url = meta_of(page, "https://www.example.org/2011/02/03/harbour");
    assert_eq!(dated_url.published.as_deref(), Some("2011-02-03"));
}

#[test]
fn json_ld_wins_and_fills_every_field() {
    let page = r#"<html lang="de-DE"><head>
        <title>Regen kommt - Beispiel</title>
        <meta name="author" content="Someone Else">
        <link rel="canonical" href="/artikel/regen">
        <script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
          "headline":"Regen kommt","datePublished":"2024-05-02T10:00:00+02:00",
          "dateModified":"2024-05-03T08:00:00+02:00",
          "author":[{"@type":"Person","name":"Max Muster"},{"@type":"Organization","name":"Beispiel"}],
          "publisher":{"@type":"Organization","name":"Beispiel"},
          "image":["/img/a.jpg"],"keywords":["Wetter","Regen"],"articleBody":"Es regnet."}</script>
        </head><body><h1>Regen kommt</h1></body></html>"#;
    let meta = meta_of(page, "https://beispiel.example/artikel/regen?ref=feed");
    assert_eq!(meta.title.as_deref(), Some("Regen kommt"));
    assert_eq!(meta.authors, vec!["Max Muster"]);
    assert_eq!(meta.published.as_deref(), Some("2024-05-02T10:00:00+02:00"));
    assert_eq!(meta.modified.as_deref(), Some("2024-05-03T08:00:00+02:00"));
    assert_eq!(meta.language.as_deref(), Some("de-DE"));
    assert_eq!(meta.site_name.as_deref(), Some("Beispiel"));
    assert_eq!(
        meta.image.as_deref(),
        Some("https://beispiel.example/img/a.jpg")
    );
    assert_eq!(
        meta.canonical_url.as_deref(),
        Some("https://beispiel.example/artikel/regen")
    );
    assert_eq!(meta.tags, vec!["Wetter", "Regen"]);
    assert_eq!(meta.json_ld_body.as_deref(), Some("Es regnet."));
}

#[test]
fn meta_tags_when_no_json_ld() {
    let page = r#"<html><head>
        <meta property="og:title" content="Markets rally">
        <meta property="article:published_time" content="2024-05-02T10:00:00Z">
        <meta name="author" content="JANE ROE, JOHN DOE">
        <meta http-equiv="content-language" content="en_US">
        <meta property="og:url" content="https://a.example/">
        <meta name="keywords" content="markets, stocks, Markets">
        </head><body></body></html>"#;
    let meta = meta_of(page, "https://a.example/markets/rally");
    assert_eq!(meta.title.as_deref(), Some("Markets rally"));
    assert_eq!(meta.published.as_deref(), Some("2024-05-02T10:00:00Z"));
    assert_eq!(meta.authors, vec!["Jane Roe", "John Doe"]);
    assert_eq!(meta.language.as_deref(), Some("en-US"));
    // og:url pointing at the home page is a template default.
    assert_eq!(meta.canonical_url, None);
    assert_eq!(meta.tags, vec!["markets", "stocks"]);
}

#[test]
fn time_in_article_beats_related_lists_and_url_is_last() {
    let page = r#"<html><body>
        <aside class="related"><time datetime="2020-01-01T00:00:00Z">old</time></aside>
        <article><h1>Story</h1><time datetime="2024-05-02">2 May</time></article>
        </body></html>"#;
    let meta = meta_of(page, "https://a.example/2023/01/01/story");
    assert_eq!(meta.published.as_deref(), Some("2024-05-02"));
    let bare = meta_of("<p>x</p>", "https://a.example/2023/01/01/story");
    assert_eq!(bare.published.as_deref(), Some("2023-01-01"));
}

#[test]
fn nothing_is_invented() {
    let meta = meta_of(
        "<html><body><p>Hello</p></body></html>",
        "https://a.example/x",
    );
    assert_eq!(meta, Metadata::default());
}

#[test]
fn agency_credited_beside_a_person_is_kept_but_not_the_site() {
    let page = r#"<html><head><meta property="og:site_name" content="Example Daily">
        <script type="application/ld+json">{"@type":"NewsArticle","headline":"H",
          "author":[{"@type":"Person","name":"Jane Roe"},
                    {"@type":"Organization","name":"Wire Agency"},
                    {"@type":"Organization","name":"Example Daily"}]}</script>
        </head><body></body></html>"#;
    let meta = meta_of(page, "https://exampledaily.example/a");
    assert_eq!(meta.authors, vec!["Jane Roe", "Wire Agency"]);
}

#[test]
fn site_credit_yields_to_a_visible_person_byline() {
    let page = r#"<html><head><meta name="author" content="exampledaily.example">
        </head><body><article><h1>H</h1>
        <p class="author">von Max Muster, EXAMPLEDAILY REGIONAL</p></article></body></html>"#;
    let meta = meta_of(page, "https://exampledaily.example/a");
    assert_eq!(meta.authors, vec!["Max Muster"]);
    let only_site = r#"<html><head><meta name="author" content="Example Daily"></head></html>"#;
    let meta = meta_of(only_site, "https://exampledaily.example/a");
    assert_eq!(meta.authors, vec!["Example Daily"]);
}

#[test]
fn a_bare_site_label_beside_a_person_is_dropped() {
    let page = r#"<html><head><meta property="og:site_name" content="example.org">
        <meta name="author" content="Jane Roe, example.org"></head></html>"#;
    let meta = meta_of(page, "https://www.example.org/a");
    assert_eq!(meta.authors, vec!["Jane Roe"]);
}

proptest::proptest! {
    #[test]
    fn arbitrary_pages_never_panic(text in "\\PC{0,120}", url in "\\PC{0,40}") {
        let page = format!(
            r#"<html lang="{text}"><head><title>{text}</title><meta name="author" content="{text}">
            <meta property="article:published_time" content="{text}">
            <script type="application/ld+json">{text}</script></head>
            <body><h1>{text}</h1><div class="byline">{text}</div><time datetime="{text}">{text}</time></body></html>"#
        );
        let _ = meta_of(&page, &format!("https://a.example/{url}"));
    }
}

#[test]
fn body_bylines_fill_authors_only_when_the_page_declared_none_or_the_site() {
    let base = Url::parse("https://www.example-news.com/a/1").unwrap();
    let bylines = vec!["By Ann Example".to_owned()];
    let mut none = Metadata::default();
    authors_from_body_bylines(&mut none, &bylines, Some(&base));
    assert_eq!(none.authors, vec!["Ann Example"]);
    let mut site = Metadata {
        authors: vec!["Example News".into()],
        site_name: Some("Example News".into()),
        ..Metadata::default()
    };
    authors_from_body_bylines(&mut site, &bylines, Some(&base));
    assert_eq!(site.authors, vec!["Ann Example"]);
    let mut person = Metadata {
        authors: vec!["Bo Sample".into()],
        ..Metadata::default()
    };
    authors_from_body_bylines(&mut person, &bylines, Some(&base));
    assert_eq!(person.authors, vec!["Bo Sample"]);
}

#[test]
fn person_names_are_short_cased_and_without_digits() {
    assert!(is_person_name("Jane Roe"));
    assert!(is_person_name("JANE ROE"));
    assert!(is_person_name("Lê Phương"));
    assert!(!is_person_name("Jane"));
    assert!(!is_person_name("Jane Roe 2024"));
    assert!(!is_person_name("the rain returns today"));
    assert!(!is_person_name("This Is What Happened Next In Town"));
}
