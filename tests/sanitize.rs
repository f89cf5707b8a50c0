//! The `html` of every record is safe to show, whatever the page or the feed
//! sent: no script, style, iframe, object or form, no event handler, no
//! `javascript:` or `data:` URL (a `data:image/` image excepted). Checked on
//! a parsed tree, both for extracted pages and for the feed-content
//! fallback, on fixed attacks and on random mixtures of them.

use gleaner::extract::{ExtractOptions, extract};
use gleaner::feed::Item;
use gleaner::pipeline::article_from_feed;
use proptest::prelude::*;

const ATTACKS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<object data=\"evil.swf\"></object><embed src=\"evil.swf\">",
    "<img src=x onerror=\"alert(1)\">",
    "<p onclick=\"alert(1)\" onmouseover='x()'>Click the paragraph about the council budget.</p>",
    "<a href=\"javascript:alert(1)\">a link about the bridge</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">another link</a>",
    "<a href=\"  javascript:alert(1)\">spaced link</a>",
    "<a href=\"java&#x09;script:alert(1)\">tabbed link</a>",
    "<a href=\"vbscript:msgbox(1)\">vb link</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data link</a>",
    "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
    "<img src=\"data:text/html,<script>alert(1)</script>\">",
    "<svg onload=alert(1)><script>alert(2)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    "<form action=\"https://evil.example/\"><input name=p></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<div style=\"background:url(javascript:alert(1))\">styled text about the vote</div>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<a href=\"https://example.com/ok\" target=\"_blank\" onfocus=\"x()\">a fine link</a>",
];

const PARAGRAPH: &str = "<p>The council met on Tuesday to discuss the budget for the coming year, and several members raised concerns about the cost of the new bridge, which has doubled since the project was first proposed.</p>";

fn page(body: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Hostile</title>{body}</head><body><article><h1>Hostile</h1>{PARAGRAPH}{body}{PARAGRAPH}{body}{PARAGRAPH}</article></body></html>"
    )
}

fn unsafe_url(url: &str, data_image_ok: bool) -> bool {
    let squashed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    if squashed.starts_with("data:image/") && !squashed.starts_with("data:image/svg") {
        return !data_image_ok;
    }
    ["javascript:", "vbscript:", "data:", "file:"]
        .iter()
        .any(|scheme| squashed.starts_with(scheme))
}

/// Panics with the offending piece if `html` is not safe to show.
fn assert_safe(html: &str) {
    let fragment = scraper::Html::parse_fragment(html);
    for node in fragment.root_element().descendants() {
        let Some(element) = node.value().as_element() else {
            continue;
        };
        let name = element.name();
        assert!(
            !matches!(
                name,
                "script"
                    | "style"
                    | "iframe"
                    | "frame"
                    | "frameset"
                    | "object"
                    | "embed"
                    | "form"
                    | "input"
                    | "meta"
                    | "base"
                    | "link"
                    | "svg"
                    | "math"
            ),
            "<{name}> in {html}"
        );
        for (attr, value) in element.attrs() {
            let attr = attr.to_ascii_lowercase();
            assert!(!attr.starts_with("on"), "{attr} in {html}");
            assert!(attr != "style", "style attribute in {html}");
            if matches!(
                attr.as_str(),
                "href" | "src" | "srcset" | "action" | "formaction" | "poster" | "cite" | "data"
            ) {
                let image = name == "img" && attr == "src";
                assert!(!unsafe_url(value, image), "{attr}={value:?} in {html}");
            }
        }
    }
}

fn extracted_html(body: &str) -> String {
    let page = page(body);
    let options = ExtractOptions {
        url: Some("https://news.example/story"),
        markdown: true,
        ..ExtractOptions::default()
    };
    extract(page.as_bytes(), &options)
        .map(|a| a.html)
        .unwrap_or_default()
}

fn feed_item(content: &str) -> Item {
    Item {
        key: "k".to_owned(),
        guid: Some("g".to_owned()),
        link: Some("https://news.example/story".to_owned()),
        title: Some("Hostile <script>alert(1)</script>".to_owned()),
        published: None,
        updated: None,
        summary: None,
        content: Some(format!("{PARAGRAPH}{content}{PARAGRAPH}")),
        authors: Vec::new(),
        media_type: None,
        content_hash: String::new(),
    }
}

#[test]
fn every_known_attack_is_removed_from_pages_and_feed_content() {
    for attack in ATTACKS {
        assert_safe(&extracted_html(attack));
        let article = article_from_feed(&feed_item(attack), "test");
        assert_safe(&article.html);
    }
    let all = ATTACKS.concat();
    assert_safe(&extracted_html(&all));
    let article = article_from_feed(&feed_item(&all), "test");
    assert_safe(&article.html);
    // Readable content survives the cleaning.
    assert!(
        article.html.contains("council met on Tuesday"),
        "{}",
        article.html
    );
}

#[test]
fn the_checker_catches_what_it_must() {
    for bad in [
        "<script>x</script>",
        "<p onclick=\"x\">a</p>",
        "<a href=\" JavaScript:x\">a</a>",
        "<a href=\"data:text/html,x\">a</a>",
        "<img src=\"data:image/svg+xml,x\">",
        "<iframe></iframe>",
    ] {
        assert!(
            std::panic::catch_unwind(|| assert_safe(bad)).is_err(),
            "{bad} passed the checker"
        );
    }
    assert_safe(
        "<p><a href=\"https://a.example/\">a</a><img src=\"data:image/png;base64,AAAA\"></p>",
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_mixtures_of_attacks_stay_safe(
        picks in proptest::collection::vec((0..ATTACKS.len(), "[a-z <>\"'=/&;]{0,12}"), 1..12),
    ) {
        let mut body = String::new();
        for (index, glue) in &picks {
            body.push_str(ATTACKS[*index]);
            body.push_str(glue);
        }
        assert_safe(&extracted_html(&body));
        assert_safe(&article_from_feed(&feed_item(&body), "test").html);
    }
}
