//! Items waiting for the article stage, grouped by the host of their link
//! and handed out fairly.
//!
//! One slow or hostile host must not hold the whole stage: if items took
//! the global article slots in arrival order, a feed of a thousand links to
//! a tarpit would fill every slot with requests waiting on that host's
//! politeness limit, and every other feed would wait behind it.
//! [`HostQueues`] lets at most `per_host` items of one host be started at a
//! time (a started item counts until its page is fetched) and serves the
//! hosts with waiting items in turn.
//!
//! Pure bookkeeping, no I/O: the article stage (`pipeline::article_stage`)
//! owns one and tells it when a host's fetch is over.
//!
//! [`HostHealth`] remembers hosts whose pages stopped answering (timeouts,
//! refused or broken connections), so that a tarpit costs its timeouts
//! once, not once per item that links to it.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use url::Url;

/// The queue key of a link: its host and port as the HTTP client's
/// per-host limit counts them (`"example.com:443"`); empty for an item
/// without a usable link, which is never held back.
pub fn host_key(link: Option<&str>) -> Arc<str> {
    let Some(url) = link.and_then(|l| Url::parse(l).ok()) else {
        return Arc::from("");
    };
    match url.host_str() {
        Some(host) => Arc::from(format!(
            "{}:{}",
            host,
            url.port_or_known_default().unwrap_or(0)
        )),
        None => Arc::from(""),
    }
}

#[derive(Debug, Default)]
struct Host {
    waiting: VecDeque<i64>,
    started: usize,
    in_turn: bool,
}

/// Waiting item ids by host, served round-robin with at most `per_host`
/// started at a time per host.
#[derive(Debug)]
pub struct HostQueues {
    per_host: usize,
    hosts: HashMap<Arc<str>, Host>,
    /// Hosts that have waiting items and room to start one, each once.
    turn: VecDeque<Arc<str>>,
    waiting: usize,
}

impl HostQueues {
    /// Empty queues allowing `per_host` started items per host (at least 1).
    pub fn new(per_host: usize) -> HostQueues {
        HostQueues {
            per_host: per_host.max(1),
            hosts: HashMap::new(),
            turn: VecDeque::new(),
            waiting: 0,
        }
    }

    /// Adds an item behind the others of its host.
    pub fn push(&mut self, host: Arc<str>, id: i64) {
        let limit = self.limit(&host);
        let entry = self.hosts.entry(host.clone()).or_default();
        entry.waiting.push_back(id);
        self.waiting += 1;
        if !entry.in_turn && entry.started < limit {
            entry.in_turn = true;
            self.turn.push_back(host);
        }
    }

    /// Whether [`start`](HostQueues::start) has an item to give.
    pub fn can_start(&self) -> bool {
        !self.turn.is_empty()
    }

    /// Whether no item is waiting.
    pub fn is_empty(&self) -> bool {
        self.waiting == 0
    }

    /// Items waiting, all hosts together.
    pub fn len(&self) -> usize {
        self.waiting
    }

    /// Starts the next item: the oldest of the host whose turn it is. The
    /// host counts it as started until [`done`](HostQueues::done).
    pub fn start(&mut self) -> Option<(Arc<str>, i64)> {
        let host = self.turn.pop_front()?;
        let limit = self.limit(&host);
        let entry = self.hosts.get_mut(&host)?;
        let id = entry.waiting.pop_front()?;
        self.waiting -= 1;
        entry.started += 1;
        if !entry.waiting.is_empty() && entry.started < limit {
            // Back of the line: the other hosts go first.
            self.turn.push_back(host.clone());
        } else {
            entry.in_turn = false;
        }
        Some((host, id))
    }

    /// A started item of `host` no longer needs the host (its page was
    /// fetched, or it ended early).
    pub fn done(&mut self, host: &Arc<str>) {
        let limit = self.limit(host);
        let Some(entry) = self.hosts.get_mut(host) else {
            return;
        };
        entry.started = entry.started.saturating_sub(1);
        if entry.waiting.is_empty() {
            if entry.started == 0 {
                self.hosts.remove(host);
            }
        } else if !entry.in_turn && entry.started < limit {
            entry.in_turn = true;
            self.turn.push_back(host.clone());
        }
    }

    fn limit(&self, host: &str) -> usize {
        if host.is_empty() {
            usize::MAX
        } else {
            self.per_host
        }
    }
}

/// Network failures in a row (no answer at all, across items) after which a
/// host counts as not answering.
pub const FAILURES_TO_REST: u32 = 2;
/// How long pages of a host that does not answer are not requested.
pub const REST: Duration = Duration::from_secs(600);
/// Hosts remembered at most; past it, the ones answering or rested are
/// forgotten first.
const MAX_HOSTS: usize = 4096;

#[derive(Debug)]
struct Health {
    failures: u32,
    resting_until: Option<Instant>,
    reason: String,
}

/// Hosts whose recent page requests got no answer. Any HTTP answer, error
/// statuses included, clears a host; [`FAILURES_TO_REST`] network failures
/// in a row make it rest for [`REST`], during which its pages are not
/// requested (the items fall back to their feed's content).
#[derive(Debug, Default)]
pub struct HostHealth {
    hosts: HashMap<Arc<str>, Health>,
}

impl HostHealth {
    /// Why `host` is resting at `now`, if it is.
    pub fn resting(&self, host: &str, now: Instant) -> Option<&str> {
        let health = self.hosts.get(host)?;
        (health.resting_until? > now).then_some(health.reason.as_str())
    }

    /// Records a request to `host` that got no answer; returns true when
    /// this failure starts a rest.
    pub fn failed(&mut self, host: &Arc<str>, reason: &str, now: Instant) -> bool {
        if host.is_empty() {
            return false;
        }
        if self.hosts.len() >= MAX_HOSTS && !self.hosts.contains_key(host) {
            self.hosts
                .retain(|_, h| h.resting_until.is_some_and(|until| until > now));
            if self.hosts.len() >= MAX_HOSTS {
                return false;
            }
        }
        let health = self.hosts.entry(host.clone()).or_insert(Health {
            failures: 0,
            resting_until: None,
            reason: String::new(),
        });
        if health.resting_until.is_some_and(|until| until > now) {
            return false;
        }
        health.failures += 1;
        if health.failures < FAILURES_TO_REST {
            return false;
        }
        health.resting_until = Some(now + REST);
        health.reason = format!(
            "{} requests in a row got no answer, the last: {reason}",
            health.failures
        );
        health.failures = 0;
        true
    }

    /// Records an answer from `host`.
    pub fn answered(&mut self, host: &str) {
        self.hosts.remove(host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_rests_after_failures_in_a_row_and_an_answer_clears_it() {
        let mut health = HostHealth::default();
        let host = key("tarpit:80");
        let now = Instant::now();
        assert!(!health.failed(&host, "timed out", now));
        assert!(health.resting(&host, now).is_none());
        // An answer in between starts the count again.
        health.answered(&host);
        assert!(!health.failed(&host, "timed out", now));
        assert!(health.failed(&host, "timed out", now));
        let reason = health.resting(&host, now).unwrap();
        assert!(reason.contains("2 requests in a row") && reason.contains("timed out"));
        assert!(health.resting("other:80", now).is_none());
        // The rest ends.
        assert!(
            health
                .resting(&host, now + REST + Duration::from_secs(1))
                .is_none()
        );
        health.answered(&host);
        assert!(health.hosts.is_empty());
    }

    fn key(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn a_crowded_host_gets_its_share_and_others_their_turn() {
        let mut queues = HostQueues::new(1);
        for id in 0..100 {
            queues.push(key("slow:80"), id);
        }
        queues.push(key("fast:80"), 1000);
        queues.push(key("fast:80"), 1001);
        // One of the slow host, then the fast host; the slow host waits
        // until its started item is done.
        assert_eq!(queues.start(), Some((key("slow:80"), 0)));
        assert_eq!(queues.start(), Some((key("fast:80"), 1000)));
        assert_eq!(queues.start(), None);
        queues.done(&key("fast:80"));
        assert_eq!(queues.start(), Some((key("fast:80"), 1001)));
        queues.done(&key("fast:80"));
        assert!(!queues.can_start());
        queues.done(&key("slow:80"));
        assert_eq!(queues.start(), Some((key("slow:80"), 1)));
        assert_eq!(queues.len(), 98);
    }

    #[test]
    fn hosts_alternate_and_items_without_a_host_are_never_held() {
        let mut queues = HostQueues::new(2);
        for id in 0..3 {
            queues.push(key("a:443"), id);
            queues.push(key("b:443"), 10 + id);
        }
        let order: Vec<i64> = std::iter::from_fn(|| queues.start().map(|(_, id)| id)).collect();
        assert_eq!(order, vec![0, 10, 1, 11]);
        for id in 0..5 {
            queues.push(key(""), 100 + id);
        }
        let free: Vec<i64> = std::iter::from_fn(|| queues.start().map(|(_, id)| id)).collect();
        assert_eq!(free, vec![100, 101, 102, 103, 104]);
        assert_eq!(queues.len(), 2);
        queues.done(&key("a:443"));
        queues.done(&key("b:443"));
        let rest: Vec<i64> = std::iter::from_fn(|| queues.start().map(|(_, id)| id)).collect();
        assert_eq!(rest, vec![2, 12]);
        assert!(queues.is_empty());
    }

    #[test]
    fn idle_hosts_are_forgotten() {
        let mut queues = HostQueues::new(1);
        queues.push(key("a:80"), 1);
        let (host, _) = queues.start().unwrap();
        queues.done(&host);
        assert!(queues.hosts.is_empty());
        // A stray `done` changes nothing.
        queues.done(&host);
        assert!(queues.hosts.is_empty() && !queues.can_start());
    }

    #[test]
    fn host_keys_follow_the_per_host_limit() {
        assert_eq!(&*host_key(Some("https://Example.com/a")), "example.com:443");
        assert_eq!(
            &*host_key(Some("http://127.0.0.1:8080/a")),
            "127.0.0.1:8080"
        );
        assert_eq!(&*host_key(Some("not a url")), "");
        assert_eq!(&*host_key(None), "");
    }
}
