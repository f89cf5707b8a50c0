//! The daemon's subcommands (`run`, `once`, `check`, `feeds import`,
//! `feeds status`): process concerns only — load the config, build the
//! runtime, turn signals into [`daemon::Signal`]s, print results, pick the
//! exit code. All logic lives in `daemon`, `state` and `opml`.
//!
//! Exit codes: 0 success, 1 runtime failure, 2 configuration or startup error.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::daemon::{self, Signal};
use crate::opml;
use crate::state::{self, State};

/// `gleaner check --config FILE`.
pub fn check(path: &Path) -> ExitCode {
    match Config::load(path) {
        Ok(config) => {
            let enabled = config.enabled_feeds().count();
            let line = format!(
                "{}: ok, {} feeds ({} enabled), {} outputs, state {}\n",
                path.display(),
                config.feeds.len(),
                enabled,
                config.outputs.len(),
                config.state_path.display()
            );
            let _ = io::stdout().lock().write_all(line.as_bytes());
            ExitCode::SUCCESS
        }
        Err(err) => {
            tracing::error!("{err}");
            ExitCode::from(2)
        }
    }
}

/// `gleaner once --config FILE`.
pub fn once(path: &Path, progress: bool) -> Result<ExitCode> {
    let Some(config) = load_or_report(path) else {
        return Ok(ExitCode::from(2));
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        tokio::spawn(async move {
            if wait_for_stop().await.is_ok() {
                tracing::info!("signal received, finishing in-flight items");
                stop.cancel();
            }
        });
        let summary = daemon::once(config, cancel, progress).await?;
        if summary.unwritten > 0 {
            tracing::error!(
                items = summary.unwritten,
                "records could not be written; they stay pending for the next run"
            );
            return Ok(ExitCode::from(1));
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `gleaner run --config FILE`.
pub fn run(path: &Path) -> Result<ExitCode> {
    let Some(config) = load_or_report(path) else {
        return Ok(ExitCode::from(2));
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        let (tx, rx) = mpsc::channel(4);
        tokio::spawn(forward_signals(tx));
        daemon::run(config, rx).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// `gleaner feeds import FILE --config CONFIG`: appends new feeds to the
/// config file, validated before the file is replaced atomically.
pub fn import(opml_path: &Path, config_path: &Path) -> Result<ExitCode> {
    let text = std::fs::read_to_string(config_path)
        .with_context(|| format!("reading {}", config_path.display()))?;
    let config = match Config::parse(&text, config_path) {
        Ok(config) => config,
        Err(err) => {
            tracing::error!("{err}");
            return Ok(ExitCode::from(2));
        }
    };
    let opml_text = std::fs::read_to_string(opml_path)
        .with_context(|| format!("reading {}", opml_path.display()))?;
    let feeds =
        opml::parse(&opml_text).with_context(|| format!("reading {}", opml_path.display()))?;
    let existing: HashSet<url::Url> = config.feeds.iter().map(|f| f.url.clone()).collect();
    let (new_text, added) = opml::append_feeds(&text, &existing, &feeds);
    Config::parse(&new_text, config_path)
        .context("the extended config would be invalid; nothing written")?;
    if !added.is_empty() {
        let mut tmp = config_path.as_os_str().to_owned();
        tmp.push(".import-tmp");
        std::fs::write(&tmp, &new_text)
            .with_context(|| format!("writing {}", tmp.to_string_lossy()))?;
        std::fs::rename(&tmp, config_path)
            .with_context(|| format!("replacing {}", config_path.display()))?;
    }
    let mut out = io::stdout().lock();
    for feed in &added {
        writeln!(out, "added {}", feed.url)?;
    }
    writeln!(
        out,
        "{} feeds added to {}, {} already there",
        added.len(),
        config_path.display(),
        feeds.len() - added.len()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `gleaner feeds status --config FILE`: a table on stdout.
pub fn status(path: &Path) -> Result<ExitCode> {
    let Some(config) = load_or_report(path) else {
        return Ok(ExitCode::from(2));
    };
    let rows = if config.state_path.exists() {
        State::read_only(&config.state_path)?.feeds()?
    } else {
        Vec::new()
    };
    let now = state::now_millis();
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{:<28} {:>8} {:>14} {:>14} {:>14} {:>6}  last error",
        "feed", "items", "last success", "next poll", "backoff until", "errors"
    )?;
    for feed in &config.feeds {
        let row = rows.iter().find(|r| r.url == feed.url.as_str());
        let name: String = feed.name.chars().take(28).collect();
        let (items, success, next, backoff, errors, error) = match row {
            None => (
                0,
                "never".to_owned(),
                "now".to_owned(),
                "-".to_owned(),
                0,
                String::new(),
            ),
            Some(r) => (
                r.items_seen,
                r.last_success.map_or("never".to_owned(), |t| ago(now - t)),
                if !feed.enabled {
                    "disabled".to_owned()
                } else if let Some(reason) = &r.disabled {
                    format!("off: {reason}")
                } else {
                    r.next_poll.map_or("now".to_owned(), |t| until(t - now))
                },
                r.retry_at
                    .filter(|t| *t > now && r.error_count > 0)
                    .map_or("-".to_owned(), |t| until(t - now)),
                r.error_count,
                r.last_error.clone().unwrap_or_default(),
            ),
        };
        writeln!(
            out,
            "{name:<28} {items:>8} {success:>14} {next:>14} {backoff:>14} {errors:>6}  {error}"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn ago(ms: i64) -> String {
    format!(
        "{} ago",
        humantime::format_duration(std::time::Duration::from_secs(
            u64::try_from(ms / 1000).unwrap_or(0)
        ))
    )
}

fn until(ms: i64) -> String {
    if ms <= 0 {
        return "now".to_owned();
    }
    format!(
        "in {}",
        humantime::format_duration(std::time::Duration::from_secs(
            u64::try_from(ms / 1000).unwrap_or(0)
        ))
    )
}

/// The async runtime of `run` and `once`.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("gleaner")
        .build()?)
}

/// Resolves on the first SIGTERM or SIGINT.
async fn wait_for_stop() -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

/// Turns SIGTERM/SIGINT into `Stop` and SIGHUP into `Reload`.
async fn forward_signals(tx: mpsc::Sender<Signal>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("could not install signal handlers");
        return;
    };
    loop {
        let signal = tokio::select! {
            _ = term.recv() => Signal::Stop,
            _ = int.recv() => Signal::Stop,
            _ = hup.recv() => Signal::Reload,
        };
        tracing::info!(signal = ?signal, "signal received");
        if tx.send(signal).await.is_err() {
            return;
        }
    }
}

/// Loads and validates the config; a bad one is logged with its line and
/// gives `None`, which the commands turn into exit status 2.
fn load_or_report(path: &Path) -> Option<Config> {
    Config::load(path)
        .map_err(|err| tracing::error!("{err}"))
        .ok()
}
