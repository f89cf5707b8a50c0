//! Lifecycle and topology: opens the state and the sinks, builds the
//! channels, spawns the stages, and owns shutdown, reload, pruning and
//! sd_notify. The only module that knows how the stages are wired; it does
//! not parse, fetch or extract.
//!
//! ```text
//! feed tasks ──mpsc<i64 item id>──► article stage ──mpsc<Written>──► sink thread
//! ```
//!
//! Shutdown is by cancellation then channel closure: the feed tasks stop, the
//! article stage finishes its in-flight items and drops its sender, the sink
//! thread drains, writes, marks done and returns. A deadline bounds it all;
//! whatever is cut short stays pending in the state and is done next start.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, FeedConfig};
use crate::pipeline::{self, Context, Written};
use crate::sink::Sink;
use crate::state::{self, State};

/// Capacity of the item-id channel.
const JOB_QUEUE: usize = 256;
/// Capacity of the record channel.
const RECORD_QUEUE: usize = 64;
/// How often pruning runs in `run`.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// How often `run` re-queues pending items nobody holds (after a sink failure, say).
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Writes of one batch `once` tries before leaving the items pending and
/// exiting with an error (`run` retries forever).
const ONCE_SINK_ATTEMPTS: u32 = 4;

/// How `once` went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Feeds polled.
    pub polls: u64,
    /// Polls that failed.
    pub failures: u64,
    /// Records written.
    pub written: u64,
    /// Records no sink would take, left pending.
    pub unwritten: u64,
    /// Records made from the feed because the page could not be used.
    pub degraded: u64,
    /// Batches the sinks made durable (one fsync each for files).
    pub batches: u64,
}

/// The running pipeline's handles.
struct Pipeline {
    ctx: Arc<Context>,
    jobs: mpsc::Sender<pipeline::Job>,
    articles: JoinHandle<()>,
    sink: std::thread::JoinHandle<()>,
    stop_articles: CancellationToken,
}

/// Opens state and sinks and starts the article stage and the sink thread.
fn start(config: Arc<Config>, sink_attempts: Option<u32>) -> anyhow::Result<Pipeline> {
    let state = State::open(&config.state_path)?;
    let state = Arc::new(state);
    let mut sinks = Vec::new();
    for output in &config.outputs {
        let sink = Sink::open(output).with_context(|| format!("opening output {output:?}"))?;
        sinks.push(sink);
    }
    let urls: Vec<&str> = config.feeds.iter().map(|f| f.url.as_str()).collect();
    state.ensure_feeds(&urls)?;
    let ctx = Arc::new(Context::new(config, state)?);
    let (jobs_tx, jobs_rx) = mpsc::channel(JOB_QUEUE);
    let (records_tx, records_rx) = mpsc::channel::<Written>(RECORD_QUEUE);
    let stop_articles = CancellationToken::new();
    let articles = tokio::spawn(pipeline::article_stage(
        ctx.clone(),
        jobs_rx,
        records_tx,
        stop_articles.clone(),
    ));
    let sink_ctx = ctx.clone();
    let sink_cancel = stop_articles.clone();
    let sink = std::thread::Builder::new()
        .name("gleaner-sink".to_owned())
        .spawn(move || {
            pipeline::sink_thread(sink_ctx, sinks, records_rx, sink_cancel, sink_attempts);
        })?;
    Ok(Pipeline {
        ctx,
        jobs: jobs_tx,
        articles,
        sink,
        stop_articles,
    })
}

impl Pipeline {
    /// Queues every pending item left by an earlier process.
    async fn resume_pending(&self) -> anyhow::Result<usize> {
        let pending = self.ctx.db(State::pending).await?;
        let count = pending.len();
        if count > 0 {
            tracing::info!(items = count, "resuming pending items");
        }
        let (ctx, jobs) = (self.ctx.clone(), self.jobs.clone());
        // In a task: the queue is bounded, and polling must start meanwhile.
        tokio::spawn(async move { ctx.enqueue(&jobs, pending).await });
        Ok(count)
    }

    /// Closes the job queue and waits for the stages, at most `deadline`.
    async fn finish(self, deadline: Duration, cancel: &CancellationToken) -> bool {
        let Pipeline {
            jobs,
            articles,
            sink,
            stop_articles,
            ..
        } = self;
        drop(jobs);
        let stop = stop_articles.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            cancel.cancelled().await;
            stop.cancel();
        });
        let drained = async move {
            let _ = articles.await;
            let _ = tokio::task::spawn_blocking(move || sink.join()).await;
        };
        tokio::time::timeout(deadline, drained).await.is_ok()
    }
}

/// `gleaner once`: polls every enabled feed once (skipping those in backoff),
/// processes every new and pending item, flushes and returns.
pub async fn once(
    config: Config,
    cancel: CancellationToken,
    progress: bool,
) -> anyhow::Result<Summary> {
    let config = Arc::new(config);
    let pipeline = start(config.clone(), Some(ONCE_SINK_ATTEMPTS))?;
    let ctx = pipeline.ctx.clone();
    pipeline.resume_pending().await?;
    let now = state::now_millis();
    let feeds: Vec<FeedConfig> = config.enabled_feeds().cloned().collect();
    let bar = progress.then(|| progress_bar(feeds.len() as u64));
    let mut polls = tokio::task::JoinSet::new();
    let rows: HashMap<String, state::FeedRow> = ctx
        .db(State::feeds)
        .await?
        .into_iter()
        .map(|row| (row.url.clone(), row))
        .collect();
    for feed in feeds {
        if let Some(row) = rows.get(feed.url.as_str())
            && let Some(retry_at) = row.retry_at
            && retry_at > now
        {
            tracing::info!(feed = %feed.name, retry_in_s = (retry_at - now) / 1000, "feed in backoff, skipped");
            continue;
        }
        let (ctx, jobs, cancel) = (ctx.clone(), pipeline.jobs.clone(), cancel.clone());
        polls.spawn(async move {
            tokio::select! {
                () = cancel.cancelled() => {}
                result = pipeline::poll_feed(&ctx, &feed, &jobs) => {
                    if let Err(err) = result {
                        tracing::error!(feed = %feed.name, error = format!("{err:#}"), "poll could not be stored");
                    }
                }
            }
        });
    }
    let ticker = bar.clone().map(|bar| {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            loop {
                update_bar(&bar, &ctx);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    while polls.join_next().await.is_some() {}
    let completed = pipeline.finish(Duration::MAX, &cancel).await;
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    if let Some(bar) = bar {
        update_bar(&bar, &ctx);
        bar.finish();
    }
    let retention = config.retention;
    match ctx
        .db(move |s| s.prune(state::now_millis(), retention))
        .await
    {
        Ok(0) => {}
        Ok(removed) => tracing::info!(items = removed, "pruned old items"),
        Err(err) => tracing::error!(error = format!("{err:#}"), "pruning failed"),
    }
    let summary = Summary {
        polls: ctx.stats.polls.load(Ordering::Relaxed),
        failures: ctx.stats.poll_failures.load(Ordering::Relaxed),
        written: ctx.stats.written.load(Ordering::Relaxed),
        unwritten: ctx.stats.unwritten.load(Ordering::Relaxed),
        degraded: ctx.stats.degraded.load(Ordering::Relaxed),
        batches: ctx.stats.batches.load(Ordering::Relaxed),
    };
    tracing::info!(
        polls = summary.polls,
        failed = summary.failures,
        written = summary.written,
        unwritten = summary.unwritten,
        degraded = summary.degraded,
        batches = summary.batches,
        complete = completed,
        "once finished"
    );
    Ok(summary)
}

/// What `run` is told by the process edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Stop gracefully.
    Stop,
    /// Reload the configuration.
    Reload,
}

/// `gleaner run`: polls every feed on its own schedule until `signals`
/// says stop (or closes). `Reload` re-reads the config file.
pub async fn run(config: Config, mut signals: mpsc::Receiver<Signal>) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let pipeline = start(config.clone(), None)?;
    let ctx = pipeline.ctx.clone();
    pipeline.resume_pending().await?;
    let root = CancellationToken::new();
    let mut tasks: HashMap<String, (FeedConfig, CancellationToken, JoinHandle<()>)> =
        HashMap::new();
    for feed in config.enabled_feeds() {
        let task = spawn_feed(&ctx, &pipeline.jobs, feed.clone(), root.child_token());
        tasks.insert(feed.url.to_string(), (feed.clone(), task.0, task.1));
    }
    notify(&[sd_notify::NotifyState::Ready]);
    tracing::info!(feeds = tasks.len(), state = %config.state_path.display(), "running");
    let watchdog = sd_notify::watchdog_enabled();
    let mut watchdog_tick =
        tokio::time::interval(watchdog.map_or(Duration::from_secs(3600), |w| w / 2));
    let mut prune_tick = tokio::time::interval(PRUNE_EVERY);
    let mut sweep_tick = tokio::time::interval(SWEEP_EVERY);
    sweep_tick.tick().await;
    loop {
        tokio::select! {
            signal = signals.recv() => match signal {
                Some(Signal::Reload) => reload(&ctx, &config.path, &pipeline.jobs, &root, &mut tasks),
                Some(Signal::Stop) | None => break,
            },
            _ = watchdog_tick.tick() => {
                if watchdog.is_some() {
                    notify(&[sd_notify::NotifyState::Watchdog]);
                }
            }
            _ = prune_tick.tick() => {
                let retention = config.retention;
                match ctx.db(move |s| s.prune(state::now_millis(), retention)).await {
                    Ok(0) => {}
                    Ok(removed) => tracing::info!(items = removed, "pruned old items"),
                    Err(err) => tracing::error!(error = format!("{err:#}"), "pruning failed"),
                }
            }
            _ = sweep_tick.tick() => {
                match ctx.db(State::pending).await {
                    Ok(pending) => ctx.enqueue(&pipeline.jobs, pending).await,
                    Err(err) => tracing::error!(error = format!("{err:#}"), "reading pending items failed"),
                }
            }
        }
    }
    tracing::info!(timeout = %humantime::format_duration(config.shutdown_timeout), "stopping");
    notify(&[sd_notify::NotifyState::Stopping]);
    root.cancel();
    let deadline = config.shutdown_timeout;
    let feeds_done = async {
        for (_, (_, _, handle)) in tasks.drain() {
            let _ = handle.await;
        }
    };
    let _ = tokio::time::timeout(deadline, feeds_done).await;
    // Stop taking queued items at once: they are pending in the state.
    let stop = CancellationToken::new();
    stop.cancel();
    let completed = pipeline.finish(deadline, &stop).await;
    if completed {
        tracing::info!(
            written = ctx.stats.written.load(Ordering::Relaxed),
            "stopped"
        );
    } else {
        tracing::warn!(
            "shutdown deadline reached; unfinished items stay pending for the next start"
        );
    }
    Ok(())
}

fn spawn_feed(
    ctx: &Arc<Context>,
    jobs: &mpsc::Sender<pipeline::Job>,
    feed: FeedConfig,
    cancel: CancellationToken,
) -> (CancellationToken, JoinHandle<()>) {
    let (ctx, jobs, token) = (ctx.clone(), jobs.clone(), cancel.clone());
    let handle = tokio::spawn(async move {
        let url = feed.url.to_string();
        // The first poll honours the stored schedule: a restart does not
        // poll everything at once, nor before a backoff deadline.
        let mut due = match ctx.db(move |s| s.feed(&url)).await {
            Ok(Some(row)) => row.next_poll.max(row.retry_at).unwrap_or(0),
            _ => 0,
        };
        loop {
            let wait = Duration::from_millis(u64::try_from(due - state::now_millis()).unwrap_or(0));
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
            let poll = pipeline::poll_feed(&ctx, &feed, &jobs);
            due = tokio::select! {
                () = cancel.cancelled() => return,
                result = poll => match result {
                    Ok(next) => next,
                    Err(err) => {
                        tracing::error!(feed = %feed.name, error = format!("{err:#}"), "poll could not be stored");
                        state::now_millis() + 60_000
                    }
                },
            };
        }
    });
    (token, handle)
}

/// Applies a new config's feeds; a bad config is rejected and the old one
/// kept. Settings outside `[[feeds]]` need a restart.
fn reload(
    ctx: &Arc<Context>,
    path: &Path,
    jobs: &mpsc::Sender<pipeline::Job>,
    root: &CancellationToken,
    tasks: &mut HashMap<String, (FeedConfig, CancellationToken, JoinHandle<()>)>,
) {
    let new = match Config::load(path) {
        Ok(new) => new,
        Err(err) => {
            tracing::error!(error = %err, "reload rejected, the running config is kept");
            return;
        }
    };
    let mut comparable = new.clone();
    comparable.feeds.clone_from(&ctx.config.feeds);
    if comparable != *ctx.config {
        tracing::warn!("settings outside [[feeds]] changed; they take effect after a restart");
    }
    let wanted: HashMap<String, FeedConfig> = new
        .enabled_feeds()
        .map(|f| (f.url.to_string(), f.clone()))
        .collect();
    let (mut added, mut removed, mut changed) = (0, 0, 0);
    tasks.retain(|url, (feed, token, _)| {
        let keep = wanted.get(url) == Some(feed);
        if !keep {
            token.cancel();
            if wanted.contains_key(url) {
                changed += 1;
            } else {
                removed += 1;
            }
        }
        keep
    });
    for (url, feed) in &wanted {
        if !tasks.contains_key(url) {
            if let Err(err) = ctx
                .state
                .ensure_feed(url)
                .and_then(|()| ctx.state.enable_feed(url))
            {
                tracing::error!(feed = %feed.name, error = %err, "could not add feed to the state");
                continue;
            }
            let (token, handle) = spawn_feed(ctx, jobs, feed.clone(), root.child_token());
            tasks.insert(url.clone(), (feed.clone(), token, handle));
            added += 1;
        }
    }
    added -= changed.min(added);
    *ctx.feeds
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = new
        .feeds
        .iter()
        .map(|f| (f.url.to_string(), f.clone()))
        .collect();
    tracing::info!(
        feeds = tasks.len(),
        added,
        removed,
        changed,
        "config reloaded"
    );
}

fn notify(states: &[sd_notify::NotifyState<'_>]) {
    if std::env::var_os("NOTIFY_SOCKET").is_some()
        && let Err(err) = sd_notify::notify(states)
    {
        tracing::warn!(error = %err, "sd_notify failed");
    }
}

fn progress_bar(feeds: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(feeds);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} feeds  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

fn update_bar(bar: &indicatif::ProgressBar, ctx: &Context) {
    let s = &ctx.stats;
    bar.set_position(s.polls.load(Ordering::Relaxed));
    bar.set_message(format!(
        "{} new, {} written, {} from feed, {} feed failures",
        s.new_items.load(Ordering::Relaxed),
        s.written.load(Ordering::Relaxed),
        s.degraded.load(Ordering::Relaxed),
        s.poll_failures.load(Ordering::Relaxed),
    ));
}
