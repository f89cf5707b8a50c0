//! `gleaner extract` as a user runs it: files, stdin, formats, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn gleaner(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gleaner"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gleaner");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or_default())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait for gleaner")
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/pages/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn json_record_per_file_in_order() {
    let out = gleaner(
        &[
            "extract",
            &fixture("blog_post.html"),
            &fixture("seed_shape.html"),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["title"], "Why my sourdough finally rises");
    assert_eq!(
        lines[1]["title"],
        "Harbor town votes to rebuild its old lighthouse"
    );
    for line in &lines {
        assert_eq!(line["schema"], 1);
        for field in [
            "id",
            "url",
            "canonical_url",
            "authors",
            "published",
            "modified",
            "language",
            "site_name",
            "description",
            "image",
            "tags",
            "text",
            "html",
            "word_count",
            "content_hash",
            "extraction",
        ] {
            assert!(line.get(field).is_some(), "record lacks {field}: {line}");
        }
        assert!(line.get("markdown").is_none(), "markdown only on request");
    }
}

#[test]
fn stdin_with_url_and_text_format() {
    let page = std::fs::read(fixture("seed_shape.html")).expect("fixture");
    let out = gleaner(
        &[
            "extract",
            "--format",
            "text",
            "--url",
            "https://news.example.org/a",
            "-",
        ],
        Some(&page),
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("Voters in the harbor town"), "{text}");
    assert!(!text.contains('{'));
}

#[test]
fn markdown_and_html_formats() {
    let md = gleaner(
        &[
            "extract",
            "--format",
            "markdown",
            &fixture("blog_post.html"),
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&md.stdout).contains("## Give the dough more time"));
    let html = gleaner(
        &["extract", "--format", "html", &fixture("blog_post.html")],
        None,
    );
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(html.contains("<h2>Give the dough more time</h2>"), "{html}");
    assert!(!html.contains("<script"));
}

#[test]
fn a_bad_input_does_not_stop_the_others() {
    let out = gleaner(
        &[
            "extract",
            "/nonexistent/page.html",
            &fixture("seed_shape.html"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/page.html"));
}

#[test]
fn oversized_input_is_refused() {
    let big = vec![b'x'; 2048];
    let out = gleaner(&["extract", "--max-bytes", "1024", "-"], Some(&big));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("larger than the limit"));
    assert!(out.stdout.is_empty());
}

#[test]
fn usage_error_exits_2() {
    let out = gleaner(&["extract", "--format", "pdf"], None);
    assert_eq!(out.status.code(), Some(2));
}
