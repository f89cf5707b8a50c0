//! The command-line front end: argument parsing and dispatch.
//!
//! Each subcommand is a thin call into the library. Records go to stdout;
//! logs and error messages go to stderr. Exit codes: 0 success, 1 some inputs
//! failed (the others were still processed), 2 usage or fatal error.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::eval::{self, EvalOptions};
use crate::extract::{self, ExtractOptions};
use crate::record::Article;

/// gleaner: follow feeds, extract the articles, emit clean JSON records.
#[derive(Debug, Parser)]
#[command(name = "gleaner", version, about, long_about = None)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Extract the article of HTML documents (files, or stdin with `-` or no file).
    Extract(ExtractArgs),
    /// Score and time the extractor on a development set (`../shared/bench/aeb`).
    Eval(EvalArgs),
    /// Run the daemon: poll every feed on its schedule until SIGTERM or SIGINT
    /// (SIGHUP reloads the config).
    Run(ConfigArgs),
    /// Poll every feed once, process every new item, flush and exit.
    Once(ConfigArgs),
    /// Validate a config file and exit (0 valid, 2 invalid, with the line).
    Check(ConfigArgs),
    /// Manage and inspect the feeds.
    #[command(subcommand)]
    Feeds(FeedsCommand),
}

/// The `--config` argument of the daemon commands.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// The TOML config file.
    #[arg(long, short, default_value = "/etc/gleaner/gleaner.toml")]
    pub config: PathBuf,
}

/// `gleaner feeds ...`.
#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Append the feeds of an OPML file to the config file (feeds already
    /// there are skipped); a running daemon picks them up on SIGHUP.
    Import {
        /// The OPML file.
        file: PathBuf,
        /// The config file to extend.
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Per-feed health from the state: last success, last error, next poll,
    /// items seen, backoff. Safe while the daemon runs.
    Status(ConfigArgs),
}

/// Arguments of `gleaner extract`.
#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// The page's address: resolves relative links and fills metadata gaps.
    #[arg(long)]
    pub url: Option<String>,
    /// The charset the server declared, if known (overrides `<meta charset>`).
    #[arg(long)]
    pub charset: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Largest input accepted, in bytes.
    #[arg(long, default_value_t = extract::DEFAULT_MAX_BYTES)]
    pub max_bytes: usize,
    /// HTML files to read; `-` or nothing reads standard input.
    pub files: Vec<PathBuf>,
}

/// Output formats of `gleaner extract`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The full record, one JSON object per line per input.
    Json,
    /// The body as plain text.
    Text,
    /// The body as sanitized HTML.
    Html,
    /// The body as Markdown.
    Markdown,
}

/// Arguments of `gleaner eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The set folder, holding `ground-truth.json` and `html/`.
    pub set: PathBuf,
    /// Folder for the prediction files (default: `target/eval/<set name>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Timed passes; the fastest is reported.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// List this many pages with the lowest F1.
    #[arg(long, default_value_t = 0)]
    pub worst: usize,
    /// List this many of the slowest pages.
    #[arg(long, default_value_t = 5)]
    pub slowest: usize,
    /// Exit with an error when body F1 is below this value.
    #[arg(long)]
    pub min_f1: Option<f64>,
    /// Exit with an error when a metadata accuracy that `meta_score.py`
    /// prints is below this percentage, or cannot be read: FIELD=PERCENT
    /// (title, authors, published, language); repeatable.
    #[arg(long = "min-meta", value_name = "FIELD=PERCENT", value_parser = parse_min_meta)]
    pub min_meta: Vec<(String, f64)>,
}

/// Parses `title=93.5` into its field and percentage.
fn parse_min_meta(text: &str) -> Result<(String, f64), String> {
    let (field, percent) = text
        .split_once('=')
        .ok_or_else(|| format!("expected FIELD=PERCENT, got {text:?}"))?;
    let percent: f64 = percent
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("{percent:?} is not a percentage"))?;
    if !(0.0..=100.0).contains(&percent) {
        return Err(format!("{percent} is not between 0 and 100"));
    }
    Ok((field.trim().to_owned(), percent))
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let progress = matches!(cli.command, Command::Once(_)) && show_progress();
    // With a progress bar, per-poll lines would tear it: only warnings show.
    init_logging_with(cli.log_format, if progress { "warn" } else { "info" });
    log_panics();
    let outcome = match cli.command {
        Command::Extract(args) => run_extract(&args),
        Command::Eval(args) => run_eval(&args).map(|()| ExitCode::SUCCESS),
        Command::Run(args) => commands::run(&args.config),
        Command::Once(args) => commands::once(&args.config, progress),
        Command::Check(args) => Ok(commands::check(&args.config)),
        Command::Feeds(FeedsCommand::Import { file, config }) => {
            commands::import(&file, &config.config)
        }
        Command::Feeds(FeedsCommand::Status(args)) => commands::status(&args.config),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            tracing::error!("{err:#}");
            ExitCode::from(2)
        }
    }
}

/// Sets up `tracing` on stderr; `RUST_LOG` picks the levels (default `info`).
/// Under systemd (`JOURNAL_STREAM` set) colours and timestamps are left to journald.
pub fn init_logging(format: LogFormat) {
    init_logging_with(format, "info");
}

/// [`init_logging`] with another default level when `RUST_LOG` is unset.
///
/// The default leaves out html5ever's notes on the markup of the pages it
/// parses ("foster parenting not implemented"): they are about the page,
/// not about gleaner, and say nothing a user can act on.
pub fn init_logging_with(format: LogFormat, default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{default},html5ever=error")));
    let under_journal = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text if under_journal => builder.with_ansi(false).without_time().try_init(),
        LogFormat::Text => builder
            .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
            .try_init(),
    };
}

/// Routes panic messages through the log, so a bug caught at a task
/// boundary (an extraction or a feed parse that panics) leaves one
/// well-formed log line, JSON included, instead of raw stderr text.
fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            tracing::error!(%location, %backtrace, "panic: {message}");
        } else {
            tracing::error!(%location, "panic: {message}");
        }
    }));
}

/// A progress bar only for a person watching: stderr is a terminal and not journald.
fn show_progress() -> bool {
    io::IsTerminal::is_terminal(&io::stderr()) && std::env::var_os("JOURNAL_STREAM").is_none()
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

fn run_extract(args: &ExtractArgs) -> Result<ExitCode> {
    let stdin_only = args.files.is_empty();
    let inputs: Vec<Option<&PathBuf>> = if stdin_only {
        vec![None]
    } else {
        args.files
            .iter()
            .map(|f| (f.as_os_str() != "-").then_some(f))
            .collect()
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut failed = false;
    for input in inputs {
        let name = input.map_or_else(|| "<stdin>".to_owned(), |p| p.display().to_string());
        let bytes = match read_input(input, args.max_bytes) {
            Ok(bytes) => bytes,
            Err(err) => {
                tracing::error!(input = %name, "{err:#}");
                failed = true;
                continue;
            }
        };
        let options = ExtractOptions {
            url: args.url.as_deref(),
            http_charset: args.charset.as_deref(),
            http_language: None,
            markdown: args.format == Format::Markdown,
            max_bytes: Some(args.max_bytes),
        };
        match extract::extract(&bytes, &options) {
            Ok(article) => write_article(&mut out, &article, args.format)?,
            Err(err) => {
                tracing::error!(input = %name, "{err}");
                failed = true;
            }
        }
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads one input, refusing to buffer more than `max_bytes + 1` bytes so a
/// huge input costs no more memory than the limit.
fn read_input(path: Option<&PathBuf>, max_bytes: usize) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let limit = max_bytes as u64 + 1;
    match path {
        Some(path) => {
            let file =
                std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            file.take(limit)
                .read_to_end(&mut bytes)
                .with_context(|| format!("reading {}", path.display()))?;
        }
        None => {
            io::stdin()
                .lock()
                .take(limit)
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
        }
    }
    if bytes.len() > max_bytes {
        anyhow::bail!(
            "input is larger than the limit of {max_bytes} bytes (raise it with --max-bytes)"
        );
    }
    Ok(bytes)
}

fn write_article(out: &mut impl Write, article: &Article, format: Format) -> Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *out, article)?;
            out.write_all(b"\n")?;
        }
        Format::Text => {
            out.write_all(article.text.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Format::Html => {
            out.write_all(article.html.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Format::Markdown => {
            out.write_all(article.markdown.as_deref().unwrap_or("").as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

fn run_eval(args: &EvalArgs) -> Result<()> {
    let name = args
        .set
        .file_name()
        .map_or_else(|| "set".into(), |n| n.to_string_lossy().into_owned());
    let options = EvalOptions {
        set: args.set.clone(),
        out: args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("target/eval").join(name)),
        repeat: args.repeat,
        worst: args.worst,
        slowest: args.slowest,
        min_f1: args.min_f1,
        min_meta: args.min_meta.clone(),
    };
    eval::run(&options)?;
    Ok(())
}
