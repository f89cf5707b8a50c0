//! Hostile XML against every XML parser gleaner uses: feed-rs (through
//! `gleaner::feed::parse`) and quick-xml (through `gleaner::opml::parse`).
//! No external entity is resolved, no DTD is fetched, and entity-expansion
//! bombs finish quickly in bounded memory.

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use url::Url;

const LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><guid>1</guid><title>&lol9;</title><description>&lol9;</description></item>
</channel></rss>"#;

fn base() -> Url {
    Url::parse("https://feeds.example/rss").unwrap()
}

/// Every string a parse yields, concatenated.
fn all_text(bytes: &[u8]) -> Option<String> {
    let parsed = gleaner::feed::parse(bytes, &base(), "https://feeds.example/rss").ok()?;
    let mut text = parsed.title.unwrap_or_default();
    for item in parsed.items {
        for field in [item.title, item.summary, item.content, item.guid, item.link] {
            text.push_str(&field.unwrap_or_default());
        }
    }
    Some(text)
}

#[test]
fn billion_laughs_is_not_expanded() {
    let started = Instant::now();
    let text = all_text(LAUGHS.as_bytes()).unwrap_or_default();
    assert!(started.elapsed() < Duration::from_secs(2));
    // Fully expanded, each &lol9; is 3 GB.
    assert!(text.len() < 10_000, "{} bytes of text", text.len());

    let opml = LAUGHS.replace("<rss version=\"2.0\"><channel><title>&lol9;</title>", "<opml version=\"2.0\"><body><outline text=\"&lol9;\" xmlUrl=\"https://a.example/&lol9;\"/></body></opml><x>");
    let started = Instant::now();
    let feeds = gleaner::opml::parse(&opml).unwrap_or_default();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(feeds.iter().all(|f| f.url.as_str().len() < 10_000));
}

#[test]
fn external_entities_are_not_read() {
    let secret = std::env::temp_dir().join(format!("gleaner-xxe-{}", std::process::id()));
    std::fs::write(&secret, "TOP-SECRET-CONTENT").unwrap();
    let uri = Url::from_file_path(&secret).unwrap();
    let feed = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{uri}">]>
<rss version="2.0"><channel><title>a &xxe; b</title>
<item><guid>1</guid><title>&xxe;</title><description>&xxe;</description></item></channel></rss>"#
    );
    let text = all_text(feed.as_bytes()).unwrap_or_default();
    assert!(!text.contains("TOP-SECRET"), "{text}");
    let opml = format!(
        r#"<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "{uri}">]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example/f"/></body></opml>"#
    );
    let feeds = gleaner::opml::parse(&opml).unwrap_or_default();
    assert!(
        feeds
            .iter()
            .all(|f| !f.name.as_deref().unwrap_or("").contains("TOP-SECRET"))
    );
    std::fs::remove_file(&secret).unwrap();
}

#[test]
fn external_dtds_and_parameter_entities_are_not_fetched() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let feed = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://{addr}/evil.dtd" [
 <!ENTITY % remote SYSTEM "http://{addr}/param.dtd"> %remote;
]>
<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>x</title></item></channel></rss>"#
    );
    let _ = all_text(feed.as_bytes());
    let opml = feed.replace(
        "<rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid><title>x</title></item></channel></rss>",
        "<opml><body><outline xmlUrl=\"https://a.example/f\"/></body></opml>",
    );
    let _ = gleaner::opml::parse(&opml);
    std::thread::sleep(Duration::from_millis(100));
    match listener.accept() {
        Ok((mut socket, _)) => {
            let mut request = String::new();
            let _ = socket.read_to_string(&mut request);
            panic!("a parser fetched a DTD: {request}");
        }
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock),
    }
}

#[test]
fn deep_and_wide_xml_finishes() {
    let mut deep = String::from(
        "<rss version=\"2.0\"><channel><title>d</title><item><guid>1</guid><description>",
    );
    deep.push_str(&"<x>".repeat(100_000));
    deep.push_str("</description></item></channel></rss>");
    let started = Instant::now();
    let _ = all_text(deep.as_bytes());
    let mut attrs = String::from("<rss version=\"2.0\"><channel><title ");
    for i in 0..50_000 {
        attrs.push_str(&format!("a{i}=\"v\" "));
    }
    attrs.push_str(">t</title></channel></rss>");
    let _ = all_text(attrs.as_bytes());
    assert!(started.elapsed() < Duration::from_secs(10));
}
