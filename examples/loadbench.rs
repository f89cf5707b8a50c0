//! Load benchmark of the daemon pipeline (not a test; run it by hand):
//!
//! ```sh
//! cargo run --release --example loadbench            # 1,000 feeds x 20 items, 10,000-feed re-poll
//! cargo run --release --example loadbench -- 200 20 2000   # smaller: feeds, items, re-poll feeds
//! LOADBENCH_THREADS=4 cargo run --release --example loadbench   # concurrency.extract_threads (default 0: one per core)
//! ```
//!
//! A local server on 127.0.0.1 (in this process) serves the feeds and the
//! article pages. The pages are real-looking news pages of 80 to 270 KiB
//! (about 160 KiB on average, like the development sets): head metadata,
//! JSON-LD, a large inline stylesheet, analytics scripts, an embedded state
//! blob, a mega-menu, inline SVG icons, the article with figure, ad slots
//! and quotes, related stories, comments and a footer, in four site layouts.
//! All text is synthetic. A pool of templates is generated once and the
//! server only copies bytes (with the page's own URL filled in), so it costs
//! little; its thread's CPU time is measured and reported apart.
//!
//! The pipeline runs in-process through `daemon::once` with a files sink
//! (group commit: one fsync per batch) in a temporary folder. Printed: the
//! single-thread extraction speed on exactly the page distribution the
//! pipeline fetches (every template equally often), before and after the
//! run (the machine's speed drifts; their mean is the yardstick), the same
//! on every core at once, feeds/s, articles/s, CPU per article with the
//! extraction threads' own share, the ratio against the extraction threads'
//! own speed in the run (free of the drift), peak RSS (VmHWM, which
//! includes the server and its page pool), and the time of a re-poll of
//! unchanged feeds (every answer a 304).

#[path = "../tests/support/server.rs"]
#[expect(
    dead_code,
    reason = "the benchmark uses only the server core, not the test helpers"
)]
mod server;

use std::sync::Arc;
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

    // The page pool, generated once: the server only copies bytes.
    let pool: Arc<Vec<Template>> = Arc::new((0..POOL).map(template).collect());
    let pool_bytes: usize = pool.iter().map(Template::len).sum();
    let server_pool = pool.clone();
    let server = TestServer::start_with(move |r| answer(r, items, &server_pool), false, true);
    let base = server.url("");

    // Single-thread extraction speed on the same page distribution: the
    // pipeline fetches every template of the pool equally often.
    let sample: Vec<(String, Vec<u8>)> = (0..POOL)
        .map(|k| {
            let url = format!("{base}/p/{k}/0");
            let bytes = pool[k].render(&url);
            (url, bytes)
        })
        .collect();
    let sizes: Vec<usize> = sample.iter().map(|(_, b)| b.len()).collect();
    let (single_before, extract_cpu_before, words) = single_thread(&sample)?;
    report(&format!(
        "pages: {POOL} templates ({:.1} MiB held by the server), {} KiB average, {} to {} KiB, {} words average",
        pool_bytes as f64 / (1024.0 * 1024.0),
        sizes.iter().sum::<usize>() / sizes.len() / 1024,
        sizes.iter().min().unwrap_or(&0) / 1024,
        sizes.iter().max().unwrap_or(&0) / 1024,
        words
    ));
    report(&format!(
        "extraction, one thread: {single_before:.0} pages/s, {:.2} ms CPU per page",
        extract_cpu_before * 1000.0,
    ));

    // The same pages on every core at once, extraction alone: what the
    // cores give together before any pipeline work (memory bandwidth and
    // shared caches make it less than `cpus` times one thread).
    let start = Instant::now();
    let parallel_cpu: f64 = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..cpus)
            .map(|t| {
                let sample = &sample;
                scope.spawn(move || {
                    const PASSES: usize = 3;
                    let cpu_start = thread_cpu_seconds_self();
                    for pass in 0..PASSES {
                        for (url, html) in sample.iter().skip((t + pass) % cpus).step_by(cpus) {
                            let options = ExtractOptions {
                                url: Some(url),
                                ..ExtractOptions::default()
                            };
                            let _ = extract::extract(html, &options);
                        }
                    }
                    thread_cpu_seconds_self() - cpu_start
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap_or(0.0)).sum()
    });
    let pages = 3 * sample.len();
    let parallel = pages as f64 / start.elapsed().as_secs_f64();
    report(&format!(
        "extraction alone, {cpus} threads at once: {parallel:.0} pages/s ({:.0}% of {cpus} x one thread), \
         {:.2} ms CPU per page",
        100.0 * parallel / (single_before * cpus as f64),
        1000.0 * parallel_cpu / pages as f64
    ));

    // The runtime the binary builds, so its threads are counted the same way.
    let runtime = gleaner::commands::runtime()?;
    let dir = tempfile::tempdir()?;

    // Phase 1: every feed new, every page fetched and extracted.
    let config = bench_config(dir.path(), "bench", &base, "f", feeds, "page")?;
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let server_start = thread_cpu_seconds("test-server");
    let watch = ExtractorWatch::start();
    let summary = runtime.block_on(gleaner::daemon::once(
        config,
        CancellationToken::new(),
        false,
    ))?;
    let elapsed = start.elapsed().as_secs_f64();
    let process_cpu = cpu_seconds() - cpu_start;
    let server_cpu = thread_cpu_seconds("test-server") - server_start;
    let extractor_cpu = watch.stop();
    let cpu = (process_cpu - server_cpu) / summary.written.max(1) as f64;
    let articles = summary.written as f64 / elapsed;
    // The machine's speed drifts (a shared VM): single-thread extraction is
    // measured again right after, and the mean of both is the yardstick.
    let (single_after, extract_cpu_after, _) = single_thread(&sample)?;
    let single = (single_before + single_after) / 2.0;
    let extract_cpu = (extract_cpu_before + extract_cpu_after) / 2.0;
    report(&format!(
        "extraction, one thread, after the run: {single_after:.0} pages/s, {:.2} ms CPU per page; \
         the yardstick is the mean, {single:.0} pages/s",
        extract_cpu_after * 1000.0,
    ));
    report(&format!(
        "{feeds} feeds x {items} items: {} records in {elapsed:.1} s: {:.0} feeds/s, {articles:.0} articles/s, \
         {:.0}% of {cpus} x single-thread extraction; {} poll failures, {} records from the feed, \
         {:.1} records per fsync",
        summary.written,
        feeds as f64 / elapsed,
        100.0 * articles / (single * cpus as f64),
        summary.failures,
        summary.degraded,
        summary.written as f64 / summary.batches.max(1) as f64
    ));
    report(&format!(
        "CPU per article, pipeline (server thread excluded, {:.1} s): {:.2} ms, of which the extraction \
         threads {:.2} ms ({:.0}%; alone, one thread: {:.2} ms); \
         {:.2} cores available on average; at that CPU cost {cpus} idle cores would give {:.0} articles/s \
         ({:.0}% of {cpus} x single-thread extraction); machine load average {}",
        server_cpu,
        cpu * 1000.0,
        1000.0 * extractor_cpu / summary.written.max(1) as f64,
        100.0 * extractor_cpu / (cpu * summary.written.max(1) as f64),
        extract_cpu * 1000.0,
        process_cpu / elapsed,
        cpus as f64 / cpu,
        100.0 * (1.0 / cpu) / (1.0 / extract_cpu),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split(' ')
            .next()
            .unwrap_or("?")
    ));
    // A yardstick free of the drift: the extraction threads' own CPU per
    // page during the run, as if that were single-thread extraction's.
    let in_run = extractor_cpu / summary.written.max(1) as f64;
    report(&format!(
        "against the extraction threads' own speed in the run ({:.2} ms CPU per page, {:.0} pages/s on \
         {cpus} cores): {:.0}%",
        in_run * 1000.0,
        cpus as f64 / in_run,
        100.0 * articles * in_run / cpus as f64
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

/// Single-thread extraction of every sample page, three passes: pages/s,
/// CPU seconds per page, average words.
fn single_thread(sample: &[(String, Vec<u8>)]) -> anyhow::Result<(f64, f64, usize)> {
    const PASSES: usize = 3;
    let start = Instant::now();
    let cpu_start = thread_cpu_seconds_self();
    let mut words = 0;
    for _ in 0..PASSES {
        for (url, html) in sample {
            let options = ExtractOptions {
                url: Some(url),
                ..ExtractOptions::default()
            };
            let article = extract::extract(html, &options)?;
            anyhow::ensure!(
                article.extraction.status == gleaner::record::ExtractionStatus::Ok,
                "no article found in the page of {url}"
            );
            words += article.word_count;
        }
    }
    let pages = PASSES * sample.len();
    Ok((
        pages as f64 / start.elapsed().as_secs_f64(),
        (thread_cpu_seconds_self() - cpu_start) / pages as f64,
        words / pages,
    ))
}

/// Follows the CPU time of the pipeline's extraction threads
/// (`gleaner-extract-<n>`), which exit with the run: sampled every 50 ms,
/// the last value seen per thread kept.
struct ExtractorWatch {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<f64>,
}

impl ExtractorWatch {
    fn start() -> ExtractorWatch {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut seen: std::collections::HashMap<String, f64> = Default::default();
            loop {
                let last = flag.load(std::sync::atomic::Ordering::Relaxed);
                for task in std::fs::read_dir("/proc/self/task")
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    let comm =
                        std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
                    if comm.starts_with("gleaner-extract") {
                        let cpu = stat_seconds(
                            &std::fs::read_to_string(task.path().join("stat")).unwrap_or_default(),
                        );
                        let id = task.file_name().to_string_lossy().into_owned();
                        let entry = seen.entry(id).or_default();
                        *entry = entry.max(cpu);
                    }
                }
                if last {
                    return seen.values().sum();
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        });
        ExtractorWatch { stop, thread }
    }

    /// CPU seconds of the extraction threads.
    fn stop(self) -> f64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or(0.0)
    }
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
         [concurrency]\nfeeds = 32\narticles = 32\nper_host = 64\nmin_host_delay = \"0s\"\nextract_threads = {threads}\n\n\
         [http]\ntimeout = \"60s\"\n# The local benchmark server.\nallow = [\"127.0.0.0/8\"]\n\n",
        out.display(),
        threads = std::env::var("LOADBENCH_THREADS").unwrap_or_else(|_| "0".to_owned()),
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

/// User plus system CPU time of the calling thread.
fn thread_cpu_seconds_self() -> f64 {
    stat_seconds(&std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default())
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

/// Page templates in the pool.
const POOL: usize = 96;

/// `/f/<n>.xml`: a feed of `items` items; `/g/<n>.xml`: a one-item feed;
/// `/p/<n>/<i>`: an article page, the pool's templates in turn. Feeds carry
/// an ETag and answer 304.
fn answer(request: &Request, items: usize, pool: &[Template]) -> Response {
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
            let mut rng = Rng(n as u64 * 1000 + i as u64);
            body.push_str(&format!(
                "<item><title>{}</title><link>{base}/p/{n}/{i}?utm_source=rss</link><guid>{n}-{i}</guid>\
                 <description>&lt;p&gt;{}&lt;/p&gt;</description><pubDate>Tue, 10 Jun 2025 04:{:02}:00 GMT</pubDate></item>",
                headline(&mut rng),
                sentence(&mut rng),
                i % 60
            ));
        }
        body.push_str("</channel></rss>");
        return Response::ok("application/rss+xml", body).with_header("ETag", &etag);
    }
    if let Some(rest) = path.strip_prefix("/p/") {
        let page_path = path.split('?').next().unwrap_or(path);
        let mut parts = rest.split(['/', '?']);
        let n: usize = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let i: usize = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let template = &pool[(n * items + i) % pool.len()];
        return Response::ok(
            "text/html; charset=utf-8",
            template.render(&format!("{base}{page_path}")),
        );
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
    /// A number in `lo..hi`, skewed towards the low end (the smaller of two
    /// draws), as page and article sizes are.
    fn skewed(&mut self, lo: usize, hi: usize) -> usize {
        let (a, b) = (self.next() % (hi - lo), self.next() % (hi - lo));
        lo + a.min(b) + (a.max(b) - a.min(b)) / 3
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
    "regulator",
    "mayor",
    "board",
    "library",
    "railway",
    "university",
    "charity",
    "developer",
    "tenants",
    "coach",
    "orchestra",
    "inspectors",
    "fishermen",
    "nurses",
    "prosecutors",
    "residents",
    "bakery",
    "ferry operator",
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
    "questioned",
    "defended",
    "postponed",
    "confirmed",
    "challenged",
    "expanded",
    "scaled back",
    "investigated",
    "praised",
    "published",
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
    "a bid to rebuild the old pier",
    "the decision to raise fees",
    "a pilot scheme for night buses",
    "the draft agreement",
    "new rules on short-term lets",
    "the long-awaited survey",
    "a compromise on parking",
];
const CLAUSES: &[&str] = &[
    "officials said",
    "according to documents seen by reporters",
    "a spokesperson confirmed",
    "critics argued",
    "people familiar with the matter said",
    "the report found",
    "residents told a public meeting",
    "figures published on Monday show",
];
const LINKS: &[&str] = &[
    "cdn", "static", "assets", "img", "media", "js", "css", "fonts", "tracking", "ads",
];

fn sentence(rng: &mut Rng) -> String {
    match rng.next() % 4 {
        0 => format!(
            "The {} {} {} after {} weeks of debate, {}, adding that the {} would {} {}.",
            rng.pick(NOUNS),
            rng.pick(VERBS),
            rng.pick(OTHERS),
            rng.next() % 12 + 2,
            rng.pick(CLAUSES),
            rng.pick(NOUNS),
            if rng.next().is_multiple_of(2) {
                "review"
            } else {
                "publish"
            },
            rng.pick(OTHERS)
        ),
        1 => format!(
            "\u{201c}We have {} {} and we will keep talking to the {},\u{201d} {}.",
            rng.pick(VERBS),
            rng.pick(OTHERS),
            rng.pick(NOUNS),
            rng.pick(CLAUSES)
        ),
        2 => format!(
            "Last year the {} {} {}, and {} per cent of those asked said the {} should have acted sooner.",
            rng.pick(NOUNS),
            rng.pick(VERBS),
            rng.pick(OTHERS),
            rng.next() % 90 + 5,
            rng.pick(NOUNS)
        ),
        _ => format!(
            "It is not yet clear whether the {} will be {} before {}, {}.",
            rng.pick(OTHERS),
            rng.pick(VERBS),
            [
                "spring",
                "the summer",
                "the election",
                "the end of the year"
            ][rng.next() % 4],
            rng.pick(CLAUSES)
        ),
    }
}

fn headline(rng: &mut Rng) -> String {
    let mut h = format!(
        "{} {} {}",
        rng.pick(NOUNS),
        rng.pick(VERBS),
        rng.pick(OTHERS)
    );
    h[..1].make_ascii_uppercase();
    h
}

/// Marker for the page's own path in a template (canonical link, og:url,
/// JSON-LD), filled in per request.
const PATH: &str = "@@PATH@@";

/// A page template split at [`PATH`]: the parts to join with the path.
struct Template(Vec<Vec<u8>>);

impl Template {
    fn render(&self, path: &str) -> Vec<u8> {
        let len = self.0.iter().map(Vec::len).sum::<usize>() + path.len() * self.0.len();
        let mut out = Vec::with_capacity(len);
        for (k, part) in self.0.iter().enumerate() {
            if k > 0 {
                out.extend_from_slice(path.as_bytes());
            }
            out.extend_from_slice(part);
        }
        out
    }
    fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }
}

fn template(k: usize) -> Template {
    Template(page(k).split(PATH).map(|p| p.as_bytes().to_vec()).collect())
}

/// One article page of site `k`, in the shape of a real news page: head
/// metadata (Open Graph, Twitter, JSON-LD), stylesheet links and a large
/// inline stylesheet, analytics and consent scripts, an embedded state blob,
/// a mega-menu, share buttons with inline SVG icons, the article (figure,
/// subheadings, a quote, ad slots between paragraphs), related stories,
/// comments, a newsletter form and a footer of links. Sizes vary from about
/// 40 KiB to 300 KiB; one of four site layouts.
fn page(k: usize) -> String {
    let mut rng = Rng(k as u64 ^ 0x5eed_cafe);
    let title = headline(&mut rng);
    let site = format!(
        "The {} {}",
        rng.pick(&["Daily", "Evening", "Weekly", "Morning"]),
        rng.pick(&["Courier", "Gazette", "Observer", "Herald", "Post", "Record"])
    );
    let author = format!(
        "{} {}",
        rng.pick(&[
            "Alex", "Sam", "Maria", "Jonas", "Priya", "Tom", "Lena", "Omar"
        ]),
        rng.pick(&[
            "Writer",
            "Berg",
            "Okafor",
            "Lindqvist",
            "Moreau",
            "Hughes",
            "Tanaka"
        ])
    );
    let description = sentence(&mut rng);
    let day = 1 + rng.next() % 28;

    // Head: metadata, JSON-LD, stylesheets, inline CSS, scripts.
    let mut head = format!(
        "<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} | {site}</title><meta name=\"description\" content=\"{description}\">\
         <link rel=\"canonical\" href=\"{PATH}\"><meta property=\"og:type\" content=\"article\">\
         <meta property=\"og:title\" content=\"{title}\"><meta property=\"og:description\" content=\"{description}\">\
         <meta property=\"og:url\" content=\"{PATH}\"><meta property=\"og:site_name\" content=\"{site}\">\
         <meta property=\"og:image\" content=\"https://img.example.com/{k}/lead.jpg\">\
         <meta name=\"twitter:card\" content=\"summary_large_image\"><meta name=\"twitter:title\" content=\"{title}\">\
         <meta property=\"article:published_time\" content=\"2025-06-{day:02}T04:00:00Z\">\
         <meta name=\"author\" content=\"{author}\">\
         <script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\"@type\":\"NewsArticle\",\
         \"headline\":\"{title}\",\"url\":\"{PATH}\",\"datePublished\":\"2025-06-{day:02}T04:00:00Z\",\
         \"author\":[{{\"@type\":\"Person\",\"name\":\"{author}\"}}],\"publisher\":{{\"@type\":\"Organization\",\"name\":\"{site}\"}}}}</script>"
    );
    for n in 0..3 + rng.next() % 8 {
        head.push_str(&format!(
            "<link rel=\"{}\" href=\"https://{}.example.com/build/{n}.{:x}.css\">",
            if n % 3 == 0 { "preload" } else { "stylesheet" },
            rng.pick(LINKS),
            rng.next()
        ));
    }
    head.push_str("<style>");
    for n in 0..rng.skewed(60, 1300) {
        head.push_str(&format!(
            ".c-{n:x}-{}{{margin:{}px {}px;padding:0 {}px;color:#{:06x};font-size:{}.{}rem}}\
             @media (min-width:{}px){{.c-{n:x}{{display:{}}}}}",
            rng.pick(LINKS),
            rng.next() % 40,
            rng.next() % 40,
            rng.next() % 24,
            rng.next() % 0xffffff,
            1 + rng.next() % 2,
            rng.next() % 10,
            480 + 16 * (rng.next() % 60),
            rng.pick(&["flex", "grid", "block", "none"])
        ));
    }
    head.push_str(
        "</style><script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}\
         gtag('js',new Date());gtag('config','G-XXXXXXX',{anonymize_ip:true});\
         (function(w,d,s){var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;\
         j.src='https://tracking.example.com/tag.js';f.parentNode.insertBefore(j,f)})(window,document,'script');</script>\
         <script async src=\"https://ads.example.com/tag/js/gpt.js\"></script></head>",
    );

    // Navigation: a mega-menu of sections and subsections.
    let mut nav = String::from("<nav class=\"mega-menu\" aria-label=\"Main\"><ul class=\"menu\">");
    for s in 0..6 + rng.next() % 10 {
        let section = NOUNS[(s * 7 + k) % NOUNS.len()];
        nav.push_str(&format!(
            "<li class=\"menu-item has-children\"><a href=\"/section/{section}\" data-track=\"nav-{s}\">{section}</a><ul class=\"sub-menu\">"
        ));
        for t in 0..3 + rng.next() % 9 {
            let topic = OTHERS[(s + t) % OTHERS.len()];
            nav.push_str(&format!(
                "<li class=\"menu-item\"><a href=\"/section/{section}/{t}\" data-track=\"nav-{s}-{t}\">{topic}</a></li>"
            ));
        }
        nav.push_str("</ul></li>");
    }
    nav.push_str("</ul></nav>");

    let icon = |name: &str| {
        format!(
            "<svg class=\"icon icon-{name}\" viewBox=\"0 0 24 24\" width=\"24\" height=\"24\" aria-hidden=\"true\">\
             <path d=\"M18 16.08c-.76 0-1.44.3-1.96.77L8.91 12.7c.05-.23.09-.46.09-.7s-.04-.47-.09-.7l7.05-4.11\
             c.54.5 1.25.81 2.04.81 1.66 0 3-1.34 3-3s-1.34-3-3-3-3 1.34-3 3c0 .24.04.47.09.7L8.04 9.81C7.5 9.31 6.79 9 \
             6 9c-1.66 0-3 1.34-3 3s1.34 3 3 3c.79 0 1.5-.31 2.04-.81l7.12 4.16c-.05.21-.08.43-.08.65 0 1.61 1.31 2.92 \
             2.92 2.92 1.61 0 2.92-1.31 2.92-2.92s-1.31-2.92-2.92-2.92z\"/></svg>"
        )
    };
    let share: String = ["facebook", "x", "linkedin", "whatsapp", "email", "print", "copy"]
        .iter()
        .take(3 + rng.next() % 5)
        .map(|n| format!("<li><a class=\"share share-{n}\" href=\"#share-{n}\" rel=\"nofollow\">{}<span class=\"sr-only\">Share on {n}</span></a></li>", icon(n)))
        .collect();
    let share = format!("<ul class=\"share-tools\">{share}</ul>");

    // The article: 250 to 2,000 words or so.
    let mut body = format!(
        "<figure class=\"lead-image\"><picture><source type=\"image/webp\" srcset=\"https://img.example.com/{k}/lead-640.webp 640w, https://img.example.com/{k}/lead-1280.webp 1280w\">\
         <img src=\"https://img.example.com/{k}/lead.jpg\" alt=\"{}\" width=\"1280\" height=\"720\" loading=\"eager\"></picture>\
         <figcaption>{} <span class=\"credit\">Photo: {author}</span></figcaption></figure>",
        headline(&mut rng),
        sentence(&mut rng)
    );
    let paragraphs = rng.skewed(4, 36);
    for p in 0..paragraphs {
        let sentences = 1 + rng.next() % 4;
        let text: Vec<String> = (0..sentences).map(|_| sentence(&mut rng)).collect();
        if p % 6 == 4 {
            body.push_str(&format!("<h2>{}</h2>", headline(&mut rng)));
        }
        if p % 9 == 6 {
            body.push_str(&format!(
                "<blockquote class=\"pull-quote\"><p>{}</p></blockquote>",
                text[0]
            ));
        }
        if p % 5 == 3 {
            body.push_str(&format!(
                "<div class=\"ad-slot ad-inline\" id=\"ad-{p}\" data-ad-unit=\"/1234/news/inline\" data-sizes=\"[[300,250],[728,90]]\">\
                 <script>googletag.cmd.push(function(){{googletag.display('ad-{p}')}})</script></div>"
            ));
        }
        if p % 8 == 2 {
            body.push_str(&format!(
                "<aside class=\"read-more\"><span>Read more</span><a href=\"/story/{}\">{}</a></aside>",
                rng.next() % 100_000,
                headline(&mut rng)
            ));
        }
        body.push_str(&format!("<p>{}</p>", text.join(" ")));
    }

    let related: String = (0..6 + rng.next() % 11)
        .map(|r| {
            format!(
                "<div class=\"card card--related\" data-position=\"{r}\"><a class=\"card__link\" href=\"/story/{}\">\
                 <div class=\"card__media\"><img src=\"https://img.example.com/thumb/{r}.jpg\" alt=\"\" loading=\"lazy\" width=\"320\" height=\"180\"></div>\
                 <div class=\"card__body\"><span class=\"card__kicker\">{}</span><h3 class=\"card__title\">{}</h3>\
                 <time class=\"card__time\" datetime=\"2025-06-{day:02}\">{} hours ago</time></div></a></div>",
                rng.next() % 100_000,
                rng.pick(NOUNS),
                headline(&mut rng),
                1 + rng.next() % 23
            )
        })
        .collect();
    let comments: String = (0..rng.skewed(0, 30))
        .map(|c| {
            format!(
                "<li class=\"comment\" id=\"comment-{c}\"><div class=\"comment__meta\"><img class=\"avatar\" src=\"https://img.example.com/avatar/{c}.png\" alt=\"\">\
                 <b class=\"comment__author\">reader{}</b><time>{} minutes ago</time></div><div class=\"comment__body\"><p>{}</p></div>\
                 <div class=\"comment__actions\"><button type=\"button\">Reply</button><button type=\"button\">Report</button></div></li>",
                rng.next() % 10_000,
                1 + rng.next() % 59,
                sentence(&mut rng)
            )
        })
        .collect();
    let comments = format!(
        "<section id=\"comments\" class=\"comments\"><h2>Comments</h2><ol class=\"comment-list\">{comments}</ol></section>"
    );
    let newsletter = "<form class=\"newsletter\" action=\"/newsletter\" method=\"post\"><h3>Get the morning briefing</h3>\
        <label for=\"nl-email\">Email</label><input id=\"nl-email\" type=\"email\" name=\"email\" required>\
        <input type=\"hidden\" name=\"csrf\" value=\"8f1c0de55b0e4a7d\"><button type=\"submit\">Sign up</button>\
        <p class=\"small\">You can unsubscribe at any time. See our privacy notice.</p></form>";
    let footer: String = (0..rng.skewed(20, 120))
        .map(|f| {
            format!(
                "<li><a href=\"/{}/{f}\">{}</a></li>",
                rng.pick(LINKS),
                rng.pick(OTHERS)
            )
        })
        .collect();
    let footer = format!(
        "<footer class=\"site-footer\"><div class=\"footer-links\"><ul>{footer}</ul></div>\
         <p class=\"copyright\">&copy; 2025 {site}. All rights reserved.</p></footer>"
    );
    // Embedded application state (a hydration blob), as many sites ship.
    let mut state = String::from("{\"props\":{\"pageProps\":{\"items\":[");
    for n in 0..rng.skewed(5, 560) {
        if n > 0 {
            state.push(',');
        }
        state.push_str(&format!(
            "{{\"id\":{},\"type\":\"{}\",\"title\":\"{}\",\"href\":\"/story/{}\",\"image\":{{\"src\":\"https://img.example.com/{}.jpg\",\"w\":640,\"h\":360}},\"tags\":[\"{}\",\"{}\"]}}",
            rng.next(),
            rng.pick(&["story", "video", "gallery", "live"]),
            headline(&mut rng),
            rng.next() % 100_000,
            rng.next(),
            rng.pick(NOUNS),
            rng.pick(NOUNS)
        ));
    }
    state.push_str("]}}}");
    let scripts = format!(
        "<script id=\"__STATE__\" type=\"application/json\">{state}</script>\
         <script src=\"https://static.example.com/build/app.{:x}.js\" defer></script>\
         <script>window.__consent={{\"version\":3,\"vendors\":[1,2,3,5,8,13,21]}};</script>",
        rng.next()
    );
    let byline = format!(
        "<div class=\"byline\">By <a rel=\"author\" href=\"/author/{}\">{author}</a></div>\
         <time class=\"published\" datetime=\"2025-06-{day:02}T04:00:00Z\">{day} June 2025</time>",
        author.to_lowercase().replace(' ', "-")
    );

    match k % 4 {
        0 => format!(
            "<!doctype html><html lang=\"en\">{head}<body class=\"article-page\"><a class=\"skip\" href=\"#main\">Skip to content</a>\
             <header class=\"site-header\"><a class=\"logo\" href=\"/\">{site}</a>{nav}</header>\
             <main id=\"main\"><nav class=\"breadcrumb\"><a href=\"/\">Home</a> &rsaquo; <a href=\"/news\">News</a></nav>\
             <article class=\"story\"><header><h1>{title}</h1><p class=\"standfirst\">{description}</p>{byline}{share}</header>\
             <div class=\"story-body\">{body}</div></article><aside class=\"related\"><h2>More stories</h2>{related}</aside>\
             {newsletter}{comments}</main>{footer}{scripts}</body></html>"
        ),
        1 => format!(
            "<!DOCTYPE html><html lang=\"en-GB\">{head}<body class=\"post-template-default single single-post\">\
             <div id=\"page\" class=\"site\"><div class=\"top-bar\">{share}</div><div class=\"menu\">{nav}</div>\
             <div id=\"content\" class=\"site-content\"><div id=\"primary\" class=\"content-area\"><div class=\"post\">\
             <h1 class=\"entry-title\">{title}</h1><div class=\"entry-meta\">{byline}</div>\
             <div class=\"post-content entry-content\">{body}</div><div class=\"entry-footer\">{share}</div></div>{comments}</div>\
             <div id=\"secondary\" class=\"sidebar widget-area\">{newsletter}<div class=\"widget\">{related}</div></div></div>\
             {footer}</div>{scripts}</body></html>"
        ),
        2 => format!(
            "<!doctype html><html lang=\"en\">{head}<body><div id=\"__next\"><div class=\"layout\"><div class=\"layout__header\">\
             <div class=\"header__inner\"><div class=\"header__logo\"><a href=\"/\">{site}</a></div>{nav}</div></div>\
             <div class=\"layout__main\"><div class=\"grid\"><div class=\"grid__col grid__col--8\"><div class=\"article-header\">\
             <h1 class=\"headline\" data-testid=\"headline\">{title}</h1>{byline}</div><div class=\"article-body\" data-component=\"text-block\">{body}</div>\
             {share}</div><div class=\"grid__col grid__col--4\"><div class=\"rail\">{related}</div></div></div>{comments}</div>\
             <div class=\"layout__footer\">{footer}</div></div></div>{scripts}</body></html>"
        ),
        _ => format!(
            "<html>{head}<body><table width=\"100%\" cellpadding=\"0\"><tr><td class=\"left\" valign=\"top\">{nav}</td>\
             <td class=\"main\" valign=\"top\"><h1>{title}</h1>{byline}<div id=\"story\">{body}</div>{share}</td>\
             <td class=\"right\" valign=\"top\">{related}{newsletter}</td></tr></table>{comments}{footer}{scripts}</body></html>"
        ),
    }
}
