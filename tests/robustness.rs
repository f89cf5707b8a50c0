//! Hostile and degenerate inputs: the extractor must return, never panic,
//! and say clearly what happened.

use gleaner::extract::{ExtractError, ExtractOptions, extract};
use gleaner::record::ExtractionStatus;
use proptest::prelude::*;

fn run(bytes: &[u8]) -> gleaner::record::Article {
    extract(bytes, &ExtractOptions::default()).expect("input is under the size limit")
}

/// Extracts on a thread with a 256 KB stack: a recursive walk over deep
/// input would overflow it and fail the test.
fn run_on_small_stack(html: String) {
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || run(html.as_bytes()).extraction.status)
        .expect("spawn");
    handle
        .join()
        .expect("extraction of deeply nested input must not panic");
}

#[test]
fn empty_input_is_empty() {
    let a = run(b"");
    assert_eq!(a.extraction.status, ExtractionStatus::Empty);
    assert!(a.text.is_empty() && a.title.is_none() && a.authors.is_empty());
}

#[test]
fn hundred_thousand_nested_elements_do_not_overflow_the_stack() {
    let depth = 100_000;
    let mut html = String::with_capacity(depth * 12);
    for _ in 0..depth {
        html.push_str("<div>");
    }
    html.push_str("<p>Deep text that is still text, with enough words to be read as an article paragraph.</p>");
    for _ in 0..depth {
        html.push_str("</div>");
    }
    run_on_small_stack(html);
}

#[test]
fn nested_inline_elements_do_not_overflow_the_stack() {
    let html = "<b><i>".repeat(50_000) + "text";
    run_on_small_stack(html);
}

#[test]
fn oversized_input_is_refused_with_a_clear_error() {
    let big = vec![b'a'; 50 * 1024 * 1024];
    let err =
        extract(&big, &ExtractOptions::default()).expect_err("50 MB is over the default limit");
    assert!(matches!(err, ExtractError::TooLarge { .. }));
    assert!(err.to_string().contains("over the limit"), "{err}");
}

#[test]
fn many_siblings_and_attributes_finish() {
    let mut html = String::from("<div>");
    for i in 0..20_000 {
        html.push_str(&format!("<p class=\"c{i} share related\" id=\"x{i}\" data-a=\"{i}\">word {i} and more words here.</p>"));
    }
    html.push_str("</div>");
    let _ = run(html.as_bytes());
}

#[test]
fn binary_garbage_is_not_an_article() {
    let bytes: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let a = run(&bytes);
    assert_ne!(a.extraction.status, ExtractionStatus::Ok, "{}", a.text);
}

#[test]
fn broken_json_ld_and_markup_are_tolerated() {
    let html = r#"<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "Broken, "author": [</script>
        <meta property="article:published_time" content="not a date"><title></title></head>
        <body><article><p>Unclosed <b>bold <i>italic <p>A paragraph that runs on and on with words, and more words, and commas, so it is read.</article>"#;
    let _ = run(html.as_bytes());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = run(&bytes);
    }

    #[test]
    fn arbitrary_tag_soup_never_panics(parts in proptest::collection::vec(
        prop_oneof![
            Just("<p>".to_owned()), Just("</p>".to_owned()), Just("<div class=\"content\">".to_owned()),
            Just("</div>".to_owned()), Just("<article>".to_owned()), Just("<a href=\"/x\">".to_owned()),
            Just("</a>".to_owned()), Just("<script>".to_owned()), Just("<table><tr><td>".to_owned()),
            Just("<ul><li>".to_owned()), Just("<br>".to_owned()), Just("<h1>".to_owned()),
            Just("<script type=\"application/ld+json\">{\"@type\":\"Article\",\"articleBody\":\"".to_owned()),
            "[a-zA-Z ,.]{0,40}", "\\PC{0,20}",
        ],
        0..200,
    )) {
        let html = parts.concat();
        let _ = run(html.as_bytes());
    }
}
