//! The daemon's configuration: the TOML schema and its validation.
//!
//! Two layers, as in ripgrep: `Raw*` structs mirror the file exactly (serde,
//! `deny_unknown_fields`, durations as strings like `"15m"`), and
//! [`Config::parse`] turns them into [`Config`], whose values the rest of the
//! code can trust (parsed URLs, `Duration`s, limits above zero). Every error
//! names the file, the line and the key.
//!
//! This module must not touch the network, create directories, read
//! environment variables or hold global state.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::netguard::{AllowEntry, AllowList};

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it was read from, for messages and reloads.
    pub path: PathBuf,
    /// Where the SQLite state lives.
    pub state_path: PathBuf,
    /// How long items that left their feed are remembered.
    pub retention: Duration,
    /// How long a graceful shutdown may take before in-flight work is abandoned.
    pub shutdown_timeout: Duration,
    /// Whether an item whose content or date changes is emitted again.
    pub reemit: Reemit,
    /// Whether robots.txt is honoured for article pages.
    pub robots_txt: bool,
    /// The sinks, at least one.
    pub outputs: Vec<Output>,
    /// HTTP client settings.
    pub http: HttpConfig,
    /// Concurrency and politeness limits.
    pub concurrency: Concurrency,
    /// Polling schedule bounds.
    pub schedule: Schedule,
    /// Caps on what one feed poll may store.
    pub limits: Limits,
    /// The feeds, in file order, URLs unique.
    pub feeds: Vec<FeedConfig>,
}

/// Whether updated items are emitted again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reemit {
    /// An item is emitted once, whatever happens to it later.
    Off,
    /// A changed item is emitted again with a higher `version`.
    On,
}

/// One sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// JSON lines on standard output.
    Stdout,
    /// JSON-lines files in a folder, one per day, rotated by size.
    Files {
        /// The folder.
        dir: PathBuf,
        /// Size at which a new file is started for the same day.
        max_file_bytes: u64,
    },
}

/// HTTP client settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub timeout: Duration,
    /// Longest wait for any byte: the first one of the answer, and every
    /// later one (a stalled connection).
    pub read_timeout: Duration,
    /// Slowest transfer accepted, in bytes per second, averaged from the
    /// start of the request once `http::RATE_GRACE` (5 s) has passed;
    /// 0 turns the check off.
    pub min_rate: u64,
    /// Addresses opened on top of the public internet (the SSRF guard).
    pub allow: AllowList,
    /// Largest feed body accepted (decompressed).
    pub max_feed_bytes: usize,
    /// Largest article page accepted (decompressed).
    pub max_page_bytes: usize,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// A proxy for every request; `None` means direct connections.
    pub proxy: Option<Url>,
    /// Retries of an article fetch after a transient error.
    pub retries: u32,
    /// First retry delay; doubled on each further retry.
    pub retry_delay: Duration,
}

/// Caps on what one poll of a feed may store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Items taken from one poll of a feed (the first ones, in feed order).
    pub max_items_per_poll: usize,
    /// Longest title, guid, link or author name kept, in bytes.
    pub max_title_bytes: usize,
    /// Longest summary or content kept, in bytes.
    pub max_content_bytes: usize,
}

/// Concurrency and politeness limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concurrency {
    /// Feed polls at once.
    pub feeds: usize,
    /// Article fetches at once, all hosts together.
    pub articles: usize,
    /// Requests at once to one host.
    pub per_host: usize,
    /// Minimum time between the starts of two requests to one host.
    pub min_host_delay: Duration,
    /// Extraction threads (extractions at once).
    pub extract_threads: usize,
}

/// Polling schedule bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// Interval of a feed that sets none.
    pub default_interval: Duration,
    /// No feed is polled more often than this, whatever it asks.
    pub min_interval: Duration,
    /// No healthy feed waits longer than this.
    pub max_interval: Duration,
    /// Cap of the exponential backoff of a failing feed.
    pub max_backoff: Duration,
    /// Random spread added to each interval, as a fraction of it (0 to 0.5).
    pub jitter: f64,
}

/// One feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedConfig {
    /// The feed's address as configured: its identity in the state.
    pub url: Url,
    /// A display name (default: the host).
    pub name: String,
    /// Its own polling interval, if set.
    pub interval: Option<Duration>,
    /// Copied into every record of the feed.
    pub tags: Vec<String>,
    /// Extra request headers for the feed and its pages.
    pub headers: Vec<(String, String)>,
    /// Fetch each item's page, or trust the feed's own content.
    pub content: ContentSource,
    /// Disabled feeds are kept in the file but not polled.
    pub enabled: bool,
}

/// Where a feed's article bodies come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentSource {
    /// Fetch and extract the linked page (fall back to the feed's content).
    Page,
    /// Use the feed's own content; never fetch pages.
    Feed,
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The TOML is malformed or does not fit the schema (unknown key, wrong type).
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// toml's message, which names the line and column.
        message: String,
    },
    /// A value is out of range or malformed.
    #[error("{path}:{line}: `{key}`: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the value.
        line: usize,
        /// The key, dotted (`feeds[2].url`).
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Validates configuration text; `path` is used in messages and to resolve
    /// relative paths (against the file's folder).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|err| ConfigError::Syntax {
            path: path.to_owned(),
            message: err.to_string().trim_end().to_owned(),
        })?;
        Validator { text, path }.validate(raw)
    }

    /// The feeds that are polled.
    pub fn enabled_feeds(&self) -> impl Iterator<Item = &FeedConfig> {
        self.feeds.iter().filter(|f| f.enabled)
    }
}

/// The default user agent: names gleaner and where to read about it.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "gleaner/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/gleaner-rs/gleaner)"
);

// ---- raw layer -------------------------------------------------------------

type SpannedStr = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    daemon: RawDaemon,
    #[serde(default = "default_outputs")]
    output: Vec<RawOutput>,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    concurrency: RawConcurrency,
    #[serde(default)]
    schedule: RawSchedule,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    feeds: Vec<RawFeed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    #[serde(default = "default_max_items")]
    max_items_per_poll: Spanned<usize>,
    #[serde(default = "default_max_title_bytes")]
    max_title_bytes: Spanned<usize>,
    #[serde(default = "default_max_content_bytes")]
    max_content_bytes: Spanned<usize>,
}

impl Default for RawLimits {
    fn default() -> Self {
        RawLimits {
            max_items_per_poll: default_max_items(),
            max_title_bytes: default_max_title_bytes(),
            max_content_bytes: default_max_content_bytes(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDaemon {
    #[serde(default = "default_state_path")]
    state_path: Spanned<PathBuf>,
    #[serde(default = "default_retention")]
    retention: SpannedStr,
    #[serde(default = "default_shutdown_timeout")]
    shutdown_timeout: SpannedStr,
    #[serde(default = "default_reemit")]
    reemit_on_update: Reemit,
    #[serde(default = "default_true")]
    robots_txt: bool,
}

impl Default for RawDaemon {
    fn default() -> Self {
        RawDaemon {
            state_path: default_state_path(),
            retention: default_retention(),
            shutdown_timeout: default_shutdown_timeout(),
            reemit_on_update: default_reemit(),
            robots_txt: true,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    kind: Spanned<OutputKind>,
    #[serde(default)]
    dir: Option<Spanned<PathBuf>>,
    #[serde(default)]
    max_file_bytes: Option<Spanned<u64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OutputKind {
    Stdout,
    Files,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    #[serde(default = "default_user_agent")]
    user_agent: SpannedStr,
    #[serde(default = "default_connect_timeout")]
    connect_timeout: SpannedStr,
    #[serde(default = "default_timeout")]
    timeout: SpannedStr,
    #[serde(default = "default_read_timeout")]
    read_timeout: SpannedStr,
    #[serde(default = "default_min_rate")]
    min_rate: u64,
    #[serde(default)]
    allow: Vec<SpannedStr>,
    #[serde(default = "default_max_bytes")]
    max_feed_bytes: Spanned<u64>,
    #[serde(default = "default_max_bytes")]
    max_page_bytes: Spanned<u64>,
    #[serde(default = "default_max_redirects")]
    max_redirects: usize,
    #[serde(default)]
    proxy: Option<SpannedStr>,
    #[serde(default = "default_retries")]
    retries: u32,
    #[serde(default = "default_retry_delay")]
    retry_delay: SpannedStr,
}

impl Default for RawHttp {
    fn default() -> Self {
        RawHttp {
            user_agent: default_user_agent(),
            connect_timeout: default_connect_timeout(),
            timeout: default_timeout(),
            read_timeout: default_read_timeout(),
            min_rate: default_min_rate(),
            allow: Vec::new(),
            max_feed_bytes: default_max_bytes(),
            max_page_bytes: default_max_bytes(),
            max_redirects: default_max_redirects(),
            proxy: None,
            retries: default_retries(),
            retry_delay: default_retry_delay(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConcurrency {
    #[serde(default = "default_feeds_at_once")]
    feeds: Spanned<usize>,
    #[serde(default = "default_articles_at_once")]
    articles: Spanned<usize>,
    #[serde(default = "default_per_host")]
    per_host: Spanned<usize>,
    #[serde(default = "default_min_host_delay")]
    min_host_delay: SpannedStr,
    #[serde(default)]
    extract_threads: usize,
}

impl Default for RawConcurrency {
    fn default() -> Self {
        RawConcurrency {
            feeds: default_feeds_at_once(),
            articles: default_articles_at_once(),
            per_host: default_per_host(),
            min_host_delay: default_min_host_delay(),
            extract_threads: 0,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    #[serde(default = "default_interval")]
    default_interval: SpannedStr,
    #[serde(default = "default_min_interval")]
    min_interval: SpannedStr,
    #[serde(default = "default_max_interval")]
    max_interval: SpannedStr,
    #[serde(default = "default_max_backoff")]
    max_backoff: SpannedStr,
    #[serde(default = "default_jitter")]
    jitter: Spanned<f64>,
}

impl Default for RawSchedule {
    fn default() -> Self {
        RawSchedule {
            default_interval: default_interval(),
            min_interval: default_min_interval(),
            max_interval: default_max_interval(),
            max_backoff: default_max_backoff(),
            jitter: default_jitter(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    url: SpannedStr,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    interval: Option<SpannedStr>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default = "default_content")]
    content: ContentSource,
    #[serde(default = "default_true")]
    enabled: bool,
}

fn spanned<T>(value: T) -> Spanned<T> {
    Spanned::new(0..0, value)
}
fn s(value: &str) -> SpannedStr {
    spanned(value.to_owned())
}
fn default_outputs() -> Vec<RawOutput> {
    vec![RawOutput {
        kind: spanned(OutputKind::Stdout),
        dir: None,
        max_file_bytes: None,
    }]
}
fn default_state_path() -> Spanned<PathBuf> {
    spanned(PathBuf::from("gleaner-state.db"))
}
fn default_retention() -> SpannedStr {
    s("90d")
}
fn default_shutdown_timeout() -> SpannedStr {
    s("20s")
}
fn default_reemit() -> Reemit {
    Reemit::Off
}
fn default_true() -> bool {
    true
}
const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
fn default_user_agent() -> SpannedStr {
    s(DEFAULT_USER_AGENT)
}
fn default_connect_timeout() -> SpannedStr {
    s("10s")
}
fn default_timeout() -> SpannedStr {
    s("30s")
}
fn default_read_timeout() -> SpannedStr {
    s("10s")
}
fn default_min_rate() -> u64 {
    1024
}
fn default_max_items() -> Spanned<usize> {
    spanned(1000)
}
fn default_max_title_bytes() -> Spanned<usize> {
    spanned(4096)
}
fn default_max_content_bytes() -> Spanned<usize> {
    spanned(1024 * 1024)
}
fn default_max_bytes() -> Spanned<u64> {
    spanned(10 * 1024 * 1024)
}
fn default_max_redirects() -> usize {
    5
}
fn default_retries() -> u32 {
    2
}
fn default_retry_delay() -> SpannedStr {
    s("2s")
}
fn default_feeds_at_once() -> Spanned<usize> {
    spanned(8)
}
fn default_articles_at_once() -> Spanned<usize> {
    spanned(16)
}
fn default_per_host() -> Spanned<usize> {
    spanned(2)
}
fn default_min_host_delay() -> SpannedStr {
    s("1s")
}
fn default_interval() -> SpannedStr {
    s("30m")
}
fn default_min_interval() -> SpannedStr {
    s("5m")
}
fn default_max_interval() -> SpannedStr {
    s("24h")
}
fn default_max_backoff() -> SpannedStr {
    s("24h")
}
fn default_jitter() -> Spanned<f64> {
    spanned(0.1)
}
fn default_content() -> ContentSource {
    ContentSource::Page
}

// ---- validation ------------------------------------------------------------

struct Validator<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Validator<'_> {
    fn validate(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let base = self.path.parent().unwrap_or(Path::new(""));
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_owned()
            } else {
                base.join(p)
            }
        };

        let schedule = Schedule {
            default_interval: self
                .duration("schedule.default_interval", &raw.schedule.default_interval)?,
            min_interval: self.duration("schedule.min_interval", &raw.schedule.min_interval)?,
            max_interval: self.duration("schedule.max_interval", &raw.schedule.max_interval)?,
            max_backoff: self.duration("schedule.max_backoff", &raw.schedule.max_backoff)?,
            jitter: *raw.schedule.jitter.get_ref(),
        };
        if schedule.min_interval > schedule.max_interval {
            return Err(self.invalid(
                raw.schedule.min_interval.span(),
                "schedule.min_interval",
                "is longer than schedule.max_interval",
            ));
        }
        if !(schedule.min_interval..=schedule.max_interval).contains(&schedule.default_interval) {
            return Err(self.invalid(
                raw.schedule.default_interval.span(),
                "schedule.default_interval",
                "is outside [min_interval, max_interval]",
            ));
        }
        if !(0.0..=0.5).contains(&schedule.jitter) {
            return Err(self.invalid(
                raw.schedule.jitter.span(),
                "schedule.jitter",
                "must be between 0 and 0.5",
            ));
        }

        let mut outputs = Vec::new();
        for (index, output) in raw.output.iter().enumerate() {
            let key = |field: &str| format!("output[{index}].{field}");
            outputs.push(match output.kind.get_ref() {
                OutputKind::Stdout => {
                    if let Some(dir) = &output.dir {
                        return Err(self.invalid(
                            dir.span(),
                            &key("dir"),
                            "only a files output has a dir",
                        ));
                    }
                    if let Some(max) = &output.max_file_bytes {
                        return Err(self.invalid(
                            max.span(),
                            &key("max_file_bytes"),
                            "only a files output has a max_file_bytes",
                        ));
                    }
                    Output::Stdout
                }
                OutputKind::Files => {
                    let Some(dir) = &output.dir else {
                        return Err(self.invalid(
                            output.kind.span(),
                            &key("dir"),
                            "a files output needs a dir",
                        ));
                    };
                    let max_file_bytes = output
                        .max_file_bytes
                        .as_ref()
                        .map_or(DEFAULT_MAX_FILE_BYTES, |m| *m.get_ref());
                    if max_file_bytes < 4096 {
                        let span = output.max_file_bytes.as_ref().map_or(0..0, Spanned::span);
                        return Err(self.invalid(
                            span,
                            &key("max_file_bytes"),
                            "must be at least 4096",
                        ));
                    }
                    Output::Files {
                        dir: resolve(dir.get_ref()),
                        max_file_bytes,
                    }
                }
            });
        }
        if outputs.is_empty() {
            return Err(self.invalid(0..0, "output", "at least one output is needed"));
        }
        if outputs.iter().filter(|o| **o == Output::Stdout).count() > 1 {
            return Err(self.invalid(0..0, "output", "stdout is listed twice"));
        }

        let http = &raw.http;
        let proxy = match &http.proxy {
            None => None,
            Some(p) => Some(self.url("http.proxy", p)?),
        };
        if http.user_agent.get_ref().trim().is_empty() {
            return Err(self.invalid(http.user_agent.span(), "http.user_agent", "is empty"));
        }
        let http = HttpConfig {
            user_agent: http.user_agent.get_ref().clone(),
            connect_timeout: self.positive("http.connect_timeout", &http.connect_timeout)?,
            timeout: self.positive("http.timeout", &http.timeout)?,
            read_timeout: self.positive("http.read_timeout", &http.read_timeout)?,
            min_rate: http.min_rate,
            allow: AllowList::new(
                http.allow
                    .iter()
                    .enumerate()
                    .map(|(index, entry)| {
                        entry.get_ref().parse::<AllowEntry>().map_err(|message| {
                            self.invalid(entry.span(), &format!("http.allow[{index}]"), &message)
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            max_feed_bytes: self.bytes("http.max_feed_bytes", &http.max_feed_bytes)?,
            max_page_bytes: self.bytes("http.max_page_bytes", &http.max_page_bytes)?,
            max_redirects: http.max_redirects,
            proxy,
            retries: http.retries,
            retry_delay: self.duration("http.retry_delay", &http.retry_delay)?,
        };

        let c = &raw.concurrency;
        let concurrency = Concurrency {
            feeds: self.nonzero("concurrency.feeds", &c.feeds)?,
            articles: self.nonzero("concurrency.articles", &c.articles)?,
            per_host: self.nonzero("concurrency.per_host", &c.per_host)?,
            min_host_delay: self.duration("concurrency.min_host_delay", &c.min_host_delay)?,
            extract_threads: if c.extract_threads == 0 {
                std::thread::available_parallelism().map_or(2, usize::from)
            } else {
                c.extract_threads
            },
        };

        let mut feeds = Vec::new();
        let mut seen = HashSet::new();
        for (index, feed) in raw.feeds.iter().enumerate() {
            let key = |field: &str| format!("feeds[{index}].{field}");
            let url = self.url(&key("url"), &feed.url)?;
            if !seen.insert(url.clone()) {
                return Err(self.invalid(feed.url.span(), &key("url"), "is listed twice"));
            }
            let interval = match &feed.interval {
                None => None,
                Some(text) => {
                    let interval = self.duration(&key("interval"), text)?;
                    if !(schedule.min_interval..=schedule.max_interval).contains(&interval) {
                        return Err(self.invalid(
                            text.span(),
                            &key("interval"),
                            "is outside [schedule.min_interval, schedule.max_interval]",
                        ));
                    }
                    Some(interval)
                }
            };
            for name in feed.headers.keys() {
                if ::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                    return Err(self.invalid(
                        feed.url.span(),
                        &key("headers"),
                        &format!("`{name}` is not a valid header name"),
                    ));
                }
            }
            feeds.push(FeedConfig {
                name: feed
                    .name
                    .clone()
                    .unwrap_or_else(|| url.host_str().unwrap_or("feed").to_owned()),
                url,
                interval,
                tags: feed.tags.clone(),
                headers: feed
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                content: feed.content,
                enabled: feed.enabled,
            });
        }

        Ok(Config {
            path: self.path.to_owned(),
            state_path: resolve(raw.daemon.state_path.get_ref()),
            retention: self.positive("daemon.retention", &raw.daemon.retention)?,
            shutdown_timeout: self
                .positive("daemon.shutdown_timeout", &raw.daemon.shutdown_timeout)?,
            reemit: raw.daemon.reemit_on_update,
            robots_txt: raw.daemon.robots_txt,
            outputs,
            http,
            concurrency,
            schedule,
            limits: Limits {
                max_items_per_poll: self
                    .nonzero("limits.max_items_per_poll", &raw.limits.max_items_per_poll)?,
                max_title_bytes: self
                    .nonzero("limits.max_title_bytes", &raw.limits.max_title_bytes)?,
                max_content_bytes: self
                    .nonzero("limits.max_content_bytes", &raw.limits.max_content_bytes)?,
            },
            feeds,
        })
    }

    fn line_of(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn invalid(&self, span: Range<usize>, key: &str, message: &str) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_owned(),
            line: self.line_of(span),
            key: key.to_owned(),
            message: message.to_owned(),
        }
    }

    fn duration(&self, key: &str, value: &SpannedStr) -> Result<Duration, ConfigError> {
        humantime::parse_duration(value.get_ref().trim()).map_err(|err| {
            self.invalid(
                value.span(),
                key,
                &format!("{err} (expected a duration such as \"90s\", \"15m\", \"2h\")"),
            )
        })
    }

    fn positive(&self, key: &str, value: &SpannedStr) -> Result<Duration, ConfigError> {
        let duration = self.duration(key, value)?;
        if duration.is_zero() {
            return Err(self.invalid(value.span(), key, "must be longer than zero"));
        }
        Ok(duration)
    }

    fn nonzero(&self, key: &str, value: &Spanned<usize>) -> Result<usize, ConfigError> {
        match *value.get_ref() {
            0 => Err(self.invalid(value.span(), key, "must be at least 1")),
            n => Ok(n),
        }
    }

    fn bytes(&self, key: &str, value: &Spanned<u64>) -> Result<usize, ConfigError> {
        match usize::try_from(*value.get_ref()) {
            Ok(0) | Err(_) => {
                Err(self.invalid(value.span(), key, "must be between 1 and usize::MAX"))
            }
            Ok(n) => Ok(n),
        }
    }

    fn url(&self, key: &str, value: &SpannedStr) -> Result<Url, ConfigError> {
        let url = Url::parse(value.get_ref().trim())
            .map_err(|err| self.invalid(value.span(), key, &format!("not a URL: {err}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(self.invalid(
                value.span(),
                key,
                "must be an http or https URL with a host",
            ));
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/gleaner/gleaner.toml"))
    }

    #[test]
    fn empty_config_has_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.outputs, vec![Output::Stdout]);
        assert_eq!(config.concurrency.per_host, 2);
        assert_eq!(config.schedule.default_interval, Duration::from_secs(1800));
        assert_eq!(
            config.state_path,
            Path::new("/etc/gleaner/gleaner-state.db")
        );
        assert!(config.http.user_agent.contains("gleaner/"));
        assert!(config.http.user_agent.contains("https://"));
    }

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let err = parse("[http]\ntimeout = \"5s\"\nuser_agnet = \"x\"\n").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("line 3"), "{message}");
        assert!(message.contains("user_agnet"), "{message}");
    }

    #[test]
    fn bad_duration_names_line_and_key() {
        let err = parse("\n[[feeds]]\nurl = \"https://a.example/feed\"\ninterval = \"soon\"\n")
            .unwrap_err();
        assert_eq!(
            err.to_string().split(": ").take(2).collect::<Vec<_>>(),
            ["/etc/gleaner/gleaner.toml:4", "`feeds[0].interval`"]
        );
    }

    #[test]
    fn feeds_are_validated() {
        let dup =
            "[[feeds]]\nurl = \"https://a.example/f\"\n[[feeds]]\nurl = \"https://a.example/f\"\n";
        assert!(
            parse(dup)
                .unwrap_err()
                .to_string()
                .contains(":4: `feeds[1].url`: is listed twice")
        );
        let ftp = "[[feeds]]\nurl = \"ftp://a.example/f\"\n";
        assert!(parse(ftp).unwrap_err().to_string().contains(":2:"));
        let fast = "[[feeds]]\nurl = \"https://a.example/f\"\ninterval = \"1s\"\n";
        assert!(parse(fast).unwrap_err().to_string().contains("outside"));
        let ok = "[[feeds]]\nurl = \"https://a.example/f\"\ntags = [\"x\"]\ncontent = \"feed\"\nheaders = { Authorization = \"Bearer t\" }\n";
        let config = parse(ok).unwrap();
        assert_eq!(config.feeds[0].name, "a.example");
        assert_eq!(config.feeds[0].content, ContentSource::Feed);
        assert_eq!(config.feeds[0].headers.len(), 1);
    }

    #[test]
    fn outputs_and_limits() {
        let text = "[[output]]\nkind = \"files\"\ndir = \"out\"\n[[output]]\nkind = \"stdout\"\n[concurrency]\nper_host = 0\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains(":7: `concurrency.per_host`"), "{err}");
        let text = "[[output]]\nkind = \"files\"\ndir = \"out\"\n[[output]]\nkind = \"stdout\"\n";
        let config = parse(text).unwrap();
        assert_eq!(config.outputs.len(), 2);
        assert!(
            matches!(&config.outputs[0], Output::Files { dir, .. } if dir == Path::new("/etc/gleaner/out"))
        );
        let bad_kind = "[[output]]\nkind = \"kafka\"\n";
        assert!(parse(bad_kind).unwrap_err().to_string().contains("line 2"));
        let unknown = "\n[[output]]\nkind = \"files\"\ndir = \"o\"\nmax_size = 5\n";
        assert!(parse(unknown).unwrap_err().to_string().contains("line 5"));
        let no_dir = "[[output]]\nkind = \"files\"\n";
        assert!(
            parse(no_dir)
                .unwrap_err()
                .to_string()
                .contains(":2: `output[0].dir`")
        );
    }

    #[test]
    fn allow_list_entries_are_validated_with_their_line() {
        let config =
            parse("[http]\nallow = [\"127.0.0.1:3000\", \"10.0.0.0/8\", \"[::1]:80\"]\n").unwrap();
        assert!(config.http.allow.permits("127.0.0.1:3000".parse().unwrap()));
        assert!(!config.http.allow.permits("127.0.0.1:3001".parse().unwrap()));
        let err = parse("[http]\n\nallow = [\"localhost:3000\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains(":3: `http.allow[0]`"), "{err}");
        assert!(parse("").unwrap().http.allow == AllowList::default());
    }

    #[test]
    fn min_above_max_is_refused() {
        let text =
            "[schedule]\nmin_interval = \"2h\"\nmax_interval = \"1h\"\ndefault_interval = \"1h\"\n";
        assert!(
            parse(text)
                .unwrap_err()
                .to_string()
                .contains(":2: `schedule.min_interval`")
        );
    }
}
