//! The three stage loops, as thin async glue over the pure modules and the
//! edges (`http`, `state`, `sink`):
//!
//! 1. [`poll_feed`]: one conditional GET of a feed, parse, then one state
//!    transaction storing the new items as pending together with the new
//!    validators and schedule; the new item ids go down the job channel.
//! 2. [`article_stage`]: takes item ids, shares them out by host
//!    ([`crate::hostqueue`]: one slow host cannot take every slot), fetches
//!    the page under the global and per-host limits (robots.txt, retries of
//!    transient errors), extracts
//!    it on the extraction threads ([`crate::workers`]), falls back to the
//!    feed's own content, and sends one serialized [`Record`] per item to
//!    the sink.
//! 3. [`sink_thread`]: the single writer; writes a batch to every sink,
//!    makes it durable, and only then marks its items done.
//!
//! Failures of one feed or one item are logged here, once, with the feed and
//! the reason, and never stop the pipeline.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use url::Url;

use crate::config::{Config, ContentSource, FeedConfig, Reemit};
use crate::extract::{self, ExtractOptions};
use crate::feed::{self, Item};
use crate::hostqueue::{self, HostHealth, HostQueues};
use crate::http::{self, FetchError, Fetched, Http, RobotsAnswer};
use crate::record::{self, Article, ExtractionStatus, FeedSource, Record};
use crate::schedule::{self, Outcome};
use crate::sink::Sink;
use crate::state::{self, Millis, PendingItem, PollRecord, QueuedItem, State};
use crate::workers::Workers;

/// One item for the article stage: its id and the queue key of its link's
/// host ([`hostqueue::host_key`]).
#[derive(Debug, Clone)]
pub struct Job {
    /// The item's row id.
    pub id: i64,
    /// Host and port of the item's link; empty without a link.
    pub host: Arc<str>,
}

/// What the stages share. Built once per process.
pub struct Context {
    /// The configuration the process started with (HTTP, limits, schedule).
    pub config: Arc<Config>,
    /// The feeds as currently configured (replaced on reload), by URL.
    pub feeds: RwLock<HashMap<String, FeedConfig>>,
    /// The state database.
    pub state: Arc<State>,
    /// The network edge.
    pub http: Http,
    /// Feed polls at once.
    pub feed_permits: Semaphore,
    /// Per feed host (`host:port`), `concurrency.per_host` polls at once,
    /// taken before a `feed_permits` slot: the feeds of one slow host wait
    /// for that host, not in the slots every other feed needs.
    feed_hosts: Mutex<HashMap<Arc<str>, Arc<Semaphore>>>,
    /// Hosts whose pages stopped answering, resting for a while.
    host_health: Mutex<HostHealth>,
    /// Article fetches at once.
    pub article_permits: Arc<Semaphore>,
    /// The extraction threads (`concurrency.extract_threads`).
    pub extractors: Workers,
    /// Items queued or in flight, so none is queued twice.
    pub queued: Mutex<HashSet<i64>>,
    /// Counters, for progress and the periodic summary.
    pub stats: Stats,
}

/// Counters. Relaxed atomics: they are only read for display.
#[derive(Debug, Default)]
pub struct Stats {
    /// Feed polls finished (any outcome).
    pub polls: AtomicU64,
    /// Feed polls that failed.
    pub poll_failures: AtomicU64,
    /// New items found.
    pub new_items: AtomicU64,
    /// Records written.
    pub written: AtomicU64,
    /// Records made from the feed because the page could not be used.
    pub degraded: AtomicU64,
    /// Records a sink could not take, left pending for a later run.
    pub unwritten: AtomicU64,
    /// Batches made durable (one write and fsync per file sink each).
    pub batches: AtomicU64,
}

/// A record ready for the sink: the item, its version and the JSON line.
pub struct Written {
    /// Item row id.
    pub id: i64,
    /// Item version.
    pub version: u32,
    /// The record as one JSON line ending in `\n`.
    pub line: Vec<u8>,
}

impl Context {
    /// Builds the shared context from a validated config and an open state.
    pub fn new(config: Arc<Config>, state: Arc<State>) -> anyhow::Result<Context> {
        let c = &config.concurrency;
        let http = Http::new(&config.http, c.per_host, c.min_host_delay)?;
        Ok(Context {
            feeds: RwLock::new(
                config
                    .feeds
                    .iter()
                    .map(|f| (f.url.to_string(), f.clone()))
                    .collect(),
            ),
            http,
            feed_permits: Semaphore::new(c.feeds),
            feed_hosts: Mutex::new(HashMap::new()),
            host_health: Mutex::new(HostHealth::default()),
            article_permits: Arc::new(Semaphore::new(c.articles)),
            extractors: Workers::start(c.extract_threads, "gleaner-extract")?,
            queued: Mutex::new(HashSet::new()),
            stats: Stats::default(),
            state,
            config,
        })
    }

    /// Runs a short state call off the async threads.
    pub async fn db<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        F: FnOnce(&State) -> Result<T, state::StateError> + Send + 'static,
        T: Send + 'static,
    {
        let state = self.state.clone();
        Ok(tokio::task::spawn_blocking(move || f(&state)).await??)
    }

    /// Queues items that are not queued yet, counting an attempt for each.
    pub async fn enqueue(&self, jobs: &mpsc::Sender<Job>, items: Vec<QueuedItem>) {
        let fresh: Vec<QueuedItem> = {
            let mut queued = self
                .queued
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            items.into_iter().filter(|q| queued.insert(q.id)).collect()
        };
        if fresh.is_empty() {
            return;
        }
        let counted: Vec<i64> = fresh.iter().map(|q| q.id).collect();
        if let Err(err) = self.db(move |s| s.count_attempts(&counted)).await {
            tracing::error!(error = format!("{err:#}"), "could not count attempts");
        }
        for item in fresh {
            let job = Job {
                id: item.id,
                host: hostqueue::host_key(item.link.as_deref()),
            };
            if jobs.send(job).await.is_err() {
                // The article stage is gone (shutdown): the item stays pending.
                return;
            }
        }
    }

    /// The poll gate of a feed's host.
    fn feed_host_gate(&self, url: &Url) -> Arc<Semaphore> {
        /// Gates kept before idle ones are dropped (feeds are configured, so
        /// this is only reached by very large or often reloaded configs).
        const MAX_GATES: usize = 4096;
        let key = hostqueue::host_key(Some(url.as_str()));
        let mut gates = self
            .feed_hosts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if gates.len() >= MAX_GATES && !gates.contains_key(&key) {
            gates.retain(|_, gate| Arc::strong_count(gate) > 1);
        }
        gates
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(self.config.concurrency.per_host)))
            .clone()
    }

    fn feed_config(&self, url: &str) -> Option<FeedConfig> {
        self.feeds
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(url)
            .cloned()
    }
}

/// Polls one feed once and stores the outcome; returns when it is next due.
pub async fn poll_feed(
    ctx: &Context,
    feed: &FeedConfig,
    jobs: &mpsc::Sender<Job>,
) -> anyhow::Result<Millis> {
    // A WARN-level span: its fields (which feed) stay on warnings even when
    // only warnings are logged, as under `once`'s progress bar.
    let span = tracing::span!(tracing::Level::WARN, "feed", feed = %feed.name, url = %feed.url);
    poll_feed_inner(ctx, feed, jobs).instrument(span).await
}

async fn poll_feed_inner(
    ctx: &Context,
    feed: &FeedConfig,
    jobs: &mpsc::Sender<Job>,
) -> anyhow::Result<Millis> {
    // First the host's turn, then a poll slot (which also bounds the state
    // reads of feeds waiting their turn): a slow host's feeds queue behind
    // each other, not in front of every other feed.
    let _host_turn = ctx.feed_host_gate(&feed.url).acquire_owned().await?;
    let _permit = ctx.feed_permits.acquire().await?;
    let key = feed.url.to_string();
    let row = {
        let key = key.clone();
        ctx.db(move |s| match s.feed(&key)? {
            Some(row) => Ok(Some(row)),
            None => {
                s.ensure_feed(&key)?;
                s.feed(&key)
            }
        })
        .await?
        .ok_or_else(|| anyhow::anyhow!("feed row vanished"))?
    };
    let schedule = &ctx.config.schedule;
    let interval = feed.interval.unwrap_or(schedule.default_interval);
    if let Some(reason) = &row.disabled {
        tracing::debug!(reason = %reason, "feed disabled in state, not polled");
        return Ok(state::now_millis() + millis(schedule.max_interval));
    }
    let fetch_url = Url::parse(&row.fetch_url).unwrap_or_else(|_| feed.url.clone());
    let request = http::Request {
        etag: row.etag.as_deref(),
        last_modified: row.last_modified.as_deref(),
        headers: &feed.headers,
        max_bytes: ctx.config.http.max_feed_bytes,
        accept: Some(
            "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, \
             application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
        ),
    };
    let started = std::time::Instant::now();
    let result = ctx.http.fetch(&fetch_url, &request).await;
    let now = state::now_millis();
    ctx.stats.polls.fetch_add(1, Ordering::Relaxed);
    let sample: f64 = rand::random();
    match result {
        Ok(Fetched::NotModified { max_age, etag }) => {
            let delay = schedule::next_delay(
                schedule,
                interval,
                Outcome::Healthy {
                    requested: None,
                    max_age,
                },
                sample,
            );
            let next = now + millis(delay);
            let etag = etag.or(row.etag);
            let (fetch, last_modified) = (row.fetch_url.clone(), row.last_modified.clone());
            ctx.db(move |s| {
                s.record_poll(&PollRecord {
                    feed_url: &key,
                    fetch_url: &fetch,
                    title: None,
                    etag: etag.as_deref(),
                    last_modified: last_modified.as_deref(),
                    next_poll: next,
                    items: None,
                    reemit: false,
                    now,
                })
            })
            .await?;
            tracing::info!(status = 304, elapsed_ms = started.elapsed().as_millis() as u64, next_in = %humantime::format_duration(round(delay)), "poll");
            Ok(next)
        }
        Ok(Fetched::Body(body)) => {
            let scope = key.clone();
            let base = body.final_url.clone();
            let media = body.media_type();
            let charset = body.charset().map(str::to_owned);
            let bytes = body.bytes;
            let limits = ctx.config.limits;
            let max_bytes = ctx.config.http.max_feed_bytes;
            let span = tracing::Span::current();
            let parsed = tokio::task::spawn_blocking(move || {
                let _span = span.enter();
                let parsed = feed::parse_fetched(&bytes, charset.as_deref(), max_bytes, &base, &scope)
                    .map_err(|err| {
                        let reason = feed::explain_not_a_feed(&bytes, &base, &err);
                        match media {
                            Some(media) if !media.is_empty() => {
                                format!("{reason} (content type {media})")
                            }
                            _ => reason,
                        }
                    })
                    .map(|mut parsed| {
                    if !parsed.repairs.is_empty() {
                        tracing::debug!(repairs = ?parsed.repairs, "malformed feed repaired");
                    }
                    let found = parsed.items.len();
                    if found > limits.max_items_per_poll {
                        tracing::warn!(
                            items = found,
                            kept = limits.max_items_per_poll,
                            "feed has more items than limits.max_items_per_poll; only the first ones are taken"
                        );
                        parsed.items.truncate(limits.max_items_per_poll);
                    }
                    let mut cut = 0;
                    for item in &mut parsed.items {
                        cut += usize::from(feed::cap_fields(
                            item,
                            limits.max_title_bytes,
                            limits.max_content_bytes,
                        ));
                    }
                    if cut > 0 {
                        tracing::warn!(
                            items = cut,
                            "item fields over limits.max_title_bytes or limits.max_content_bytes were cut"
                        );
                    }
                    parsed
                });
                (parsed, bytes.len())
            })
            .await?;
            let (parsed, size) = parsed;
            let parsed = match parsed {
                Ok(parsed) => parsed,
                Err(reason) => {
                    let failure = Failure {
                        reason: &reason,
                        retry_after: None,
                        gone: None,
                        by_policy: false,
                    };
                    return record_failure(ctx, &key, &row, interval, failure).await;
                }
            };
            let delay = schedule::next_delay(
                schedule,
                interval,
                Outcome::Healthy {
                    requested: parsed.requested_interval,
                    max_age: body.max_age,
                },
                sample,
            );
            let next = now + millis(delay);
            if let Some(moved) = &body.moved_to {
                tracing::info!(to = %moved, "feed moved permanently, following");
            }
            let fetch = body.moved_to.map_or(row.fetch_url.clone(), String::from);
            let reemit = ctx.config.reemit == Reemit::On;
            let count = parsed.items.len();
            let (etag, last_modified, title) = (body.etag, body.last_modified, parsed.title);
            let items = parsed.items;
            let queued = ctx
                .db(move |s| {
                    s.record_poll(&PollRecord {
                        feed_url: &key,
                        fetch_url: &fetch,
                        title: title.as_deref(),
                        etag: etag.as_deref(),
                        last_modified: last_modified.as_deref(),
                        next_poll: next,
                        items: Some(&items),
                        reemit,
                        now,
                    })
                })
                .await?;
            ctx.stats
                .new_items
                .fetch_add(queued.len() as u64, Ordering::Relaxed);
            tracing::info!(
                status = 200,
                bytes = size,
                items = count,
                new = queued.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                next_in = %humantime::format_duration(round(delay)),
                "poll"
            );
            ctx.enqueue(jobs, queued).await;
            Ok(next)
        }
        Err(err) => {
            let gone = (err.status() == Some(410)).then_some("410 Gone");
            let failure = Failure {
                reason: &err.to_string(),
                retry_after: err.retry_after,
                gone,
                by_policy: matches!(err.kind, http::FetchErrorKind::Refused(_)),
            };
            record_failure(ctx, &key, &row, interval, failure).await
        }
    }
}

/// One failed poll, as [`record_failure`] stores it.
struct Failure<'a> {
    /// What went wrong, for the log and `feeds status`.
    reason: &'a str,
    /// The server's Retry-After.
    retry_after: Option<Duration>,
    /// Set when the feed is gone for good (410).
    gone: Option<&'static str>,
    /// The request never left: our own SSRF policy refused the address.
    by_policy: bool,
}

async fn record_failure(
    ctx: &Context,
    key: &str,
    row: &state::FeedRow,
    interval: Duration,
    failure: Failure<'_>,
) -> anyhow::Result<Millis> {
    let Failure {
        reason,
        retry_after,
        gone,
        by_policy,
    } = failure;
    ctx.stats.poll_failures.fetch_add(1, Ordering::Relaxed);
    let consecutive = row.error_count + 1;
    let delay = schedule::next_delay(
        &ctx.config.schedule,
        interval,
        Outcome::Failed {
            consecutive,
            retry_after,
        },
        rand::random(),
    );
    let now = state::now_millis();
    let next = now + millis(delay);
    // A refusal by our own policy says nothing about the server, and only a
    // config change (a new `http.allow` entry) can cure it: the stored
    // deadline stays "now", so the next process (after that change) polls
    // at once, while this process still waits out the backoff in memory.
    let stored_next = if by_policy { now } else { next };
    let (key, reason_owned) = (key.to_owned(), reason.to_owned());
    ctx.db(move |s| s.record_failure(&key, &reason_owned, stored_next, gone, now))
        .await?;
    if gone.is_some() {
        tracing::warn!(error = %reason, "feed is gone (410), disabled; remove it from the config or edit its url to poll it again");
    } else {
        tracing::warn!(
            error = %reason,
            failures = consecutive,
            retry_after_s = retry_after.map(|d| d.as_secs()),
            retry_in = %humantime::format_duration(round(delay)),
            "poll failed"
        );
    }
    Ok(next)
}

/// Takes items until the channel closes or `cancel` fires, and sends one
/// record per item to the sink. In-flight items are finished before it
/// returns; items still queued stay pending in the state.
///
/// Items wait in [`HostQueues`] and start when an article slot is free and
/// their host has fewer than `concurrency.per_host` items fetching, hosts
/// taking turns: a host that answers slowly, or a feed listing thousands of
/// links to one site, occupies at most `per_host` slots while the other
/// feeds' items flow past it.
pub async fn article_stage(
    ctx: Arc<Context>,
    mut jobs: mpsc::Receiver<Job>,
    records: mpsc::Sender<Written>,
    cancel: CancellationToken,
) {
    let mut tasks = JoinSet::new();
    let mut queues = HostQueues::new(ctx.config.concurrency.per_host);
    // Hosts whose started item has fetched its page (or ended).
    let (fetched_tx, mut fetched_rx) = mpsc::unbounded_channel::<Arc<str>>();
    let mut open = true;
    loop {
        if !open && queues.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            Some(host) = fetched_rx.recv() => queues.done(&host),
            permit = ctx.article_permits.clone().acquire_owned(), if queues.can_start() => {
                let Ok(permit) = permit else { break };
                let Some((host, id)) = queues.start() else { continue };
                let (ctx, records) = (ctx.clone(), records.clone());
                let fetched = HostTurn {
                    host: Some(host),
                    tell: fetched_tx.clone(),
                };
                tasks.spawn(async move {
                    let written = process_item(&ctx, id, fetched).await;
                    drop(permit);
                    match written {
                        Ok(Some(written)) => {
                            // A closed sink means shutdown: the item stays pending.
                            let _ = records.send(written).await;
                        }
                        Ok(None) => ctx.unqueue(&[id]),
                        Err(err) => {
                            tracing::error!(
                                item = id,
                                error = format!("{err:#}"),
                                "item failed, left pending"
                            );
                            ctx.unqueue(&[id]);
                        }
                    }
                });
            }
            job = jobs.recv(), if open => match job {
                Some(job) => queues.push(job.host, job.id),
                None => open = false,
            },
        }
        // Reap finished tasks so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}

/// A started item's claim on its host in [`HostQueues`]: dropped once the
/// page is fetched (or the item ends, panics included), it gives the host's
/// turn back to the article stage.
struct HostTurn {
    host: Option<Arc<str>>,
    tell: mpsc::UnboundedSender<Arc<str>>,
}

impl Drop for HostTurn {
    fn drop(&mut self) {
        if let Some(host) = self.host.take() {
            // The stage is gone at shutdown; nobody needs to know then.
            let _ = self.tell.send(host);
        }
    }
}

impl Context {
    /// Forgets that items are queued (after they were written or dropped).
    pub fn unqueue(&self, ids: &[i64]) {
        let mut queued = self
            .queued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for id in ids {
            queued.remove(id);
        }
    }
}

/// Builds the record of one pending item; `None` when it is no longer pending.
///
/// Two hops off the async threads: one state read (`start_item`), then,
/// once the page is in memory, one job on an extraction thread that
/// extracts it, reads `also_in` (late, so that feeds polled while the page
/// was fetched are listed; on the state's read connection, which never
/// waits for a write), builds the record and serializes it. Everything
/// CPU-heavy about an item (extraction, the feed fallback's sanitizing,
/// JSON) thus runs off the async workers, on `extract_threads` threads.
async fn process_item(
    ctx: &Arc<Context>,
    id: i64,
    host_turn: HostTurn,
) -> anyhow::Result<Option<Written>> {
    let Some(mut pending) = ctx.db(move |s| s.start_item(id)).await? else {
        return Ok(None);
    };
    let feed = ctx.feed_config(&pending.feed_url);
    let feed_name = feed
        .as_ref()
        .map_or(pending.feed_url.clone(), |f| f.name.clone());
    let link = pending.item.link.clone().unwrap_or_default();
    let span = tracing::span!(tracing::Level::WARN, "article", feed = %feed_name, url = %link);
    let source = page_source(ctx, feed.as_ref(), &pending.item)
        .instrument(span.clone())
        .await;
    // The host is free for the next item while this one is extracted.
    drop(host_turn);
    let job_ctx = ctx.clone();
    ctx.extractors
        .run(move || -> anyhow::Result<Option<Written>> {
            let ctx = job_ctx;
            let _span = span.enter();
            let article = make_article(&ctx, source, &pending.item);
            if article.extraction.source == "feed" {
                ctx.stats.degraded.fetch_add(1, Ordering::Relaxed);
            }
            pending.also_in = ctx.state.also_in(id)?;
            let record = build_record(&ctx, article, &pending, feed.as_ref());
            let mut line = Vec::with_capacity(
                record.article.text.len() + 2 * record.article.html.len() + 2048,
            );
            serde_json::to_writer(&mut line, &record)?;
            line.push(b'\n');
            Ok(Some(Written {
                id,
                version: pending.version,
                line,
            }))
        })
        .await?
}

fn build_record(
    ctx: &Context,
    article: Article,
    pending: &PendingItem,
    feed: Option<&FeedConfig>,
) -> Record {
    let source = |url: &str, title: Option<&String>, item: &Item, tags: Vec<String>| FeedSource {
        url: url.to_owned(),
        title: title.cloned(),
        item_guid: item.guid.clone(),
        item_title: item.title.clone(),
        item_published: item.published.clone(),
        tags,
    };
    let tags_of = |url: &str| ctx.feed_config(url).map(|f| f.tags).unwrap_or_default();
    let mut article = article;
    // A page's own title and authors are capped like the feed's.
    let max_title = ctx.config.limits.max_title_bytes;
    if let Some(title) = &mut article.title {
        feed::truncate(title, max_title);
    }
    for author in &mut article.authors {
        feed::truncate(author, max_title);
    }
    Record {
        article,
        version: pending.version,
        feed: source(
            &pending.feed_url,
            pending.feed_title.as_ref(),
            &pending.item,
            feed.map(|f| f.tags.clone()).unwrap_or_default(),
        ),
        also_in: pending
            .also_in
            .iter()
            .map(|(url, title, item)| source(url, title.as_ref(), item, tags_of(url)))
            .collect(),
        fetched_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// Where an item's article comes from: the fetched page, or the feed's own
/// content for the reason given.
enum Source {
    Page(Box<http::Body>),
    Feed(String),
}

/// The async half of an item: decides whether the page is wanted and
/// allowed, and fetches it.
async fn page_source(ctx: &Context, feed: Option<&FeedConfig>, item: &Item) -> Source {
    let Some(link) = item.link.as_deref().and_then(|l| Url::parse(l).ok()) else {
        return Source::Feed("the item has no link; recorded from the feed".to_owned());
    };
    if feed.is_some_and(|f| f.content == ContentSource::Feed) {
        return Source::Feed(
            "the feed is configured to be trusted (content = \"feed\")".to_owned(),
        );
    }
    if let Some(media) = item
        .media_type
        .as_deref()
        .or_else(|| feed::media_by_extension(link.as_str()))
    {
        return Source::Feed(format!(
            "the link is {media}, not a web page; recorded from the feed"
        ));
    }
    if ctx.config.robots_txt {
        match ctx.http.robots(&link).await {
            RobotsAnswer::Allowed => {}
            RobotsAnswer::Disallowed => {
                tracing::info!("robots.txt disallows the page, using the feed's content");
                return Source::Feed(
                    "robots.txt disallows fetching the page; recorded from the feed".to_owned(),
                );
            }
            RobotsAnswer::Unavailable(reason) => {
                tracing::warn!(
                    error = %reason,
                    "robots.txt could not be read, so the site is not fetched for now; using the feed's content"
                );
                return Source::Feed(format!(
                    "robots.txt could not be read ({reason}), so the page was not fetched; recorded from the feed"
                ));
            }
        }
    }
    let headers = feed.map(|f| f.headers.as_slice()).unwrap_or_default();
    let body = match fetch_page(ctx, &link, headers).await {
        Ok(body) => body,
        Err(err) => {
            tracing::warn!(error = %err, "page fetch failed, using the feed's content");
            return Source::Feed(format!(
                "fetching the page failed ({err}); recorded from the feed"
            ));
        }
    };
    if let Some(media) = body.media_type()
        && !media.is_empty()
        && !(media.contains("html") || media == "text/plain" || media.ends_with("/xml"))
    {
        return Source::Feed(format!(
            "the page is {media}, not HTML; recorded from the feed"
        ));
    }
    Source::Page(Box::new(body))
}

/// The blocking half of an item: the extracted page, or the feed's own
/// content with the reason in `extraction.note`. CPU-bound; runs on an
/// extraction thread.
fn make_article(ctx: &Context, source: Source, item: &Item) -> Article {
    let body = match source {
        Source::Page(body) => body,
        Source::Feed(note) => return article_from_feed(item, &note),
    };
    let url = body.final_url.as_str();
    let options = ExtractOptions {
        url: Some(url),
        http_charset: body.charset(),
        http_language: body.content_language.as_deref(),
        markdown: false,
        max_bytes: Some(ctx.config.http.max_page_bytes),
    };
    // A panic in the extractor costs the page, not the item: the record
    // falls back to the feed's content.
    let extracted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        extract::extract(&body.bytes, &options)
    }));
    match extracted {
        Ok(Ok(article)) if article.extraction.status == ExtractionStatus::Ok => article,
        Ok(Ok(article)) => {
            let fallback =
                article_from_feed(item, "the page has no article; recorded from the feed");
            if fallback.text.is_empty() {
                article
            } else {
                fallback
            }
        }
        Ok(Err(err)) => article_from_feed(
            item,
            &format!("extraction failed ({err}); recorded from the feed"),
        ),
        Err(_) => {
            tracing::error!("extraction panicked, using the feed's content");
            article_from_feed(item, "extraction crashed; recorded from the feed")
        }
    }
}

/// GETs a page, retrying transient errors with doubling delays (Retry-After
/// honoured, capped at a minute).
async fn fetch_page(
    ctx: &Context,
    url: &Url,
    headers: &[(String, String)],
) -> Result<http::Body, FetchError> {
    let settings = &ctx.config.http;
    let request = http::Request {
        headers,
        max_bytes: settings.max_page_bytes,
        accept: Some("text/html, application/xhtml+xml;q=0.9, */*;q=0.5"),
        ..http::Request::default()
    };
    let host = hostqueue::host_key(Some(url.as_str()));
    let health = || {
        ctx.host_health
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let mut attempt = 0;
    loop {
        if let Some(reason) = health().resting(&host, Instant::now()) {
            return Err(FetchError {
                kind: http::FetchErrorKind::HostResting(reason.to_owned()),
                retry_after: None,
            });
        }
        let result = ctx.http.fetch(url, &request).await;
        match &result {
            Err(err) if err.is_unanswered() => {
                let reason = err.to_string();
                if health().failed(&host, &reason, Instant::now()) {
                    tracing::warn!(
                        host = %host,
                        error = %reason,
                        rest = %humantime::format_duration(hostqueue::REST),
                        "host is not answering; its pages are not requested for a while, their items use the feed's content"
                    );
                }
            }
            Ok(_) => health().answered(&host),
            Err(err) if err.status().is_some() => health().answered(&host),
            Err(_) => {}
        }
        match result {
            Ok(Fetched::Body(body)) => return Ok(*body),
            Ok(Fetched::NotModified { .. }) => {
                return Err(FetchError {
                    kind: http::FetchErrorKind::Status(304),
                    retry_after: None,
                });
            }
            Err(err) if err.is_transient() && attempt < settings.retries => {
                let backoff = settings.retry_delay.saturating_mul(1 << attempt.min(16));
                let wait = err
                    .retry_after
                    .unwrap_or(backoff)
                    .max(backoff)
                    .min(Duration::from_secs(60));
                tracing::debug!(error = %err, attempt, "transient page error, retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// An article made from the feed entry itself: its content (or summary) as
/// sanitized HTML and text, its own title, dates and authors. The extractor
/// runs on a page made of that content for everything else (language, ...).
pub fn article_from_feed(item: &Item, note: &str) -> Article {
    let content = item
        .content
        .as_deref()
        .or(item.summary.as_deref())
        .unwrap_or("");
    let base = item.link.as_deref().and_then(|l| Url::parse(l).ok());
    let (text, html) = feed::content_body(content, base.as_ref());
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"></head><body><article>{html}</article></body></html>"
    );
    let options = ExtractOptions {
        url: item.link.as_deref(),
        ..ExtractOptions::default()
    };
    let mut article = extract::extract(page.as_bytes(), &options).unwrap_or_else(|_| {
        extract::extract(b"<html></html>", &options).expect("an empty page is under any limit")
    });
    // The feed's own fields are authoritative for a record made from it.
    if item.title.is_some() {
        article.title.clone_from(&item.title);
    }
    if item.published.is_some() {
        article.published.clone_from(&item.published);
    }
    if item.updated.is_some() {
        article.modified.clone_from(&item.updated);
    }
    if !item.authors.is_empty() {
        article.authors.clone_from(&item.authors);
    }
    if article.language.is_none() {
        article.language = extract::lang::detect(&text);
    }
    article.word_count = record::word_count(&text);
    article.content_hash = record::content_hash(&text);
    article.id = record::record_id(
        article.canonical_url.as_deref(),
        article.url.as_deref(),
        &article.content_hash,
    );
    article.extraction.status = if text.is_empty() {
        ExtractionStatus::Empty
    } else {
        ExtractionStatus::Ok
    };
    article.extraction.method = (!text.is_empty()).then(|| "feed_content".to_owned());
    article.extraction.source = "feed".to_owned();
    article.extraction.note = Some(note.to_owned());
    article.text = text;
    article.html = html;
    article.markdown = None;
    article
}

/// The single writer: runs on its own thread, writes each batch to every
/// sink, makes it durable, then marks its items done. Returns when the
/// channel closes. A failing sink is retried with doubling delays (items
/// stay pending meanwhile) until it works, `cancel` fires, or, when
/// `attempts` is set (`once`), that many writes of a batch failed: then
/// this and every later batch are left pending and counted in
/// [`Stats::unwritten`], so `once` ends instead of retrying forever.
pub fn sink_thread(
    ctx: Arc<Context>,
    mut sinks: Vec<Sink>,
    mut records: mpsc::Receiver<Written>,
    cancel: CancellationToken,
    attempts: Option<u32>,
) {
    const MAX_BATCH: usize = 256;
    let mut gave_up = false;
    while let Some(first) = records.blocking_recv() {
        let mut batch = vec![first];
        // Group commit: one write, one fsync and one state transaction per
        // batch. Records that arrive while a batch is being made durable
        // form the next one; a batch found small waits once, briefly, for
        // more, so that under load an fsync is shared by many records.
        let mut waited = false;
        loop {
            match records.try_recv() {
                Ok(next) => {
                    batch.push(next);
                    if batch.len() == MAX_BATCH {
                        break;
                    }
                }
                Err(mpsc::error::TryRecvError::Empty)
                    if !waited && batch.len() < GROUP_MIN && !cancel.is_cancelled() =>
                {
                    waited = true;
                    std::thread::sleep(GROUP_WAIT);
                }
                Err(_) => break,
            }
        }
        let mut lines = Vec::with_capacity(batch.iter().map(|w| w.line.len()).sum());
        for written in &batch {
            lines.extend_from_slice(&written.line);
        }
        let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let mut durable = !gave_up;
        for sink in &mut sinks {
            if gave_up {
                break;
            }
            let mut delay = Duration::from_millis(500);
            let mut failed = 0;
            loop {
                match sink.write_batch(&lines, &date) {
                    Ok(()) => break,
                    Err(err) if cancel.is_cancelled() => {
                        tracing::error!(sink = %sink.describe(), error = %err, "sink write failed during shutdown, items stay pending");
                        durable = false;
                        break;
                    }
                    Err(err) if attempts.is_some_and(|n| failed + 1 >= n) => {
                        tracing::error!(sink = %sink.describe(), error = %err, attempts = failed + 1, "sink write failed, giving up; items stay pending for the next run");
                        durable = false;
                        gave_up = true;
                        break;
                    }
                    Err(err) => {
                        tracing::error!(sink = %sink.describe(), error = %err, retry_in_ms = delay.as_millis() as u64, "sink write failed, retrying");
                        std::thread::sleep(delay);
                        delay = (delay * 2).min(Duration::from_secs(30));
                        failed += 1;
                    }
                }
            }
            if !durable {
                break;
            }
        }
        let ids: Vec<i64> = batch.iter().map(|w| w.id).collect();
        if durable {
            let done: Vec<(i64, u32)> = batch.iter().map(|w| (w.id, w.version)).collect();
            if let Err(err) = ctx.state.mark_done(&done) {
                // The records are out; they will be written again after a
                // restart (at least once, never lost).
                tracing::error!(error = %err, "could not mark written items done");
            }
            ctx.stats
                .written
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            ctx.stats.batches.fetch_add(1, Ordering::Relaxed);
        } else {
            ctx.stats
                .unwritten
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
        }
        ctx.unqueue(&ids);
    }
}

/// A batch smaller than this waits [`GROUP_WAIT`] once for more records.
const GROUP_MIN: usize = 32;
/// How long a small batch waits for company before it is written: a bound
/// on the latency group commit adds to a record.
const GROUP_WAIT: Duration = Duration::from_millis(5);

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

fn round(d: Duration) -> Duration {
    if d >= Duration::from_secs(1) {
        Duration::from_secs(d.as_secs())
    } else {
        Duration::from_millis(d.as_millis() as u64)
    }
}
