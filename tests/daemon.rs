//! End-to-end tests of the daemon: the real `gleaner` binary against a real
//! HTTP server on 127.0.0.1 started by each test. No test touches the
//! network beyond that server; every wait is bounded.

pub mod support;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::server::{Response, Routes, TestServer, article_page, rss};

/// A test's world: a temp dir, a server with routes, a config file.
struct World {
    dir: tempfile::TempDir,
    routes: Arc<Routes>,
    server: TestServer,
}

const RSS: &str = "application/rss+xml";
const HTML: &str = "text/html; charset=utf-8";

impl World {
    fn new() -> World {
        let routes = Arc::new(Routes::default());
        let handler_routes = routes.clone();
        let server = TestServer::start(move |r| handler_routes.answer(r), true);
        World {
            dir: tempfile::tempdir().unwrap(),
            routes,
            server,
        }
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Serves a feed at `path` with items `ids` (pages at /a/<id>), with an ETag.
    fn feed(&self, path: &str, ids: &[&str]) {
        let body = rss(path, &self.url(""), ids);
        let etag = format!("\"{}-{}\"", path.len(), ids.join("-"));
        self.routes
            .set(path, Response::ok(RSS, body).with_header("ETag", &etag));
    }

    fn pages(&self, ids: &[&str], delay: Duration) {
        for id in ids {
            self.routes.set(
                &format!("/a/{id}"),
                Response::ok(HTML, article_page(id, 4)).with_delay(delay),
            );
        }
    }

    /// Writes the config with these feed paths and extra TOML; returns its path.
    fn config(&self, feeds: &[&str], extra: &str) -> PathBuf {
        let mut text = format!(
            "# test config\n[daemon]\nstate_path = \"state.db\"\nrobots_txt = false\nshutdown_timeout = \"5s\"\n\n\
             [http]\ntimeout = \"5s\"\nretries = 1\nretry_delay = \"50ms\"\nallow = [\"{addr}\"]\n\n\
             [concurrency]\nper_host = 4\nmin_host_delay = \"0s\"\n\n\
             [schedule]\nmin_interval = \"100ms\"\ndefault_interval = \"300ms\"\nmax_interval = \"1h\"\nmax_backoff = \"1h\"\njitter = 0.0\n\n{extra}\n",
            addr = self.server.addr
        );
        for feed in feeds {
            text.push_str(&format!(
                "\n[[feeds]]\nurl = \"{}\"\ntags = [\"t\"]\n",
                self.url(feed)
            ));
        }
        let path = self.dir.path().join("gleaner.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn gleaner(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gleaner"));
    command
        .args(args)
        .env("RUST_LOG", "gleaner=debug,info")
        .env_remove("NOTIFY_SOCKET");
    command
}

/// Runs `gleaner once` to the end (at most 60 s) and returns its records.
fn once(config: &Path) -> (Output, Vec<Value>) {
    let child = gleaner(&["once", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = wait_output(child, Duration::from_secs(60));
    let records = parse_lines(&String::from_utf8_lossy(&output.stdout));
    (output, records)
}

fn wait_output(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("gleaner did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn parse_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

fn titles(records: &[Value]) -> Vec<String> {
    let mut titles: Vec<String> = records
        .iter()
        .map(|r| r["feed"]["item_title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    condition()
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A long-running `gleaner run` writing its records to a file.
fn spawn_run(world: &World, config: &Path) -> Child {
    let out = std::fs::File::create(world.path("run.out")).unwrap();
    let err = std::fs::File::create(world.path("run.err")).unwrap();
    gleaner(&["run", "--config", config.to_str().unwrap()])
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap()
}

fn run_records(world: &World) -> Vec<Value> {
    let text = std::fs::read_to_string(world.path("run.out")).unwrap_or_default();
    // Only complete lines: the process may be writing.
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    parse_lines(complete)
}

fn stop(mut child: Child, world: &World) {
    signal(&child, "TERM");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let log = std::fs::read_to_string(world.path("run.err")).unwrap_or_default();
            assert!(status.success(), "run exited with {status}: {log}");
            return;
        }
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("run did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn first_poll_emits_all_then_304_emits_nothing_then_only_the_new_item() {
    let world = World::new();
    world.feed("/feed.xml", &["1", "2", "3"]);
    world.pages(&["1", "2", "3", "4"], Duration::ZERO);
    let config = world.config(&["/feed.xml"], "");

    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(titles(&records), ["Story 1", "Story 2", "Story 3"]);
    let record = &records[0];
    assert_eq!(record["schema"], 1);
    assert_eq!(record["version"], 1);
    assert_eq!(record["extraction"]["source"], "page");
    assert_eq!(record["feed"]["url"], world.url("/feed.xml"));
    assert_eq!(record["feed"]["title"], "/feed.xml");
    assert_eq!(record["feed"]["tags"], serde_json::json!(["t"]));
    assert!(record["text"].as_str().unwrap().contains("The council met"));
    assert!(record["fetched_at"].as_str().unwrap().ends_with('Z'));

    // A new process on the same state: validators sent, 304, nothing emitted.
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(records.is_empty(), "{records:?}");
    let polls = world.server.stats.requests_for("/feed.xml");
    assert_eq!(polls.len(), 2);
    assert!(polls[0].header("if-none-match").is_none());
    assert_eq!(polls[1].header("if-none-match"), Some("\"9-1-2-3\""));

    // One new item: exactly one record.
    world.feed("/feed.xml", &["1", "2", "3", "4"]);
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(titles(&records), ["Story 4"]);
    // Each page was fetched exactly once over the three runs.
    for id in ["1", "2", "3", "4"] {
        assert_eq!(
            world.server.stats.requests_for(&format!("/a/{id}")).len(),
            1
        );
    }
}

#[test]
fn check_accepts_the_shipped_config_and_rejects_bad_ones_with_the_line() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/gleaner.toml");
    let output = gleaner(&["check", "--config", shipped.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("ok"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[daemon]\nstate_path = \"s.db\"\n\n[http]\ntimeout = \"5s\"\nuser_agnet = \"x\"\n",
    )
    .unwrap();
    let output = gleaner(&["check", "--config", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("line 6") && message.contains("user_agnet"),
        "{message}"
    );

    std::fs::write(&bad, "[[feeds]]\nurl = \"https://a.example/f\"\n\n[[feeds]]\nurl = \"https://b.example/f\"\ninterval = \"often\"\n").unwrap();
    let output = gleaner(&["check", "--config", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("bad.toml:6: `feeds[1].interval`"),
        "{message}"
    );
}

#[test]
fn opml_import_adds_feeds_to_the_config_once() {
    let world = World::new();
    world.feed("/one.xml", &["o1"]);
    world.feed("/two.xml", &["t1"]);
    world.pages(&["o1", "t1"], Duration::ZERO);
    let config = world.config(&["/one.xml"], "");
    let opml = world.path("subs.opml");
    std::fs::write(
        &opml,
        format!(
            "<?xml version=\"1.0\"?><opml version=\"2.0\"><body><outline text=\"News\">\
             <outline type=\"rss\" text=\"One\" xmlUrl=\"{}\"/><outline type=\"rss\" text=\"Two\" xmlUrl=\"{}\"/>\
             </outline></body></opml>",
            world.url("/one.xml"),
            world.url("/two.xml")
        ),
    )
    .unwrap();
    let import = |opml: &Path| {
        gleaner(&[
            "feeds",
            "import",
            opml.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ])
        .output()
        .unwrap()
    };
    let output = import(&opml);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 feeds added"));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.starts_with("# test config\n"), "comments kept");
    assert!(text.contains("name = \"Two\"") && text.contains("tags = [\"News\"]"));
    // Importing again adds nothing.
    let output = import(&opml);
    assert!(String::from_utf8_lossy(&output.stdout).contains("0 feeds added"));

    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(titles(&records), ["Story o1", "Story t1"]);
}

#[test]
fn retry_after_is_honoured_across_processes() {
    let world = World::new();
    world.routes.sequence(
        "/busy.xml",
        vec![
            Response::status(429).with_header("Retry-After", "2"),
            Response::ok(RSS, rss("busy", &world.url(""), &["b1"])),
        ],
    );
    world.pages(&["b1"], Duration::ZERO);
    let config = world.config(&["/busy.xml"], "");
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(records.is_empty());
    assert!(stderr(&output).contains("429"), "{}", stderr(&output));
    // Within the Retry-After window the next run does not ask at all.
    let (_, records) = once(&config);
    assert!(records.is_empty());
    assert_eq!(world.server.stats.requests_for("/busy.xml").len(), 1);
    std::thread::sleep(Duration::from_millis(2100));
    let (_, records) = once(&config);
    assert_eq!(titles(&records), ["Story b1"]);
    assert_eq!(world.server.stats.requests_for("/busy.xml").len(), 2);

    // feeds status shows the feed's health.
    let output = gleaner(&["feeds", "status", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("127.0.0.1") && table.contains("http status 429"),
        "{table}"
    );
}

#[test]
fn per_host_limit_holds_and_every_item_is_written() {
    let world = World::new();
    let ids: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    world.feed("/many.xml", &ids);
    world.pages(&ids, Duration::from_millis(150));
    let config = world.config(&["/many.xml"], "");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("per_host = 4", "per_host = 2");
    std::fs::write(&config, text).unwrap();
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(records.len(), 10);
    let peak = world
        .server
        .stats
        .max_in_flight
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(peak <= 2, "peak concurrency {peak}");
    assert_eq!(peak, 2, "the limit should be used");
}

/// A second host serving `/fast.xml` (answering after `feed_delay`) with
/// items `ids` whose pages answer at once.
fn fast_host(ids: &[&str], feed_delay: Duration) -> TestServer {
    let routes = Arc::new(Routes::default());
    let handler_routes = routes.clone();
    let other = TestServer::start(move |r| handler_routes.answer(r), true);
    routes.set(
        "/fast.xml",
        Response::ok(RSS, rss("/fast.xml", &other.url(""), ids)).with_delay(feed_delay),
    );
    for id in ids {
        routes.set(&format!("/a/{id}"), Response::ok(HTML, article_page(id, 4)));
    }
    other
}

/// Rewrites `config` with `per_host = 1` plus `concurrency` lines, allows
/// `other` too and lists its `/fast.xml` last.
fn add_fast_feed(world: &World, config: &Path, other: &TestServer, concurrency: &str) {
    let text = std::fs::read_to_string(config)
        .unwrap()
        .replace("per_host = 4", &format!("per_host = 1\n{concurrency}"))
        .replace(
            &format!("allow = [\"{}\"]", world.server.addr),
            &format!("allow = [\"{}\", \"{}\"]", world.server.addr, other.addr),
        )
        + &format!("\n[[feeds]]\nurl = \"{}\"\n", other.url("/fast.xml"));
    std::fs::write(config, text).unwrap();
}

/// A feed full of links to one slow host takes at most its host's share of
/// the article slots: another feed's items, queued later, flow past it.
#[test]
fn a_slow_host_holds_only_its_share_and_other_feeds_flow_past_it() {
    let world = World::new();
    let slow: Vec<String> = (0..12).map(|i| format!("s{i}")).collect();
    let slow: Vec<&str> = slow.iter().map(String::as_str).collect();
    world.feed("/slow.xml", &slow);
    world.pages(&slow, Duration::from_millis(250));
    // A second host, whose feed answers later, so that every slow item is
    // queued before the first fast one.
    let other = fast_host(&["f0", "f1", "f2"], Duration::from_millis(300));
    let config = world.config(&["/slow.xml"], "");
    add_fast_feed(&world, &config, &other, "articles = 3");
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(records.len(), 15, "{}", stderr(&output));
    let is_fast = |r: &Value| r["url"].as_str().unwrap_or("").contains("/a/f");
    let last_fast = records.iter().rposition(is_fast).expect("fast records");
    let slow_before = records[..last_fast].iter().filter(|r| !is_fast(r)).count();
    // In arrival order the fast items would wait for all 12 slow pages
    // (3 s); with the slow host held to one slot they take the other two.
    assert!(
        slow_before <= 4,
        "{slow_before} slow records came before the last fast one"
    );
}

/// Many feeds on one slow host take one poll slot at a time, not all of
/// them: a feed on another host, listed last, is polled at once.
#[test]
fn feeds_of_a_slow_host_do_not_take_every_poll_slot() {
    let world = World::new();
    let mut paths = Vec::new();
    for i in 0..8 {
        let path = format!("/slow{i}.xml");
        let id = format!("s{i}");
        world.routes.set(
            &path,
            Response::ok(RSS, rss(&path, &world.url(""), &[id.as_str()]))
                .with_delay(Duration::from_millis(300)),
        );
        paths.push(path);
    }
    let slow: Vec<String> = (0..8).map(|i| format!("s{i}")).collect();
    let slow: Vec<&str> = slow.iter().map(String::as_str).collect();
    world.pages(&slow, Duration::ZERO);
    let other = fast_host(&["f0"], Duration::ZERO);
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let config = world.config(&paths, "");
    add_fast_feed(&world, &config, &other, "feeds = 2");
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(records.len(), 9, "{}", stderr(&output));
    let fast_at = records
        .iter()
        .position(|r| r["url"].as_str().unwrap_or("").contains("/a/f0"))
        .expect("the fast feed's record");
    // Queued behind the slow host's feeds for a poll slot, it came fifth.
    assert!(fast_at <= 2, "the fast feed's record came at {fast_at}");
}

/// A host whose pages stop answering costs its timeouts once: after two
/// requests without an answer it rests, and its other items are recorded
/// from the feed without a request.
#[test]
fn a_host_that_stops_answering_costs_its_timeouts_once() {
    let world = World::new();
    let ids: Vec<String> = (0..8).map(|i| format!("t{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    world.feed("/tarpit.xml", &ids);
    world.pages(&ids, Duration::from_secs(3));
    let config = world.config(&["/tarpit.xml"], "");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[http]\ntimeout = \"5s\"",
        "[http]\ntimeout = \"5s\"\nread_timeout = \"300ms\"",
    );
    std::fs::write(&config, text).unwrap();
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(records.len(), 8);
    assert!(records.iter().all(|r| r["extraction"]["source"] == "feed"));
    let page_requests: usize = ids
        .iter()
        .map(|id| world.server.stats.requests_for(&format!("/a/{id}")).len())
        .sum();
    // Without the rest: 8 items x 2 attempts. With it: the requests that
    // were under way when the host was marked (at most per_host = 4).
    assert!(page_requests <= 4, "{page_requests} page requests");
    let skipped = records
        .iter()
        .filter(|r| {
            r["extraction"]["note"]
                .as_str()
                .unwrap_or("")
                .contains("the host is not answering")
        })
        .count();
    assert!(skipped >= 4, "{skipped} items skipped\n{}", stderr(&output));
    assert!(stderr(&output).contains("host is not answering"));
}

#[test]
fn fallbacks_non_html_gone_pages_and_duplicates_across_feeds() {
    let world = World::new();
    let base = world.url("");
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>Mixed</title>\
         <item><title>Report</title><link>{base}/files/report.pdf</link><description>The annual report.</description></item>\
         <item><title>Missing</title><link>{base}/a/missing</link><description>&lt;p&gt;Only in the feed.&lt;/p&gt;</description></item>\
         <item><title>No link</title><description>Text only item.</description></item>\
         <item><title>Shared</title><link>{base}/a/shared?utm_source=one</link></item>\
         </channel></rss>"
    );
    world.routes.set("/mixed.xml", Response::ok(RSS, feed));
    world.routes.set(
        "/other.xml",
        Response::ok(RSS, rss("Other", &base, &["shared"])),
    );
    world.routes.set(
        "/a/shared",
        Response::ok(HTML, article_page("shared", 3)).with_delay(Duration::from_millis(700)),
    );
    let config = world.config(&["/mixed.xml", "/other.xml"], "");
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    let by_title: HashMap<String, &Value> = records
        .iter()
        .map(|r| (r["feed"]["item_title"].as_str().unwrap().to_owned(), r))
        .collect();
    assert_eq!(records.len(), 4, "{records:#?}");
    let pdf = by_title["Report"];
    assert_eq!(pdf["extraction"]["source"], "feed");
    assert!(
        pdf["extraction"]["note"]
            .as_str()
            .unwrap()
            .contains("application/pdf")
    );
    assert!(
        world
            .server
            .stats
            .requests_for("/files/report.pdf")
            .is_empty()
    );
    let missing = by_title["Missing"];
    assert_eq!(missing["extraction"]["source"], "feed");
    assert!(
        missing["extraction"]["note"]
            .as_str()
            .unwrap()
            .contains("404")
    );
    assert!(
        missing["text"]
            .as_str()
            .unwrap()
            .contains("Only in the feed.")
    );
    assert_eq!(by_title["No link"]["extraction"]["source"], "feed");
    // The shared article: once, listing both feeds.
    let shared = by_title
        .get("Shared")
        .or(by_title.get("Story shared"))
        .unwrap();
    assert_eq!(shared["also_in"].as_array().unwrap().len(), 1, "{shared:#}");
    assert_eq!(shared["url"], format!("{base}/a/shared"));
}

#[test]
fn permanent_redirect_moves_the_feed_and_gone_disables_it() {
    let world = World::new();
    world.routes.set(
        "/old.xml",
        Response::status(301).with_header("Location", "/new.xml"),
    );
    world.feed("/new.xml", &["n1"]);
    world.pages(&["n1"], Duration::ZERO);
    world.routes.set("/gone.xml", Response::status(410));
    let config = world.config(&["/old.xml", "/gone.xml"], "");
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(records.len(), 1);
    assert!(stderr(&output).contains("410"));
    let (output, _) = once(&config);
    assert!(output.status.success());
    assert_eq!(
        world.server.stats.requests_for("/old.xml").len(),
        1,
        "the new URL is used directly"
    );
    assert_eq!(world.server.stats.requests_for("/new.xml").len(), 2);
    assert_eq!(
        world.server.stats.requests_for("/gone.xml").len(),
        1,
        "a gone feed is not polled again"
    );
}

#[test]
fn failing_feed_backs_off_while_others_flow_and_sighup_reloads() {
    let world = World::new();
    world.routes.set("/bad.xml", Response::status(500));
    world.feed("/good.xml", &["g1"]);
    world.feed("/late.xml", &["l1"]);
    world.pages(&["g1", "l1"], Duration::ZERO);
    let config = world.config(&["/bad.xml", "/good.xml"], "");
    let child = spawn_run(&world, &config);
    assert!(wait_until(Duration::from_secs(10), || run_records(&world)
        .len()
        == 1));
    std::thread::sleep(Duration::from_millis(2500));
    let bad = world.server.stats.requests_for("/bad.xml").len();
    let good = world.server.stats.requests_for("/good.xml").len();
    // 300 ms interval: the good feed is polled about 9 times; the bad one
    // backs off 300, 600, 1200 ms, ...
    assert!(good >= 6, "good feed polled {good} times");
    assert!((2..=5).contains(&bad), "bad feed polled {bad} times");

    // A bad new config is rejected and the old one keeps running.
    std::fs::write(&config, "[daemon\nbroken").unwrap();
    signal(&child, "HUP");
    std::thread::sleep(Duration::from_millis(400));
    let before = world.server.stats.requests_for("/good.xml").len();
    assert!(wait_until(Duration::from_secs(5), || world
        .server
        .stats
        .requests_for("/good.xml")
        .len()
        > before));

    // SIGHUP with a new feed list: /late.xml added, /bad.xml removed.
    world.config(&["/good.xml", "/late.xml"], "");
    signal(&child, "HUP");
    assert!(wait_until(Duration::from_secs(10), || run_records(&world)
        .len()
        == 2));
    let bad_after = world.server.stats.requests_for("/bad.xml").len();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        world.server.stats.requests_for("/bad.xml").len(),
        bad_after,
        "removed feed still polled"
    );
    stop(child, &world);
    assert_eq!(titles(&run_records(&world)), ["Story g1", "Story l1"]);
    let log = std::fs::read_to_string(world.path("run.err")).unwrap();
    assert!(log.contains("reload rejected"), "{log}");
    assert!(log.contains("config reloaded"), "{log}");
}

#[test]
fn a_second_process_on_the_same_state_fails_fast_and_systemd_is_notified() {
    let world = World::new();
    world.feed("/f.xml", &["x"]);
    world.pages(&["x"], Duration::ZERO);
    let config = world.config(&["/f.xml"], "");
    // A stand-in for systemd's notification socket.
    let socket_path = world.path("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let out = std::fs::File::create(world.path("run.out")).unwrap();
    let err = std::fs::File::create(world.path("run.err")).unwrap();
    let child = gleaner(&["run", "--config", config.to_str().unwrap()])
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "200000")
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap();
    let mut messages = Vec::new();
    let mut buf = [0u8; 256];
    while messages.len() < 3 {
        let n = socket.recv(&mut buf).expect("a notification within 10 s");
        messages.push(String::from_utf8_lossy(&buf[..n]).trim().to_owned());
    }
    assert_eq!(messages[0], "READY=1");
    assert!(
        messages[1..].iter().all(|m| m == "WATCHDOG=1"),
        "{messages:?}"
    );
    assert!(wait_until(Duration::from_secs(10), || run_records(&world)
        .len()
        == 1));
    let start = Instant::now();
    let (output, _) = once(&config);
    assert_eq!(output.status.code(), Some(2));
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(
        stderr(&output).contains("in use by another gleaner process"),
        "{}",
        stderr(&output)
    );
    stop(child, &world);
}

#[test]
fn sigkill_mid_run_then_restart_emits_every_item_at_least_once() {
    let world = World::new();
    let ids: Vec<String> = (0..24).map(|i| format!("k{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    world.feed("/kill.xml", &ids);
    world.pages(&ids, Duration::from_millis(60));
    let out = world.path("out");
    let config = world.config(
        &["/kill.xml"],
        &format!(
            "[[output]]\nkind = \"files\"\ndir = \"{}\"\nmax_file_bytes = 20000\n",
            out.display()
        ),
    );
    let read_all = || -> Vec<Value> {
        let mut records = Vec::new();
        for entry in std::fs::read_dir(&out).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let complete = text.rfind('\n').map_or("", |end| &text[..end]);
            records.extend(parse_lines(complete));
        }
        records
    };
    let mut child = spawn_run(&world, &config);
    assert!(wait_until(Duration::from_secs(15), || read_all().len() >= 5));
    child.kill().unwrap();
    child.wait().unwrap();
    let before = read_all().len();
    assert!(
        before < ids.len(),
        "killed too late to test anything ({before})"
    );

    let (output, _) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    // No torn line anywhere, and every item at least once.
    for entry in std::fs::read_dir(&out).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'));
        parse_lines(&text);
    }
    let seen: HashSet<String> = read_all()
        .iter()
        .map(|r| r["feed"]["item_guid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen.len(), ids.len());
    assert!(
        std::fs::read_dir(&out).unwrap().count() >= 2,
        "size rotation"
    );
}

#[test]
fn robots_txt_is_honoured_and_updates_are_reemitted_when_asked() {
    let world = World::new();
    world.routes.set(
        "/robots.txt",
        Response::ok("text/plain", "User-agent: *\nDisallow: /a/secret\n"),
    );
    world.feed("/r.xml", &["open", "secret"]);
    world.pages(&["open", "secret"], Duration::ZERO);
    let config = world.config(&["/r.xml"], "");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "robots_txt = false",
        "robots_txt = true\nreemit_on_update = \"on\"",
    );
    std::fs::write(&config, text).unwrap();
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(records.len(), 2);
    let secret = records
        .iter()
        .find(|r| r["feed"]["item_guid"] == "secret")
        .unwrap();
    assert_eq!(secret["extraction"]["source"], "feed");
    assert!(
        secret["extraction"]["note"]
            .as_str()
            .unwrap()
            .contains("robots.txt")
    );
    assert!(world.server.stats.requests_for("/a/secret").is_empty());
    assert_eq!(world.server.stats.requests_for("/a/open").len(), 1);
    assert_eq!(world.server.stats.requests_for("/robots.txt").len(), 1);

    // The "open" item changes its title: emitted again, same id, version 2.
    let base = world.url("");
    let changed =
        rss("/r.xml", &base, &["open", "secret"]).replace("Story open", "Story open (updated)");
    world.routes.set("/r.xml", Response::ok(RSS, changed));
    let (output, again) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(again.len(), 1, "{again:#?}");
    let first = records
        .iter()
        .find(|r| r["feed"]["item_guid"] == "open")
        .unwrap();
    assert_eq!(again[0]["id"], first["id"]);
    assert_eq!(again[0]["version"], 2);
    assert_eq!(again[0]["feed"]["item_title"], "Story open (updated)");
}

#[test]
fn an_unreadable_robots_txt_and_a_refused_link_are_reported_as_what_they_are() {
    let world = World::new();
    world.routes.set("/robots.txt", Response::status(503));
    world.pages(&["p"], Duration::ZERO);
    let base = world.url("");
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>R</title><link>{base}/</link>\
         <item><title>Page</title><link>{base}/a/p</link><guid>p</guid><description>teaser p</description></item>\
         <item><title>Metadata</title><link>http://169.254.169.254/latest/meta-data/</link><guid>m</guid>\
         <description>teaser m</description></item></channel></rss>"
    );
    world.routes.set("/r.xml", Response::ok(RSS, feed));
    let config = world.config(&["/r.xml"], "");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("robots_txt = false", "robots_txt = true");
    std::fs::write(&config, text).unwrap();
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(records.len(), 2, "{records:#?}");
    let note = |guid: &str| {
        let record = records
            .iter()
            .find(|r| r["feed"]["item_guid"] == guid)
            .unwrap();
        assert_eq!(record["extraction"]["source"], "feed");
        record["extraction"]["note"].as_str().unwrap().to_owned()
    };
    // A 503 for robots.txt keeps gleaner off the site, and says so.
    let page = note("p");
    assert!(
        page.contains("robots.txt could not be read") && page.contains("503"),
        "{page}"
    );
    assert!(world.server.stats.requests_for("/a/p").is_empty());
    // A link to a refused address is reported as refused, not as robots.txt.
    let metadata = note("m");
    assert!(
        metadata.contains("refused") && !metadata.contains("robots"),
        "{metadata}"
    );
}

#[test]
fn unreachable_feeds_are_logged_and_the_others_flow() {
    let world = World::new();
    world.feed("/ok.xml", &["ok1"]);
    world.pages(&["ok1"], Duration::ZERO);
    // Nothing listens on port 1 of 127.0.0.1: a refused connection, as with no network.
    let dead = "http://127.0.0.1:1/feed.xml";
    let config = world.config(&["/ok.xml"], "");
    let mut text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("allow = [", "allow = [\"127.0.0.1:1\", ");
    text.push_str(&format!("\n[[feeds]]\nurl = \"{dead}\"\nname = \"dead\"\n"));
    std::fs::write(&config, text).unwrap();
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(titles(&records), ["Story ok1"]);
    let log = stderr(&output);
    assert!(
        log.contains("poll failed") && log.contains("dead") && log.contains("connection failed"),
        "{log}"
    );
}

#[test]
fn a_50000_item_feed_is_capped_and_a_5_mb_title_is_cut() {
    let world = World::new();
    let mut body =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Huge</title>");
    body.push_str(&format!(
        "<item><guid>big</guid><title>{}</title><description>Big one.</description></item>",
        "T".repeat(5 << 20)
    ));
    for i in 0..50_000 {
        body.push_str(&format!("<item><guid>{i}</guid><title>t{i}</title></item>"));
    }
    body.push_str("</channel></rss>");
    world.routes.set("/huge.xml", Response::ok(RSS, body));
    let config = world.config(&["/huge.xml"], "[limits]\nmax_items_per_poll = 20\n");
    let started = Instant::now();
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(records.len(), 20);
    assert!(
        stderr(&output).contains("max_items_per_poll"),
        "{}",
        stderr(&output)
    );
    let big = records
        .iter()
        .find(|r| r["feed"]["item_guid"] == "big")
        .expect("the first item is kept");
    assert_eq!(big["feed"]["item_title"].as_str().unwrap().len(), 4096);
    assert!(big["title"].as_str().unwrap().len() <= 4096);
    assert!(
        output.stdout.len() < 1 << 20,
        "{} bytes out",
        output.stdout.len()
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn nothing_from_a_feed_or_page_chooses_a_file_path() {
    let world = World::new();
    let evil = "../../../escaped/x";
    let body = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{evil}</title>\
         <item><guid>{evil}</guid><title>/tmp/{evil}</title><link>{}/a/..%2F..%2Fescaped</link>\
         <category>{evil}</category><description>Evil.</description></item></channel></rss>",
        world.url("")
    );
    world.routes.set("/evil.xml", Response::ok(RSS, body));
    world.routes.set(
        "/a/..%2F..%2Fescaped",
        Response::ok(HTML, article_page("../../escaped", 3)).with_header(
            "Content-Disposition",
            "attachment; filename=\"../../escaped.jsonl\"",
        ),
    );
    let out = world.path("out");
    let config = world.config(
        &["/evil.xml"],
        &format!(
            "[[output]]\nkind = \"files\"\ndir = \"{}\"\n",
            out.display()
        ),
    );
    let (output, _) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 1, "{names:?}");
    let name = &names[0];
    assert!(
        name.len() == "gleaner-2026-01-01.jsonl".len()
            && name.starts_with("gleaner-20")
            && name.ends_with(".jsonl"),
        "{name}"
    );
    let text = std::fs::read_to_string(out.join(name)).unwrap();
    assert!(text.contains("escaped"), "the record is in the dated file");
    // Nothing else was created beside the config, the state and the folder.
    let mut top: Vec<String> = std::fs::read_dir(world.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("state.db"))
        .collect();
    top.sort();
    assert_eq!(top, ["gleaner.toml", "out"]);
    assert!(!world.dir.path().parent().unwrap().join("escaped").exists());
}

/// CPU time (user + system) a process has used so far, from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

#[test]
fn once_with_a_closed_stdout_gives_up_and_keeps_items_pending() {
    let world = World::new();
    world.feed("/feed.xml", &["1", "2", "3"]);
    world.pages(&["1", "2", "3"], Duration::ZERO);
    let config = world.config(&["/feed.xml"], "");
    let mut child = gleaner(&["once", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let started = Instant::now();
    let output = wait_output(child, Duration::from_secs(60));
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(
        log.contains("sink write failed") && log.contains("giving up"),
        "{log}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    // Nothing was lost: the next run writes every item.
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(titles(&records), ["Story 1", "Story 2", "Story 3"]);
}

#[test]
fn a_failing_files_sink_is_retried_without_spinning_and_recovers() {
    let world = World::new();
    world.feed("/feed.xml", &["1", "2", "3"]);
    world.pages(&["1", "2", "3"], Duration::ZERO);
    let out = world.path("out");
    std::fs::create_dir(&out).unwrap();
    // A directory where today's output file should be: every write fails.
    let today = chrono::Utc::now().date_naive();
    let blockers: Vec<PathBuf> = [today, today.succ_opt().unwrap()]
        .iter()
        .map(|d| out.join(format!("gleaner-{}.jsonl", d.format("%Y-%m-%d"))))
        .collect();
    for blocker in &blockers {
        std::fs::create_dir(blocker).unwrap();
    }
    let config = world.config(
        &["/feed.xml"],
        &format!(
            "[[output]]\nkind = \"files\"\ndir = \"{}\"\n",
            out.display()
        ),
    );
    let child = spawn_run(&world, &config);
    let log = || std::fs::read_to_string(world.path("run.err")).unwrap_or_default();
    assert!(
        wait_until(Duration::from_secs(15), || log()
            .contains("sink write failed, retrying")),
        "{}",
        log()
    );
    let before = cpu_time(child.id());
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_time(child.id()) - before;
    assert!(used < Duration::from_secs(1), "{used:?} of CPU in 3 s");
    for blocker in &blockers {
        std::fs::remove_dir(blocker).unwrap();
    }
    let read = || {
        std::fs::read_dir(&out)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
            .collect::<String>()
    };
    assert!(
        wait_until(Duration::from_secs(40), || read().lines().count() >= 3),
        "{}",
        log()
    );
    stop(child, &world);
    assert_eq!(
        titles(&parse_lines(&read())),
        ["Story 1", "Story 2", "Story 3"]
    );
}

#[test]
fn garbage_html_empty_and_mislabelled_feeds_fail_clearly_and_others_flow() {
    let world = World::new();
    let garbage: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    world.routes.set("/garbage.xml", Response::ok(RSS, garbage));
    world.routes.set(
        "/page.xml",
        Response::ok(
            HTML,
            "<!DOCTYPE html><html><head><title>Blog</title>\
             <link rel=\"alternate\" type=\"application/rss+xml\" title=\"RSS\" href=\"/real.xml\">\
             <link rel=\"alternate\" type=\"application/atom+xml\" href=\"https://blog.example/atom\">\
             <link rel=\"stylesheet\" href=\"/s.css\"></head><body>Hello</body></html>",
        ),
    );
    world.routes.set("/empty.xml", Response::ok(RSS, ""));
    let feed = rss("typed", &world.url(""), &["w1"]);
    world
        .routes
        .set("/typed.xml", Response::ok("text/plain", feed));
    world.feed("/good.xml", &["g1"]);
    world.pages(&["w1", "g1"], Duration::ZERO);
    let config = world.config(
        &[
            "/garbage.xml",
            "/page.xml",
            "/empty.xml",
            "/typed.xml",
            "/good.xml",
        ],
        "",
    );
    let (output, records) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    // A wrong content type is tolerated when the body is a feed.
    assert_eq!(titles(&records), ["Story g1", "Story w1"]);
    let log = stderr(&output);
    let line = |needle: &str| {
        log.lines()
            .find(|l| l.contains(needle) && l.contains("poll failed"))
            .unwrap_or_else(|| panic!("no poll failure for {needle}: {log}"))
            .to_owned()
    };
    assert!(line("/garbage.xml").contains("not a feed"));
    let page = line("/page.xml");
    assert!(page.contains("HTML page"), "{page}");
    assert!(
        page.contains(&world.url("/real.xml")) && page.contains("https://blog.example/atom"),
        "{page}"
    );
    assert!(!page.contains("s.css"), "{page}");
    assert!(line("/empty.xml").contains("empty"));
}

#[test]
fn kill_9_at_many_points_loses_nothing_and_tears_nothing() {
    let world = World::new();
    // Every round brings six new items, and every page takes 150 ms to
    // serve (four at once per host): a round has at least 300 ms of work,
    // longer than its kill point, so every round is killed mid-way however
    // fast the machine, and items left pending pile up for later rounds.
    const NEW_PER_ROUND: usize = 6;
    let all: Vec<String> = (0..12 * NEW_PER_ROUND).map(|i| format!("k{i}")).collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    world.pages(&all, Duration::from_millis(150));
    let out = world.path("out");
    let config = world.config(
        &["/kill.xml"],
        &format!(
            "[[output]]\nkind = \"files\"\ndir = \"{}\"\nmax_file_bytes = 20000\n",
            out.display()
        ),
    );
    let mut killed = 0;
    for round in 0..12u64 {
        let listed = &all[..(round as usize + 1) * NEW_PER_ROUND];
        world.feed("/kill.xml", listed);
        let mut child = gleaner(&["once", "--config", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill points spread over start-up, polling, fetching and writing.
        std::thread::sleep(Duration::from_millis(10 + round * 37 % 250));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let state = rusqlite::Connection::open(world.path("state.db")).unwrap();
        let check: String = state
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
    }
    assert!(killed >= 10, "only {killed} runs were killed mid-way");
    let (output, _) = once(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut seen = HashSet::new();
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "torn line in {path:?}"
        );
        for record in parse_lines(&text) {
            seen.insert(record["feed"]["item_title"].as_str().unwrap().to_owned());
        }
    }
    let expected: HashSet<String> = all.iter().map(|id| format!("Story {id}")).collect();
    assert_eq!(seen, expected);
}

#[test]
fn a_flapping_server_is_backed_off_and_recovered_from_without_duplicates() {
    let world = World::new();
    let base = world.url("");
    let feed = |ids: &[&str]| {
        Response::ok(RSS, rss("flap", &base, ids))
            .with_header("ETag", &format!("\"{}\"", ids.len()))
    };
    world.routes.sequence(
        "/flap.xml",
        vec![
            feed(&["1", "2"]),
            Response::status(503),
            // Slower than the 1 s timeout.
            feed(&["1", "2", "3"]).with_delay(Duration::from_secs(3)),
            feed(&["1", "2", "3"]),
            Response::status(503).with_header("Retry-After", "1"),
            Response::status(500),
            feed(&["1", "2", "3", "4"]),
        ],
    );
    world.pages(&["1", "3", "4"], Duration::ZERO);
    world.routes.sequence(
        "/a/2",
        vec![
            Response::status(503),
            Response::ok(HTML, article_page("2", 4)),
        ],
    );
    let config = world.config(&["/flap.xml"], "");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("timeout = \"5s\"", "timeout = \"1s\"");
    std::fs::write(&config, text).unwrap();
    let child = spawn_run(&world, &config);
    assert!(
        wait_until(Duration::from_secs(40), || run_records(&world).len() >= 4),
        "{}",
        std::fs::read_to_string(world.path("run.err")).unwrap_or_default()
    );
    // A few more polls of the now-stable feed emit nothing new.
    std::thread::sleep(Duration::from_millis(1000));
    stop(child, &world);
    let records = run_records(&world);
    assert_eq!(
        titles(&records),
        ["Story 1", "Story 2", "Story 3", "Story 4"]
    );
    let story2 = records
        .iter()
        .find(|r| r["feed"]["item_title"] == "Story 2")
        .unwrap();
    assert_eq!(
        story2["extraction"]["source"], "page",
        "the 503 was retried"
    );
    let log = std::fs::read_to_string(world.path("run.err")).unwrap();
    assert!(
        log.contains("poll failed") && log.contains("timed out"),
        "{log}"
    );
    assert!(world.server.stats.requests_for("/flap.xml").len() >= 7);
}

/// A feed refused by the SSRF policy is polled at once by the next process
/// after the user allows it; a policy refusal is no server failure to back off from.
#[test]
fn a_feed_refused_by_policy_is_polled_at_once_after_the_config_allows_it() {
    let world = World::new();
    world.feed("/local.xml", &["l1"]);
    world.pages(&["l1"], Duration::ZERO);
    let allowed = world.config(&["/local.xml"], "");
    let text = std::fs::read_to_string(&allowed).unwrap();
    let refused = world.path("refused.toml");
    std::fs::write(
        &refused,
        text.replace(
            &format!("allow = [\"{}\"]", world.server.addr),
            "allow = []",
        ),
    )
    .unwrap();

    let (output, records) = once(&refused);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(records.is_empty());
    assert!(stderr(&output).contains("refused"), "{}", stderr(&output));

    let (output, records) = once(&allowed);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(titles(&records), ["Story l1"], "{}", stderr(&output));
}
