//! The network edge: the one `reqwest::Client`, conditional GET, redirects,
//! the body size cap, time and rate limits, the SSRF guard, per-host
//! politeness (concurrency and minimum delay) and robots.txt.
//!
//! The SSRF guard ([`crate::netguard`]) is applied three times per hop: to
//! a literal address in the URL before anything is sent, to every DNS
//! answer (a name resolving to 127.0.0.1 never gets a connection), and to
//! the peer address of the connection the answer came over (`address:port`
//! allow-list entries, and anything a resolver let through).
//!
//! Every request gleaner makes goes through [`Http::fetch`], so limits and
//! address checks have one place to live. Redirects are followed here, hop by
//! hop, so each hop passes the same checks and permanent moves (301/308) are
//! reported to the caller. Outcomes are sorted into [`Fetched`] or
//! [`FetchError`] with [`FetchError::is_transient`]; this module does not
//! know about feeds or HTML, does not retry and does not log above debug.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use tokio::sync::{OnceCell, Semaphore};
use tokio::time::Instant;
use url::Url;

use crate::config::HttpConfig;
use crate::netguard::AllowList;
use crate::robots::Robots;

/// The product token matched against robots.txt groups.
pub const ROBOTS_TOKEN: &str = "gleaner";

/// How long a host's robots.txt is trusted before it is fetched again.
const ROBOTS_TTL: Duration = Duration::from_secs(3600);

/// Largest robots.txt read.
const ROBOTS_MAX_BYTES: usize = 512 * 1024;

/// How long a transfer may run before `min_rate` is enforced: enough for
/// TCP slow start and a slow first byte.
pub const RATE_GRACE: Duration = Duration::from_secs(5);

/// Most cached robots.txt files (origins) and per-host limiter slots kept;
/// past it, expired or idle ones are dropped.
const MAX_CACHED_HOSTS: usize = 4096;

/// The HTTP client with its limits.
pub struct Http {
    client: reqwest::Client,
    settings: HttpConfig,
    hosts: HostLimiter,
    robots: Mutex<HashMap<String, RobotsEntry>>,
}

/// A cached robots.txt: when it was first asked for, and the (shared,
/// fetched-once) rules, or why the file could not be read.
type RobotsEntry = (Instant, Arc<OnceCell<Arc<Result<Robots, String>>>>);

/// One request.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// Stored `ETag`, sent as `If-None-Match`.
    pub etag: Option<&'a str>,
    /// Stored `Last-Modified`, sent as `If-Modified-Since`.
    pub last_modified: Option<&'a str>,
    /// Extra headers (from the feed's config).
    pub headers: &'a [(String, String)],
    /// Body size cap, decompressed.
    pub max_bytes: usize,
    /// The `Accept` header.
    pub accept: Option<&'a str>,
}

/// A successful answer.
#[derive(Debug)]
pub enum Fetched {
    /// 2xx with a body.
    Body(Box<Body>),
    /// 304: the stored copy is current.
    NotModified {
        /// `Cache-Control: max-age`.
        max_age: Option<Duration>,
        /// A new `ETag` the server sent with the 304, if any.
        etag: Option<String>,
    },
}

/// A 2xx answer's body and the headers that matter.
#[derive(Debug)]
pub struct Body {
    /// The bytes, decompressed, at most the cap.
    pub bytes: Vec<u8>,
    /// The address after redirects.
    pub final_url: Url,
    /// Set when every redirect hop was permanent (301/308): the new address.
    pub moved_to: Option<Url>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Language`.
    pub content_language: Option<String>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
}

impl Body {
    /// The `charset` parameter of the content type.
    pub fn charset(&self) -> Option<&str> {
        let ct = self.content_type.as_deref()?;
        ct.split(';').skip(1).find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| v.trim().trim_matches('"'))
        })
    }

    /// The media type without parameters, lowercased.
    pub fn media_type(&self) -> Option<String> {
        self.content_type.as_deref().map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
#[error("{kind}")]
pub struct FetchError {
    /// What went wrong.
    pub kind: FetchErrorKind,
    /// The server's `Retry-After`, if it sent one.
    pub retry_after: Option<Duration>,
}

/// The closed set of fetch failures.
#[derive(Debug, thiserror::Error)]
pub enum FetchErrorKind {
    /// The server answered with an error status.
    #[error("http status {0}")]
    Status(u16),
    /// Connect, first byte or total time ran out.
    #[error("timed out")]
    Timeout,
    /// No connection could be made (DNS, refused, TLS).
    #[error("connection failed: {0}")]
    Connect(String),
    /// The body is over the cap.
    #[error("body is larger than the limit of {0} bytes")]
    TooLarge(usize),
    /// Too many redirects, or a redirect without a usable `Location`.
    #[error("redirect: {0}")]
    Redirect(String),
    /// The connection broke while reading.
    #[error("reading the body: {0}")]
    Body(String),
    /// The request could not be built (bad header, bad URL).
    #[error("bad request: {0}")]
    Request(String),
    /// The SSRF guard refused the address or scheme.
    #[error("refused: {0}")]
    Refused(String),
    /// The body arrived slower than `http.min_rate`.
    #[error("transfer slower than {0} bytes/s")]
    TooSlow(u64),
    /// Not requested: the host has not been answering
    /// ([`crate::hostqueue::HostHealth`]).
    #[error("not requested, the host is not answering ({0})")]
    HostResting(String),
}

impl FetchError {
    fn new(kind: FetchErrorKind) -> FetchError {
        FetchError {
            kind,
            retry_after: None,
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self.kind {
            FetchErrorKind::Status(code) => code == 408 || code == 429 || code >= 500,
            FetchErrorKind::Timeout
            | FetchErrorKind::Connect(_)
            | FetchErrorKind::Body(_)
            | FetchErrorKind::TooSlow(_) => true,
            FetchErrorKind::TooLarge(_)
            | FetchErrorKind::Redirect(_)
            | FetchErrorKind::Request(_)
            | FetchErrorKind::Refused(_)
            | FetchErrorKind::HostResting(_) => false,
        }
    }

    /// Whether the request got no HTTP answer at all: no connection, no
    /// first byte in time, a connection broken or starved mid-body.
    pub fn is_unanswered(&self) -> bool {
        matches!(
            self.kind,
            FetchErrorKind::Timeout
                | FetchErrorKind::Connect(_)
                | FetchErrorKind::Body(_)
                | FetchErrorKind::TooSlow(_)
        )
    }

    /// The HTTP status, when the server answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self.kind {
            FetchErrorKind::Status(code) => Some(code),
            _ => None,
        }
    }

    fn from_reqwest(err: &reqwest::Error) -> FetchError {
        let mut source: Option<&dyn std::error::Error> = Some(err);
        while let Some(cause) = source {
            if let Some(refused) = cause.downcast_ref::<Refused>() {
                return FetchError::new(FetchErrorKind::Refused(refused.0.clone()));
            }
            source = cause.source();
        }
        let kind = if err.is_timeout() {
            FetchErrorKind::Timeout
        } else if err.is_connect() {
            FetchErrorKind::Connect(error_chain(err))
        } else if err.is_body() || err.is_decode() {
            FetchErrorKind::Body(error_chain(err))
        } else {
            FetchErrorKind::Request(error_chain(err))
        };
        FetchError::new(kind)
    }
}

impl Http {
    /// Builds the client. `per_host` and `min_host_delay` apply to every
    /// request, feeds, pages and robots.txt alike.
    pub fn new(
        settings: &HttpConfig,
        per_host: usize,
        min_host_delay: Duration,
    ) -> anyhow::Result<Http> {
        let mut builder = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .timeout(settings.timeout)
            .dns_resolver(Arc::new(GuardedResolver {
                allow: Arc::new(settings.allow.clone()),
            }))
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(per_host);
        builder = match &settings.proxy {
            Some(proxy) => builder.proxy(reqwest::Proxy::all(proxy.as_str())?),
            None => builder.no_proxy(),
        };
        Ok(Http {
            client: builder.build()?,
            settings: settings.clone(),
            hosts: HostLimiter::new(per_host, min_host_delay),
            robots: Mutex::new(HashMap::new()),
        })
    }

    /// GETs `url`, following redirects up to the configured limit.
    pub async fn fetch(&self, url: &Url, request: &Request<'_>) -> Result<Fetched, FetchError> {
        let mut current = url.clone();
        let mut all_permanent = true;
        let mut redirected = false;
        let mut visited = HashSet::new();
        for _hop in 0..=self.settings.max_redirects {
            self.check_url(&current)?;
            if !visited.insert(current.clone()) {
                return Err(FetchError::new(FetchErrorKind::Redirect(format!(
                    "loop: {current} was already visited"
                ))));
            }
            let _permit = self.hosts.acquire(&current).await;
            let started = Instant::now();
            let response = self
                .client
                .get(current.clone())
                .headers(build_headers(request)?)
                .send()
                .await
                .map_err(|e| FetchError::from_reqwest(&e))?;
            self.check_peer(response.remote_addr())?;
            let status = response.status();
            let headers = response.headers().clone();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = headers
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        FetchError::new(FetchErrorKind::Redirect(format!(
                            "{status} without Location"
                        )))
                    })?;
                let next = current.join(location).map_err(|e| {
                    FetchError::new(FetchErrorKind::Redirect(format!(
                        "bad Location {location:?}: {e}"
                    )))
                })?;
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(FetchError::new(FetchErrorKind::Redirect(format!(
                        "refusing to follow to {}",
                        next.scheme()
                    ))));
                }
                all_permanent &= matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                redirected = true;
                tracing::debug!(from = %current, to = %next, status = status.as_u16(), "redirect");
                current = next;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified {
                    max_age: max_age(&headers),
                    etag: header_string(&headers, header::ETAG),
                });
            }
            if !status.is_success() {
                return Err(FetchError {
                    kind: FetchErrorKind::Status(status.as_u16()),
                    retry_after: retry_after(&headers),
                });
            }
            let bytes =
                read_capped(response, request.max_bytes, self.settings.min_rate, started).await?;
            return Ok(Fetched::Body(Box::new(Body {
                bytes,
                moved_to: (redirected && all_permanent).then(|| current.clone()),
                final_url: current,
                content_type: header_string(&headers, header::CONTENT_TYPE),
                content_language: header_string(&headers, header::CONTENT_LANGUAGE),
                etag: header_string(&headers, header::ETAG),
                last_modified: header_string(&headers, header::LAST_MODIFIED),
                max_age: max_age(&headers),
            })));
        }
        Err(FetchError::new(FetchErrorKind::Redirect(format!(
            "more than {} redirects",
            self.settings.max_redirects
        ))))
    }

    /// Refuses a URL whose scheme is not http(s) or whose host is a literal
    /// address outside the allow-list, before anything is sent.
    fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::new(FetchErrorKind::Refused(format!(
                "scheme {}: only http and https are fetched",
                url.scheme()
            ))));
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Domain(_)) => return Ok(()),
            None => {
                return Err(FetchError::new(FetchErrorKind::Refused(
                    "the URL has no host".to_owned(),
                )));
            }
        };
        let addr = SocketAddr::new(ip, url.port_or_known_default().unwrap_or(0));
        if self.settings.allow.permits(addr) {
            Ok(())
        } else {
            Err(FetchError::new(FetchErrorKind::Refused(format!(
                "{addr} is not a public address and not in http.allow"
            ))))
        }
    }

    /// Refuses an answer that came over a connection to an address outside
    /// the allow-list. Behind a proxy the peer is the proxy, which the user
    /// chose: only literal addresses and DNS answers are checked then.
    fn check_peer(&self, peer: Option<SocketAddr>) -> Result<(), FetchError> {
        if self.settings.proxy.is_some() {
            return Ok(());
        }
        match peer {
            Some(addr) if self.settings.allow.permits(addr) => Ok(()),
            Some(addr) => Err(FetchError::new(FetchErrorKind::Refused(format!(
                "connected to {addr}, which is not a public address and not in http.allow"
            )))),
            None => Err(FetchError::new(FetchErrorKind::Refused(
                "the peer address of the connection is unknown".to_owned(),
            ))),
        }
    }

    /// What robots.txt of `url`'s origin says about fetching it. The file
    /// is fetched once per origin and hour; a missing file (4xx) allows
    /// everything, an unreachable one (5xx, network) forbids everything for
    /// now, as RFC 9309 asks, and says why. An origin the address policy
    /// refuses is not judged here: the page fetch reports the refusal.
    pub async fn robots(&self, url: &Url) -> RobotsAnswer {
        let origin = url.origin().ascii_serialization();
        let cell = {
            let mut cache = self
                .robots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let fresh = cache
                .get(&origin)
                .filter(|(at, _)| at.elapsed() < ROBOTS_TTL)
                .map(|(_, c)| c.clone());
            fresh.unwrap_or_else(|| {
                if cache.len() >= MAX_CACHED_HOSTS {
                    cache.retain(|_, (at, _)| at.elapsed() < ROBOTS_TTL);
                    if cache.len() >= MAX_CACHED_HOSTS {
                        cache.clear();
                    }
                }
                let cell = Arc::new(OnceCell::new());
                cache.insert(origin.clone(), (Instant::now(), cell.clone()));
                cell
            })
        };
        let robots = cell
            .get_or_init(|| async {
                let Ok(robots_url) = url.join("/robots.txt") else {
                    return Arc::new(Ok(Robots::allow_all()));
                };
                let request = Request {
                    max_bytes: ROBOTS_MAX_BYTES,
                    accept: Some("text/plain"),
                    ..Request::default()
                };
                Arc::new(match self.fetch(&robots_url, &request).await {
                    Ok(Fetched::Body(body)) => Ok(Robots::parse(
                        &String::from_utf8_lossy(&body.bytes),
                        ROBOTS_TOKEN,
                    )),
                    Ok(Fetched::NotModified { .. }) => Ok(Robots::allow_all()),
                    Err(err) if err.status().is_some_and(|s| (400..500).contains(&s)) => {
                        Ok(Robots::allow_all())
                    }
                    Err(FetchError {
                        kind: FetchErrorKind::TooLarge(_) | FetchErrorKind::Refused(_),
                        ..
                    }) => Ok(Robots::allow_all()),
                    Err(err) => {
                        tracing::debug!(origin = %origin, error = %err, "robots.txt unreachable");
                        Err(err.to_string())
                    }
                })
            })
            .await;
        let mut path = url.path().to_owned();
        if let Some(query) = url.query() {
            path.push('?');
            path.push_str(query);
        }
        match robots.as_ref() {
            Ok(robots) if robots.allowed(&path) => RobotsAnswer::Allowed,
            Ok(_) => RobotsAnswer::Disallowed,
            Err(reason) => RobotsAnswer::Unavailable(reason.clone()),
        }
    }
}

/// What robots.txt says about one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RobotsAnswer {
    /// The page may be fetched.
    Allowed,
    /// The file forbids the page.
    Disallowed,
    /// The file could not be read (server error, network): nothing may be
    /// fetched from the origin for now. Holds the reason.
    Unavailable(String),
}

/// Per-host politeness: at most `per_host` requests at once to a host, and
/// request starts at least `min_delay` apart.
struct HostLimiter {
    per_host: usize,
    min_delay: Duration,
    hosts: Mutex<HashMap<String, Arc<HostSlot>>>,
}

struct HostSlot {
    permits: Arc<Semaphore>,
    next_start: Mutex<Instant>,
}

impl HostLimiter {
    fn new(per_host: usize, min_delay: Duration) -> HostLimiter {
        HostLimiter {
            per_host,
            min_delay,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    async fn acquire(&self, url: &Url) -> tokio::sync::OwnedSemaphorePermit {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let slot = {
            let mut hosts = self
                .hosts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if hosts.len() >= MAX_CACHED_HOSTS && !hosts.contains_key(&key) {
                // Idle slots: nobody holds a permit and the delay has passed.
                let now = Instant::now();
                hosts.retain(|_, slot| {
                    Arc::strong_count(slot) > 1
                        || Arc::strong_count(&slot.permits) > 1
                        || slot.permits.available_permits() < self.per_host
                        || *slot
                            .next_start
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            > now
                });
            }
            hosts
                .entry(key)
                .or_insert_with(|| {
                    Arc::new(HostSlot {
                        permits: Arc::new(Semaphore::new(self.per_host)),
                        next_start: Mutex::new(Instant::now()),
                    })
                })
                .clone()
        };
        let permit = slot
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        if !self.min_delay.is_zero() {
            let start = {
                let mut next = slot
                    .next_start
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let start = (*next).max(Instant::now());
                *next = start + self.min_delay;
                start
            };
            tokio::time::sleep_until(start).await;
        }
        permit
    }
}

fn build_headers(request: &Request<'_>) -> Result<HeaderMap, FetchError> {
    let mut headers = HeaderMap::new();
    let bad = |e: &dyn std::fmt::Display| FetchError::new(FetchErrorKind::Request(e.to_string()));
    if let Some(accept) = request.accept {
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(accept).map_err(|e| bad(&e))?,
        );
    }
    if let Some(etag) = request.etag
        && let Ok(value) = HeaderValue::from_str(etag)
    {
        headers.insert(header::IF_NONE_MATCH, value);
    }
    if let Some(modified) = request.last_modified
        && let Ok(value) = HeaderValue::from_str(modified)
    {
        headers.insert(header::IF_MODIFIED_SINCE, value);
    }
    for (name, value) in request.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(&e))?;
        headers.insert(name, HeaderValue::from_str(value).map_err(|e| bad(&e))?);
    }
    Ok(headers)
}

/// A DNS resolver that drops every answer the allow-list does not permit,
/// so a public-looking name that resolves to 127.0.0.1 or 169.254.169.254
/// never gets a connection.
struct GuardedResolver {
    allow: Arc<AllowList>,
}

/// The resolver's refusal, found again in the error chain by
/// [`FetchError::from_reqwest`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|addr| allow.permits_ip(addr.ip()))
                .collect();
            if permitted.is_empty() && !found.is_empty() {
                let addrs: Vec<String> = found.iter().map(|a| a.ip().to_string()).collect();
                return Err(Box::new(Refused(format!(
                    "{host} resolves to {}, not a public address and not in http.allow",
                    addrs.join(", ")
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Reads the body chunk by chunk, stopping as soon as it passes `max`
/// (decompressed bytes: reqwest inflates before handing chunks out), or as
/// soon as it averages less than `min_rate` bytes per second after
/// [`RATE_GRACE`] (a trickling or never-ending body).
async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
    min_rate: u64,
    started: Instant,
) -> Result<Vec<u8>, FetchError> {
    if let Some(length) = response.content_length()
        && usize::try_from(length).is_ok_and(|l| l > max)
        && response.headers().get(header::CONTENT_ENCODING).is_none()
    {
        return Err(FetchError::new(FetchErrorKind::TooLarge(max)));
    }
    // Sized once from Content-Length when it is known and plain (a body
    // grown by doubling costs reallocations and copies of most of it).
    let declared = response
        .content_length()
        .filter(|_| response.headers().get(header::CONTENT_ENCODING).is_none())
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(0);
    let mut bytes = Vec::with_capacity(declared.min(max));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::from_reqwest(&e))?
    {
        if bytes.len() + chunk.len() > max {
            return Err(FetchError::new(FetchErrorKind::TooLarge(max)));
        }
        bytes.extend_from_slice(&chunk);
        too_slow(bytes.len(), min_rate, started.elapsed())?;
    }
    Ok(bytes)
}

fn too_slow(received: usize, min_rate: u64, elapsed: Duration) -> Result<(), FetchError> {
    if min_rate > 0
        && elapsed > RATE_GRACE
        && (received as f64) < min_rate as f64 * elapsed.as_secs_f64()
    {
        return Err(FetchError::new(FetchErrorKind::TooSlow(min_rate)));
    }
    Ok(())
}

fn header_string(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `Cache-Control: max-age=N`, unless `no-store` or `no-cache`.
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(header::CACHE_CONTROL)?
        .to_str()
        .ok()?
        .to_ascii_lowercase();
    let mut max_age = None;
    for directive in value.split(',').map(str::trim) {
        if directive == "no-store" || directive == "no-cache" {
            return None;
        }
        if let Some(n) = directive.strip_prefix("max-age=") {
            max_age = n
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    max_age
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, chrono::Utc::now())
}

fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (date.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn cache_control() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=600"),
        );
        assert_eq!(max_age(&h), Some(Duration::from_secs(600)));
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache, max-age=600"),
        );
        assert_eq!(max_age(&h), None);
    }

    #[tokio::test]
    async fn the_host_limiter_forgets_idle_hosts() {
        let limiter = HostLimiter::new(2, Duration::ZERO);
        let held = limiter
            .acquire(&Url::parse("https://busy.example/").unwrap())
            .await;
        for n in 0..MAX_CACHED_HOSTS + 100 {
            let url = Url::parse(&format!("https://h{n}.example/")).unwrap();
            drop(limiter.acquire(&url).await);
        }
        let hosts = limiter.hosts.lock().unwrap();
        assert!(hosts.len() <= MAX_CACHED_HOSTS, "{} hosts", hosts.len());
        assert!(
            hosts.contains_key("busy.example:443"),
            "a busy host is kept"
        );
        drop(held);
    }

    #[test]
    fn transient_errors() {
        assert!(FetchError::new(FetchErrorKind::Status(503)).is_transient());
        assert!(FetchError::new(FetchErrorKind::Status(429)).is_transient());
        assert!(!FetchError::new(FetchErrorKind::Status(404)).is_transient());
        assert!(!FetchError::new(FetchErrorKind::TooLarge(1)).is_transient());
        assert!(FetchError::new(FetchErrorKind::Timeout).is_transient());
    }
}
