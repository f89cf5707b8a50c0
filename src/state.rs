//! The state database (SQLite through rusqlite, WAL): feeds with their
//! validators and schedule, items with their status, schema migrations by
//! `user_version`, pruning, and the lock that makes one process own a state
//! file.
//!
//! Every call is short and synchronous; async code calls it from
//! `spawn_blocking` or the sink thread. Each poll's outcome is one
//! transaction: new items become `pending` in the same transaction that
//! stores the feed's new validators, so a crash can never store the
//! validators without the items. This is the only module that touches the
//! database; it does no network I/O.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use crate::feed::Item;

/// Milliseconds since the Unix epoch, the unit of every time column.
pub type Millis = i64;

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Another process owns this state file.
    #[error(
        "state {path} is in use by another gleaner process (lock file {lock} is held); \
         stop it or point this one at another daemon.state_path"
    )]
    Locked {
        /// The database.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// Opening the lock file or the folder failed.
    #[error("opening {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("state database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored item could not be decoded.
    #[error("state database: stored item {id} is unreadable: {source}")]
    Corrupt {
        /// The item row.
        id: i64,
        /// The cause.
        source: serde_json::Error,
    },
}

/// The state database, owned by this process.
pub struct State {
    conn: Mutex<Connection>,
    /// A second connection for the per-item reads (`start_item`,
    /// `also_in`): under WAL they see the last commit without waiting for
    /// a write in progress on `conn`, so an extraction thread reading
    /// `also_in` never waits behind a poll's transaction or a checkpoint.
    reader: Option<Mutex<Connection>>,
    // Held for the life of the process: the advisory lock is released when
    // the file is closed.
    _lock: File,
}

/// One feed's row.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRow {
    /// The configured URL (identity).
    pub url: String,
    /// Where it is fetched from now (differs after a 301/308).
    pub fetch_url: String,
    /// The feed's title from its last parse.
    pub title: Option<String>,
    /// Stored `ETag`.
    pub etag: Option<String>,
    /// Stored `Last-Modified`.
    pub last_modified: Option<String>,
    /// When the next poll is due.
    pub next_poll: Option<Millis>,
    /// Backoff or Retry-After deadline: no poll before it, even with `once`.
    pub retry_at: Option<Millis>,
    /// Failures in a row.
    pub error_count: u32,
    /// The last failure's reason.
    pub last_error: Option<String>,
    /// When the last failure happened.
    pub last_error_at: Option<Millis>,
    /// The last successful poll (200 or 304).
    pub last_success: Option<Millis>,
    /// Set when the server answered 410 Gone.
    pub disabled: Option<String>,
    /// Items first seen in this feed.
    pub items_seen: i64,
}

/// What a successful poll stores, in one transaction.
#[derive(Debug, Clone)]
pub struct PollRecord<'a> {
    /// The configured URL.
    pub feed_url: &'a str,
    /// The URL to fetch next time (a permanent redirect's target).
    pub fetch_url: &'a str,
    /// The feed's title, when parsed.
    pub title: Option<&'a str>,
    /// New validators.
    pub etag: Option<&'a str>,
    /// New validators.
    pub last_modified: Option<&'a str>,
    /// Next poll deadline.
    pub next_poll: Millis,
    /// The items of a 200 answer; `None` for a 304.
    pub items: Option<&'a [Item]>,
    /// Emit changed items again.
    pub reemit: bool,
    /// Now.
    pub now: Millis,
}

/// A pending item with everything needed to build its record.
/// An item handed to the article stage: its id, and its link, whose host
/// the stage shares out fairly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedItem {
    /// The item's row id.
    pub id: i64,
    /// The item's link, if it has one.
    pub link: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PendingItem {
    /// Row id.
    pub id: i64,
    /// Record version (1, then +1 per re-emission).
    pub version: u32,
    /// The feed that saw it first (configured URL).
    pub feed_url: String,
    /// That feed's title.
    pub feed_title: Option<String>,
    /// The entry.
    pub item: Item,
    /// The same article seen in other feeds: (feed URL, feed title, entry).
    pub also_in: Vec<(String, Option<String>, Item)>,
}

/// Schema migrations, applied in order; `user_version` counts those done.
const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    "CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        fetch_url TEXT NOT NULL,
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        next_poll INTEGER,
        retry_at INTEGER,
        error_count INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        last_error_at INTEGER,
        last_success INTEGER,
        last_changed INTEGER,
        disabled TEXT,
        items_seen INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        feed_url TEXT NOT NULL,
        canonical_url TEXT,
        content_hash TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'merged')),
        attempts INTEGER NOT NULL DEFAULT 0,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        primary_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
        entry TEXT NOT NULL
    );
    CREATE INDEX items_status ON items(status);
    CREATE INDEX items_canonical ON items(canonical_url);
    CREATE INDEX items_primary ON items(primary_id);
    CREATE INDEX items_feed ON items(feed_url, last_seen);",
];

impl State {
    /// Opens (creating if needed) the database and takes the process lock.
    pub fn open(path: &Path) -> Result<State, StateError> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|source| StateError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let lock_path = lock_path(path);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| StateError::Io {
                path: lock_path.clone(),
                source,
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StateError::Locked {
                    path: path.to_owned(),
                    lock: lock_path,
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StateError::Io {
                    path: lock_path,
                    source,
                });
            }
        }
        let mut conn = open_tuned(path, 64)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        // Opened like the main connection; only ever used for reads.
        let reader = open_tuned(path, 16)?;
        Ok(State {
            conn: Mutex::new(conn),
            reader: Some(Mutex::new(reader)),
            _lock: lock,
        })
    }

    /// Opens an existing database read-only, without the process lock: for
    /// `feeds status` while the daemon runs (WAL lets readers in).
    pub fn read_only(path: &Path) -> Result<State, StateError> {
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let lock = File::open(path).map_err(|source| StateError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(State {
            conn: Mutex::new(conn),
            reader: None,
            _lock: lock,
        })
    }

    /// The connection for per-item reads (the main one when read-only).
    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.reader
            .as_ref()
            .unwrap_or(&self.conn)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (every
        // write is a transaction), so a poisoned lock is still usable.
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes sure a configured feed has a row.
    pub fn ensure_feed(&self, url: &str) -> Result<(), StateError> {
        self.ensure_feeds(&[url])
    }

    /// Makes sure configured feeds have rows, in one transaction.
    pub fn ensure_feeds(&self, urls: &[&str]) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO feeds (url, fetch_url) VALUES (?1, ?1) ON CONFLICT (url) DO NOTHING",
            )?;
            for url in urls {
                stmt.execute([url])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// One feed's row.
    pub fn feed(&self, url: &str) -> Result<Option<FeedRow>, StateError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!("{FEED_SELECT} WHERE url = ?1"))?;
        Ok(stmt.query_row([url], feed_row).optional()?)
    }

    /// Every feed's row, by URL.
    pub fn feeds(&self) -> Result<Vec<FeedRow>, StateError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{FEED_SELECT} ORDER BY url"))?;
        let rows = stmt
            .query_map([], feed_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Stores a successful poll: validators, schedule and new items in one
    /// transaction. Returns the items that became pending.
    pub fn record_poll(&self, poll: &PollRecord<'_>) -> Result<Vec<QueuedItem>, StateError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut queued = Vec::new();
        let mut new_items = 0i64;
        if let Some(items) = poll.items {
            for item in items {
                let existing: Option<(i64, String, String, Option<i64>)> = tx
                    .prepare_cached(
                        "SELECT id, content_hash, status, primary_id FROM items WHERE key = ?1",
                    )?
                    .query_row([&item.key], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .optional()?;
                let entry = serde_json::to_string(item)
                    .map_err(|source| StateError::Corrupt { id: 0, source })?;
                match existing {
                    None => {
                        new_items += 1;
                        // The same article already known from another feed?
                        let primary: Option<i64> = match &item.link {
                            Some(link) => tx
                                .prepare_cached(
                                    "SELECT id FROM items WHERE canonical_url = ?1 AND feed_url != ?2 \
                                     AND primary_id IS NULL ORDER BY id LIMIT 1",
                                )?
                                .query_row(params![link, poll.feed_url], |r| r.get(0))
                                .optional()?,
                            None => None,
                        };
                        tx.prepare_cached(
                            "INSERT INTO items (key, feed_url, canonical_url, content_hash, status, \
                             first_seen, last_seen, primary_id, entry) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)",
                        )?
                        .execute(params![
                            item.key,
                            poll.feed_url,
                            item.link,
                            item.content_hash,
                            if primary.is_some() { "merged" } else { "pending" },
                            poll.now,
                            primary,
                            entry
                        ])?;
                        if primary.is_none() {
                            queued.push(QueuedItem {
                                id: tx.last_insert_rowid(),
                                link: item.link.clone(),
                            });
                        }
                    }
                    Some((id, hash, status, primary)) => {
                        if hash == item.content_hash {
                            tx.prepare_cached("UPDATE items SET last_seen = ?2 WHERE id = ?1")?
                                .execute(params![id, poll.now])?;
                        } else if poll.reemit && primary.is_none() && status == "done" {
                            tx.prepare_cached(
                                "UPDATE items SET last_seen = ?2, content_hash = ?3, entry = ?4, \
                                 status = 'pending', version = version + 1, attempts = 0 WHERE id = ?1",
                            )?
                            .execute(params![id, poll.now, item.content_hash, entry])?;
                            queued.push(QueuedItem {
                                id,
                                link: item.link.clone(),
                            });
                        } else {
                            tx.prepare_cached(
                                "UPDATE items SET last_seen = ?2, content_hash = ?3, entry = ?4 WHERE id = ?1",
                            )?
                            .execute(params![id, poll.now, item.content_hash, entry])?;
                        }
                    }
                }
            }
        }
        tx.prepare_cached(
            "UPDATE feeds SET fetch_url = ?2, title = COALESCE(?3, title), etag = ?4, last_modified = ?5, \
             next_poll = ?6, retry_at = NULL, error_count = 0, last_success = ?7, \
             last_changed = CASE WHEN ?8 THEN ?7 ELSE last_changed END, \
             items_seen = items_seen + ?9 WHERE url = ?1",
        )?
        .execute(params![
            poll.feed_url,
            poll.fetch_url,
            poll.title,
            poll.etag,
            poll.last_modified,
            poll.next_poll,
            poll.now,
            poll.items.is_some(),
            new_items
        ])?;
        tx.commit()?;
        Ok(queued)
    }

    /// Stores a failed poll: the reason, the failure count and the backoff
    /// deadline (which `once` honours too); `disable` marks a 410.
    pub fn record_failure(
        &self,
        feed_url: &str,
        reason: &str,
        retry_at: Millis,
        disable: Option<&str>,
        now: Millis,
    ) -> Result<u32, StateError> {
        let conn = self.conn();
        let count: u32 = conn.query_row(
            "UPDATE feeds SET error_count = error_count + 1, last_error = ?2, last_error_at = ?3, \
             retry_at = ?4, next_poll = ?4, disabled = COALESCE(?5, disabled) WHERE url = ?1 \
             RETURNING error_count",
            params![feed_url, reason, now, retry_at, disable],
            |r| r.get(0),
        )?;
        Ok(count)
    }

    /// Clears a 410 mark (the feed was edited in the config, say).
    pub fn enable_feed(&self, url: &str) -> Result<(), StateError> {
        self.conn()
            .execute("UPDATE feeds SET disabled = NULL WHERE url = ?1", [url])?;
        Ok(())
    }

    /// Every pending item, oldest first.
    pub fn pending(&self) -> Result<Vec<QueuedItem>, StateError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id, canonical_url FROM items WHERE status = 'pending' ORDER BY id")?;
        let items = stmt
            .query_map([], |r| {
                Ok(QueuedItem {
                    id: r.get(0)?,
                    link: r.get(1)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(items)
    }

    /// Counts one more attempt for each item, in one transaction (called
    /// when items are handed to the article stage, so an item that keeps
    /// crashing the process shows a growing count).
    pub fn count_attempts(&self, ids: &[i64]) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt =
                tx.prepare_cached("UPDATE items SET attempts = attempts + 1 WHERE id = ?1")?;
            for id in ids {
                stmt.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Loads a pending item (without `also_in`, see [`State::also_in`]);
    /// `None` if it is no longer pending. A read only:
    /// statements here stay simple (no joins on bound values) so SQLite
    /// never recompiles them per call.
    pub fn start_item(&self, id: i64) -> Result<Option<PendingItem>, StateError> {
        let row: Option<(u32, String, String)> = self
            .reader()
            .prepare_cached(
                "SELECT version, feed_url, entry FROM items WHERE id = ?1 AND status = 'pending'",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((version, feed_url, entry)) = row else {
            return Ok(None);
        };
        let item =
            serde_json::from_str(&entry).map_err(|source| StateError::Corrupt { id, source })?;
        Ok(Some(PendingItem {
            id,
            version,
            feed_title: self.feed_title(&feed_url)?,
            feed_url,
            item,
            // Filled by the caller just before the record is built.
            also_in: Vec::new(),
        }))
    }

    fn feed_title(&self, url: &str) -> Result<Option<String>, StateError> {
        Ok(self
            .reader()
            .prepare_cached("SELECT title FROM feeds WHERE url = ?1")?
            .query_row([url], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// The same article as item `id` listed by other feeds: (feed URL, feed
    /// title, entry). Read again just before the record is built, so feeds
    /// polled while the page was being fetched are listed too.
    pub fn also_in(&self, id: i64) -> Result<Vec<(String, Option<String>, Item)>, StateError> {
        let others: Vec<(i64, String, String)> = {
            let conn = self.reader();
            let mut stmt = conn.prepare_cached(
                "SELECT id, feed_url, entry FROM items WHERE primary_id = ?1 ORDER BY id",
            )?;
            stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?
        };
        let mut also_in = Vec::with_capacity(others.len());
        for (other_id, url, entry) in others {
            let item = serde_json::from_str(&entry).map_err(|source| StateError::Corrupt {
                id: other_id,
                source,
            })?;
            let title = self.feed_title(&url)?;
            also_in.push((url, title, item));
        }
        Ok(also_in)
    }

    /// Marks items done, each only if still at the version that was written.
    pub fn mark_done(&self, written: &[(i64, u32)]) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE items SET status = 'done' WHERE id = ?1 AND version = ?2",
            )?;
            for (id, version) in written {
                stmt.execute(params![id, version])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets finished items that left their feed's latest answer more than
    /// `retention` ago. Items still listed by their feed are kept whatever
    /// their age, so they can never come back as new.
    pub fn prune(&self, now: Millis, retention: Duration) -> Result<usize, StateError> {
        let cutoff = now - i64::try_from(retention.as_millis()).unwrap_or(i64::MAX / 2);
        let conn = self.conn();
        let removed = conn.execute(
            "DELETE FROM items WHERE status != 'pending' AND last_seen < ?1 AND last_seen < \
             COALESCE((SELECT last_changed FROM feeds WHERE feeds.url = items.feed_url), ?1) \
             AND NOT EXISTS (SELECT 1 FROM items p WHERE p.primary_id = items.id AND p.last_seen >= ?1)",
            [cutoff],
        )?;
        Ok(removed)
    }
}

/// Opens a connection with the busy timeout and statement caching every
/// connection of the state uses. Every hot statement stays compiled
/// (`cache` of them; the default holds 16) and keeps its plan whatever
/// values are bound: without the query planner stability guarantee, SQLite
/// recompiles a statement whenever a new binding might change its plan,
/// which cost more CPU than running it.
fn open_tuned(path: &Path, cache: usize) -> Result<Connection, StateError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(cache);
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(conn)
}

/// The lock file next to a state database.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Now, in milliseconds since the epoch.
pub fn now_millis() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

const FEED_SELECT: &str = "SELECT url, fetch_url, title, etag, last_modified, next_poll, retry_at, \
    error_count, last_error, last_error_at, last_success, disabled, items_seen FROM feeds";

fn feed_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedRow> {
    Ok(FeedRow {
        url: r.get(0)?,
        fetch_url: r.get(1)?,
        title: r.get(2)?,
        etag: r.get(3)?,
        last_modified: r.get(4)?,
        next_poll: r.get(5)?,
        retry_at: r.get(6)?,
        error_count: r.get(7)?,
        last_error: r.get(8)?,
        last_error_at: r.get(9)?,
        last_success: r.get(10)?,
        disabled: r.get(11)?,
        items_seen: r.get(12)?,
    })
}

fn migrate(conn: &mut Connection) -> Result<(), StateError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, link: Option<&str>, hash: &str) -> Item {
        Item {
            key: key.to_owned(),
            guid: None,
            link: link.map(str::to_owned),
            title: Some(key.to_owned()),
            published: None,
            updated: None,
            summary: None,
            content: None,
            authors: vec![],
            media_type: None,
            content_hash: hash.to_owned(),
        }
    }

    fn poll<'a>(feed: &'a str, items: Option<&'a [Item]>, reemit: bool) -> PollRecord<'a> {
        PollRecord {
            feed_url: feed,
            fetch_url: feed,
            title: Some("T"),
            etag: Some("\"e\""),
            last_modified: None,
            next_poll: 10,
            items,
            reemit,
            now: 5,
        }
    }

    #[test]
    fn second_process_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let _first = State::open(&path).unwrap();
        let err = State::open(&path).err().unwrap();
        assert!(matches!(err, StateError::Locked { .. }), "{err}");
        assert!(err.to_string().contains("another gleaner process"));
    }

    #[test]
    fn items_are_new_once_and_dedup_across_feeds() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(&dir.path().join("s.db")).unwrap();
        state.ensure_feed("A").unwrap();
        state.ensure_feed("B").unwrap();
        let a = [
            item("A 1", Some("https://x/1"), "h1"),
            item("A 2", None, "h2"),
        ];
        let queued = state.record_poll(&poll("A", Some(&a), false)).unwrap();
        assert_eq!(queued.len(), 2);
        assert_eq!(queued[0].link.as_deref(), Some("https://x/1"));
        let pending = state.pending().unwrap();
        assert_eq!(pending, queued);
        let queued: Vec<i64> = queued.iter().map(|q| q.id).collect();
        assert!(
            state
                .record_poll(&poll("A", Some(&a), false))
                .unwrap()
                .is_empty()
        );
        let b = [item("B 1", Some("https://x/1"), "h3")];
        assert!(
            state
                .record_poll(&poll("B", Some(&b), false))
                .unwrap()
                .is_empty()
        );
        assert!(state.start_item(queued[0]).unwrap().is_some());
        let also_in = state.also_in(queued[0]).unwrap();
        assert_eq!(also_in.len(), 1);
        assert_eq!(also_in[0].0, "B");
        state.mark_done(&[(queued[0], 1)]).unwrap();
        assert_eq!(
            state.pending().unwrap(),
            vec![QueuedItem {
                id: queued[1],
                link: None
            }]
        );
        let row = state.feed("A").unwrap().unwrap();
        assert_eq!(row.etag.as_deref(), Some("\"e\""));
        assert_eq!(row.items_seen, 2);
    }

    #[test]
    fn changed_items_are_reemitted_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(&dir.path().join("s.db")).unwrap();
        state.ensure_feed("A").unwrap();
        let v1 = [item("A 1", None, "h1")];
        let id = state.record_poll(&poll("A", Some(&v1), true)).unwrap()[0].id;
        state.mark_done(&[(id, 1)]).unwrap();
        let v2 = [item("A 1", None, "h2")];
        assert!(
            state
                .record_poll(&poll("A", Some(&v2), false))
                .unwrap()
                .is_empty()
        );
        let v3 = [item("A 1", None, "h3")];
        let again = QueuedItem { id, link: None };
        assert_eq!(
            state.record_poll(&poll("A", Some(&v3), true)).unwrap(),
            vec![again.clone()]
        );
        assert_eq!(state.start_item(id).unwrap().unwrap().version, 2);
        // A stale acknowledgement of version 1 does not finish version 2.
        state.mark_done(&[(id, 1)]).unwrap();
        assert_eq!(state.pending().unwrap(), vec![again]);
    }

    #[test]
    fn failures_count_and_prune_keeps_listed_items() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(&dir.path().join("s.db")).unwrap();
        state.ensure_feed("A").unwrap();
        assert_eq!(state.record_failure("A", "boom", 100, None, 1).unwrap(), 1);
        assert_eq!(
            state
                .record_failure("A", "gone", 200, Some("410"), 2)
                .unwrap(),
            2
        );
        let row = state.feed("A").unwrap().unwrap();
        assert_eq!(row.retry_at, Some(200));
        assert_eq!(row.disabled.as_deref(), Some("410"));
        let items = [item("A 1", None, "h1")];
        let id = state.record_poll(&poll("A", Some(&items), false)).unwrap()[0].id;
        state.mark_done(&[(id, 1)]).unwrap();
        // Still in the feed's latest answer: kept however old.
        assert_eq!(
            state.prune(1_000_000_000, Duration::from_secs(1)).unwrap(),
            0
        );
    }
}
