//! Load benchmark of the daemon pipeline (not a test; run it by hand):
//!
//! ```sh
//! cargo run --release --example loadbench            # 1,000 feeds x 20 items, 10,000-feed re-poll
//! cargo run --release --example loadbench -- 200 20 2000   # smaller: feeds, items, re-poll feeds
//! ```
//!
//! A local server on 127.0.0.1 (in this process, generating pages on the fly
//! so it holds no corpus in memory) serves the feeds and varied, real-looking
//! article pages. The pipeline runs in-process through `daemon::once` with a
//! files sink (fsync per batch) in a temporary folder. Printed: feeds/s,
//! articles/s, peak RSS (VmHWM, which includes the small server), the
//! single-thread extraction speed on the same pages for comparison, and the
//! time of a re-poll of unchanged feeds (every answer a 304).

#[path = "../tests/support/server.rs"]
#[expect(
    dead_code,
    reason = "the benchmark uses only the server core, not the test helpers"
)]
mod server;

use std::time::Instant;

use gleaner::config::Config;
use gleaner::extract::{self, ExtractOptions};
use server::{Request, Response, TestServer};
use tokio_util::sync::CancellationToken;

fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let feeds = args.first().copied().unwrap_or(1000);
    let items = args.get(1).copied().unwrap_or(20);
    let repoll = args.get(2).copied().unwrap_or(10_000);
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);

    let server = TestServer::start_with(move |r| answer(r, items), false, true);
    let base = server.url("");

    // Single-thread extraction speed on the same kind of pages.
    let sample: Vec<String> = (0..400).map(|i| page(i % 97, i)).collect();
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let mut words = 0;
    for (i, html) in sample.iter().enumerate() {
        let url = format!("{base}/p/{}/{i}", i % 97);
        let options = ExtractOptions {
            url: Some(&url),
            ..ExtractOptions::default()
        };
        words += extract::extract(html.as_bytes(), &options)?.word_count;
    }
    let single = sample.len() as f64 / start.elapsed().as_secs_f64();
    let extract_cpu = (cpu_seconds() - cpu_start) / sample.len() as f64;
    report(&format!(
        "extraction, one thread: {single:.0} pages/s, {:.2} ms CPU per page ({} KiB average page, {} words)",
        extract_cpu * 1000.0,
        sample.iter().map(String::len).sum::<usize>() / sample.len() / 1024,
        words / sample.len()
    ));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dir = tempfile::tempdir()?;

    // Phase 1: every feed new, every page fetched and extracted.
    let config = bench_config(dir.path(), "bench", &base, "f", feeds, "page")?;
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let server_start = thread_cpu_seconds("test-server");
    let summary = runtime.block_on(gleaner::daemon::once(
        config,
        CancellationToken::new(),
        false,
    ))?;
    let elapsed = start.elapsed().as_secs_f64();
    let process_cpu = cpu_seconds() - cpu_start;
    let server_cpu = thread_cpu_seconds("test-server") - server_start;
    let cpu = (process_cpu - server_cpu) / summary.written.max(1) as f64;
    let articles = summary.written as f64 / elapsed;
    report(&format!(
        "{feeds} feeds x {items} items: {} records in {elapsed:.1} s: {:.0} feeds/s, {articles:.0} articles/s, \
         {:.0}% of {cpus} x single-thread extraction; {} poll failures",
        summary.written,
        feeds as f64 / elapsed,
        100.0 * articles / (single * cpus as f64),
        summary.failures
    ));
    report(&format!(
        "CPU per article, pipeline (server thread excluded, {:.1} s): {:.2} ms, of which extraction {:.0}%; \
         {:.2} cores available on average; at that CPU cost {cpus} idle cores would give {:.0} articles/s \
         ({:.0}% of {cpus} x single-thread extraction); machine load average {}",
        server_cpu,
        cpu * 1000.0,
        100.0 * extract_cpu / cpu,
        process_cpu / elapsed,
        cpus as f64 / cpu,
        100.0 * (1.0 / cpu) / (1.0 / extract_cpu),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split(' ')
            .next()
            .unwrap_or("?")
    ));
    report(&format!("peak RSS (VmHWM): {} MiB", vm_hwm_kib() / 1024));

    // Phase 2: a re-poll of unchanged feeds. The first poll stores their
    // validators (one item each, trusted from the feed); the timed one gets 304s.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let config = bench_config(dir.path(), "repoll", &base, "g", repoll, "feed")?;
    let summary = runtime.block_on(gleaner::daemon::once(
        config.clone(),
        CancellationToken::new(),
        false,
    ))?;
    report(&format!(
        "re-poll setup: {} feeds polled, {} records",
        summary.polls, summary.written
    ));
    let start = Instant::now();
    let summary = runtime.block_on(gleaner::daemon::once(
        config,
        CancellationToken::new(),
        false,
    ))?;
    report(&format!(
        "re-poll of {repoll} unchanged feeds (all 304): {:.1} s, {} records, {} failures; peak RSS {} MiB",
        start.elapsed().as_secs_f64(),
        summary.written,
        summary.failures,
        vm_hwm_kib() / 1024
    ));
    Ok(())
}

fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn bench_config(
    dir: &std::path::Path,
    name: &str,
    base: &str,
    prefix: &str,
    feeds: usize,
    content: &str,
) -> anyhow::Result<Config> {
    let out = dir.join(format!("{name}-out"));
    // One local host stands for a thousand sites: the per-host limit is
    // raised to the global one and the per-host delay removed.
    let mut text = format!(
        "[daemon]\nstate_path = \"{name}.db\"\nrobots_txt = false\n\n\
         [[output]]\nkind = \"files\"\ndir = \"{}\"\n\n\
         [concurrency]\nfeeds = 32\narticles = 32\nper_host = 64\nmin_host_delay = \"0s\"\n\n\
         [http]\ntimeout = \"60s\"\n# The local benchmark server.\nallow = [\"127.0.0.0/8\"]\n\n",
        out.display()
    );
    for n in 0..feeds {
        text.push_str(&format!(
            "[[feeds]]\nurl = \"{base}/{prefix}/{n}.xml\"\ncontent = \"{content}\"\n"
        ));
    }
    Ok(Config::parse(&text, &dir.join(format!("{name}.toml")))?)
}

/// User plus system CPU time of this process, from /proc/self/stat.
fn cpu_seconds() -> f64 {
    stat_seconds(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default())
}

/// utime + stime of a `stat` line, in seconds.
fn stat_seconds(stat: &str) -> f64 {
    // Fields after the command name (which may hold spaces): state first,
    // then utime is the 12th and stime the 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field(11) + field(12)) as f64 / 100.0
}

/// CPU time of this process's threads named `name`, from /proc/self/task.
fn thread_cpu_seconds(name: &str) -> f64 {
    let mut total = 0.0;
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == name {
            total += stat_seconds(
                &std::fs::read_to_string(task.path().join("stat")).unwrap_or_default(),
            );
        }
    }
    total
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// `/f/<n>.xml`: a feed of `items` items; `/g/<n>.xml`: a one-item feed;
/// `/p/<n>/<i>`: an article page. Feeds carry an ETag and answer 304.
fn answer(request: &Request, items: usize) -> Response {
    let path = request.path.as_str();
    let base = format!("http://{}", request.header("host").unwrap_or("127.0.0.1"));
    if let Some(rest) = path
        .strip_prefix("/f/")
        .or_else(|| path.strip_prefix("/g/"))
    {
        let n: usize = rest.trim_end_matches(".xml").parse().unwrap_or(0);
        let count = if path.starts_with("/f/") { items } else { 1 };
        let etag = format!("\"{n}-{count}\"");
        if request.header("if-none-match") == Some(etag.as_str()) {
            return Response::status(304).with_header("ETag", &etag);
        }
        let mut body = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Site {n}</title><link>{base}/</link>"
        );
        for i in 0..count {
            body.push_str(&format!(
                "<item><title>{}</title><link>{base}/p/{n}/{i}?utm_source=rss</link><guid>{n}-{i}</guid>\
                 <description>&lt;p&gt;{}&lt;/p&gt;</description><pubDate>Tue, 10 Jun 2025 04:{:02}:00 GMT</pubDate></item>",
                headline(n, i),
                sentence(&mut Rng(n as u64 * 1000 + i as u64)),
                i % 60
            ));
        }
        body.push_str("</channel></rss>");
        return Response::ok("application/rss+xml", body).with_header("ETag", &etag);
    }
    if let Some(rest) = path.strip_prefix("/p/") {
        let mut parts = rest.split(['/', '?']);
        let n = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let i = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        return Response::ok("text/html; charset=utf-8", page(n, i));
    }
    Response::status(404)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.next() % words.len()]
    }
}

const NOUNS: &[&str] = &[
    "council",
    "minister",
    "river",
    "school",
    "market",
    "hospital",
    "team",
    "court",
    "festival",
    "bridge",
    "company",
    "union",
    "museum",
    "harbour",
    "village",
    "committee",
    "researchers",
    "farmers",
    "police",
    "airport",
];
const VERBS: &[&str] = &[
    "approved",
    "rejected",
    "announced",
    "delayed",
    "criticised",
    "welcomed",
    "reviewed",
    "funded",
    "opened",
    "closed",
];
const OTHERS: &[&str] = &[
    "the new budget",
    "a plan for the coming winter",
    "plans to expand the service",
    "an inquiry into the costs",
    "a record number of visitors",
    "the proposal on Tuesday",
    "changes to the timetable",
    "the annual report",
];

fn sentence(rng: &mut Rng) -> String {
    format!(
        "The {} {} {} after {} weeks of debate, officials said, adding that the {} would {} {}.",
        rng.pick(NOUNS),
        rng.pick(VERBS),
        rng.pick(OTHERS),
        rng.next() % 12 + 2,
        rng.pick(NOUNS),
        if rng.next().is_multiple_of(2) {
            "review"
        } else {
            "publish"
        },
        rng.pick(OTHERS)
    )
}

fn headline(n: usize, i: usize) -> String {
    let mut rng = Rng((n * 7919 + i) as u64);
    format!(
        "{} {} {}",
        rng.pick(NOUNS),
        rng.pick(VERBS),
        rng.pick(OTHERS)
    )
}

/// A varied article page: one of three site layouts, 3 to 30 paragraphs,
/// navigation, related links, comments, scripts and styles around it.
fn page(n: usize, i: usize) -> String {
    let mut rng = Rng((n * 31 + i) as u64 ^ 0x5eed);
    let title = headline(n, i);
    let paragraphs = 3 + rng.next() % 28;
    let mut body = String::new();
    for p in 0..paragraphs {
        let sentences = 2 + rng.next() % 5;
        let text: Vec<String> = (0..sentences).map(|_| sentence(&mut rng)).collect();
        if p % 7 == 3 {
            body.push_str(&format!("<h2>{}</h2>", rng.pick(OTHERS)));
        }
        if p % 9 == 5 {
            body.push_str(&format!("<blockquote><p>{}</p></blockquote>", text[0]));
        }
        body.push_str(&format!("<p>{}</p>", text.join(" ")));
    }
    let nav: String = NOUNS
        .iter()
        .map(|w| format!("<li><a href=\"/section/{w}\">{w}</a></li>"))
        .collect();
    let related: String = (0..8)
        .map(|k| format!("<li><a href=\"/p/{n}/{k}\">{}</a></li>", headline(n, k)))
        .collect();
    let comments: String = (0..rng.next() % 6)
        .map(|k| {
            format!(
                "<div class=\"comment\"><b>reader{k}</b><p>{}</p></div>",
                sentence(&mut rng)
            )
        })
        .collect();
    let head = format!(
        "<head><meta charset=\"utf-8\"><title>{title} | Site {n}</title><meta name=\"description\" content=\"{}\">\
         <meta property=\"og:site_name\" content=\"Site {n}\"><link rel=\"canonical\" href=\"/p/{n}/{i}\">\
         <style>body{{font-family:serif}} .nav li{{display:inline}}</style>\
         <script>window.dataLayer=[];function track(e){{dataLayer.push(e)}}</script></head>",
        sentence(&mut rng)
    );
    match (n + i) % 3 {
        0 => format!(
            "<!doctype html><html lang=\"en\">{head}<body><header><ul class=\"nav\">{nav}</ul></header>\
             <main><article><h1>{title}</h1><p class=\"byline\">By Alex Writer</p>\
             <time datetime=\"2025-06-10T04:00:00Z\">10 June 2025</time>{body}</article>\
             <aside><h3>Related</h3><ul>{related}</ul></aside></main><section id=\"comments\">{comments}</section>\
             <footer><ul>{nav}</ul><p>Copyright Site {n}</p></footer></body></html>"
        ),
        1 => format!(
            "<!DOCTYPE html><html>{head}<body><div id=\"wrap\"><div class=\"menu\"><ul>{nav}</ul></div>\
             <div class=\"content\"><div class=\"post\"><h1 class=\"post-title\">{title}</h1>\
             <div class=\"post-content entry-content\">{body}</div></div>\
             <div class=\"sidebar\"><ul>{related}</ul></div></div><div class=\"comments\">{comments}</div>\
             <script src=\"/js/app.js\"></script></div></body></html>"
        ),
        _ => format!(
            "<html>{head}<body><table width=\"100%\"><tr><td class=\"left\"><ul>{nav}</ul></td>\
             <td class=\"main\"><h1>{title}</h1><div id=\"story\">{body}</div></td>\
             <td class=\"right\"><ul>{related}</ul></td></tr></table>{comments}</body></html>"
        ),
    }
}
