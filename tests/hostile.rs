//! The network edge against hostile servers: the SSRF guard, size limits on
//! decompressed bodies, time and rate limits, redirect limits and loops.
//! Each test drives `gleaner::http::Http` directly against a server on
//! 127.0.0.1 and fails without the defence it names. Every wait is bounded.

pub mod support;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use gleaner::config::Config;
use gleaner::http::{FetchError, FetchErrorKind, Fetched, Http, Request};
use support::hostile::{Behaviour, Hostile};
use url::Url;

/// A client built from the `[http]` lines given (plus a short timeout).
fn client(http: &str) -> Http {
    let text = format!("[http]\n{http}\n");
    let config = Config::parse(&text, Path::new("/tmp/hostile.toml")).unwrap();
    Http::new(&config.http, 4, Duration::ZERO).unwrap()
}

fn allow(server: &Hostile) -> String {
    format!("allow = [\"{}\"]", server.addr)
}

async fn get(http: &Http, url: &str, max_bytes: usize) -> Result<Fetched, FetchError> {
    let request = Request {
        max_bytes,
        ..Request::default()
    };
    http.fetch(&Url::parse(url).unwrap(), &request).await
}

fn body(result: Result<Fetched, FetchError>) -> Vec<u8> {
    match result {
        Ok(Fetched::Body(body)) => body.bytes,
        other => panic!("expected a body, got {other:?}"),
    }
}

fn refused(result: Result<Fetched, FetchError>) -> String {
    match result {
        Err(FetchError {
            kind: FetchErrorKind::Refused(reason),
            ..
        }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn feed_server() -> impl Fn(&str) -> Behaviour + Send + Sync + 'static {
    |_| Behaviour::ok("application/rss+xml", "<rss/>")
}

// ---- where it may connect ------------------------------------------------

#[tokio::test]
async fn the_default_config_refuses_loopback_and_the_allow_list_opens_one_service() {
    let server = Hostile::start(feed_server()).await;
    let other = Hostile::start(feed_server()).await;

    let reason = refused(get(&client(""), &server.url("/f"), 1000).await);
    assert!(reason.contains("http.allow"), "{reason}");
    assert_eq!(
        server.count(),
        0,
        "nothing may be sent to a refused address"
    );

    let http = client(&allow(&server));
    assert_eq!(body(get(&http, &server.url("/f"), 1000).await), b"<rss/>");
    // Another port on the same address stays closed.
    refused(get(&http, &other.url("/f"), 1000).await);
    assert_eq!(other.count(), 0);
    // A network entry opens every port.
    let http = client("allow = [\"127.0.0.0/8\"]");
    body(get(&http, &other.url("/f"), 1000).await);
}

#[tokio::test]
async fn names_resolving_to_loopback_are_refused_by_default() {
    let server = Hostile::start(feed_server()).await;
    let port = server.addr.port();
    let by_name = format!("http://localhost:{port}/f");
    let reason = refused(get(&client(""), &by_name, 1000).await);
    assert!(reason.contains("localhost resolves to"), "{reason}");
    assert_eq!(server.count(), 0);
    // The peer address is checked with its port too: allowing the address
    // on another port does not open this one.
    let http = client("allow = [\"127.0.0.1:1\", \"[::1]:1\"]");
    refused(get(&http, &by_name, 1000).await);
    // Allowed by its resolved address and port.
    let http = client(&format!("allow = [\"127.0.0.1:{port}\", \"[::1]:{port}\"]"));
    body(get(&http, &by_name, 1000).await);
}

#[tokio::test]
async fn redirects_to_refused_addresses_and_schemes_are_refused() {
    let inner = Hostile::start(feed_server()).await;
    let target = inner.url("/secret");
    let server = Hostile::start(move |path| match path {
        "/to-loopback" => Behaviour::redirect(302, &target),
        "/to-metadata" => Behaviour::redirect(301, "http://169.254.169.254/latest/meta-data/"),
        "/to-mapped" => Behaviour::redirect(302, "http://[::ffff:169.254.169.254]/"),
        "/to-file" => Behaviour::redirect(302, "file:///etc/passwd"),
        _ => Behaviour::ok("text/plain", "ok"),
    })
    .await;
    let http = client(&allow(&server));
    for path in ["/to-loopback", "/to-metadata", "/to-mapped"] {
        let reason = refused(get(&http, &server.url(path), 1000).await);
        assert!(reason.contains("not a public address"), "{path}: {reason}");
    }
    assert_eq!(inner.count(), 0);
    let err = get(&http, &server.url("/to-file"), 1000).await.unwrap_err();
    assert!(!err.is_transient());
    for url in [
        "file:///etc/passwd",
        "ftp://example.com/feed",
        "gopher://127.0.0.1:70/",
    ] {
        refused(get(&http, url, 1000).await);
    }
}

// ---- what it will read ---------------------------------------------------

fn gzip_bomb(inflated: usize) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..inflated >> 20 {
        encoder.write_all(&zeros).unwrap();
    }
    encoder.finish().unwrap()
}

fn brotli_bomb(inflated: usize) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 1 << 16, 5, 22);
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..inflated >> 20 {
            writer.write_all(&zeros).unwrap();
        }
    }
    out
}

#[tokio::test]
async fn compression_bombs_are_cut_at_the_decompressed_limit() {
    let gzip = gzip_bomb(64 << 20);
    let brotli = brotli_bomb(64 << 20);
    assert!(gzip.len() < 200_000 && brotli.len() < 200_000);
    let server = Hostile::start(move |path| {
        let (encoding, body) = if path == "/gz" {
            ("gzip", gzip.clone())
        } else {
            ("br", brotli.clone())
        };
        Behaviour::Full {
            status: 200,
            headers: vec![
                ("Content-Type".to_owned(), "application/rss+xml".to_owned()),
                ("Content-Encoding".to_owned(), encoding.to_owned()),
            ],
            body,
        }
    })
    .await;
    let http = client(&allow(&server));
    for path in ["/gz", "/br"] {
        let started = Instant::now();
        let err = get(&http, &server.url(path), 1 << 20).await.unwrap_err();
        assert!(
            matches!(err.kind, FetchErrorKind::TooLarge(1_048_576)),
            "{path}: {err}"
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{path}");
    }
}

#[tokio::test]
async fn a_never_ending_body_is_cut_at_the_limit() {
    let server = Hostile::start(|_| Behaviour::Endless).await;
    let http = client(&format!("timeout = \"60s\"\n{}", allow(&server)));
    let started = Instant::now();
    let err = get(&http, &server.url("/"), 4 << 20).await.unwrap_err();
    assert!(matches!(err.kind, FetchErrorKind::TooLarge(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_trickling_server_is_dropped_by_the_rate_floor() {
    let server = Hostile::start(|_| Behaviour::Trickle {
        every: Duration::from_millis(100),
    })
    .await;
    // The total timeout is far away: only the rate floor can stop it.
    let http = client(&format!(
        "timeout = \"60s\"\nread_timeout = \"5s\"\n{}",
        allow(&server)
    ));
    let started = Instant::now();
    let err = get(&http, &server.url("/"), 10 << 20).await.unwrap_err();
    assert!(matches!(err.kind, FetchErrorKind::TooSlow(1024)), "{err}");
    assert!(err.is_transient());
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn silent_and_stalled_servers_hit_the_read_timeout() {
    let server = Hostile::start(|path| {
        if path == "/silent" {
            Behaviour::Silent
        } else {
            Behaviour::StallAfterHead
        }
    })
    .await;
    let http = client(&format!(
        "timeout = \"60s\"\nread_timeout = \"1s\"\n{}",
        allow(&server)
    ));
    for path in ["/silent", "/stall"] {
        let started = Instant::now();
        let err = get(&http, &server.url(path), 1 << 20).await.unwrap_err();
        assert!(
            matches!(err.kind, FetchErrorKind::Timeout | FetchErrorKind::Body(_)),
            "{path}: {err}"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{path}");
    }
}

#[tokio::test]
async fn redirect_loops_and_chains_are_stopped() {
    let server = Hostile::start(|path| match path {
        "/a" => Behaviour::redirect(302, "/b"),
        "/b" => Behaviour::redirect(302, "/a"),
        chain => {
            let n: u32 = chain.trim_start_matches("/c").parse().unwrap_or(0);
            Behaviour::redirect(302, &format!("/c{}", n + 1))
        }
    })
    .await;
    let http = client(&format!("max_redirects = 20\n{}", allow(&server)));
    let err = get(&http, &server.url("/a"), 1000).await.unwrap_err();
    assert!(err.to_string().contains("loop"), "{err}");
    assert_eq!(server.count(), 2, "the loop is seen before a third request");
    let http = client(&format!("max_redirects = 3\n{}", allow(&server)));
    let err = get(&http, &server.url("/c0"), 1000).await.unwrap_err();
    assert!(err.to_string().contains("more than 3 redirects"), "{err}");
}
