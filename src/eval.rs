//! Quality and speed evaluation over a development set.
//!
//! A set folder holds `ground-truth.json` (id -> truth) and `html/<id>.html.gz`.
//! [`run`] extracts every page in one thread, scores the bodies with the
//! metric of the benchmark's `score.py` (word 4-gram shingles with counts,
//! precision and recall averaged over pages), writes the prediction files
//! the Python scorers read, runs those scorers when Python is available,
//! and times extraction against the cost of parsing alone.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::extract::{self, ExtractOptions};
use crate::record::Article;

/// What the eval command was asked to do.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The set folder (`.../aeb`).
    pub set: PathBuf,
    /// Where the prediction files go.
    pub out: PathBuf,
    /// How many timed passes to run; the fastest is reported.
    pub repeat: usize,
    /// How many of the lowest-F1 pages to list.
    pub worst: usize,
    /// How many of the slowest pages to list.
    pub slowest: usize,
    /// Fail when body F1 is below this.
    pub min_f1: Option<f64>,
    /// Fail when a metadata accuracy (field as `meta_score.py` names it,
    /// in percent) is below this or is not reported.
    pub min_meta: Vec<(String, f64)>,
}

/// One page of a set, decompressed.
struct Page {
    id: String,
    url: Option<String>,
    truth_body: String,
    html: Vec<u8>,
}

/// Body scores of a whole set.
#[derive(Debug, Clone, Copy)]
pub struct Scores {
    /// Mean precision over pages.
    pub precision: f64,
    /// Mean recall over pages.
    pub recall: f64,
    /// F1 of the two means.
    pub f1: f64,
}

/// Runs the eval and prints its report; returns the body scores.
pub fn run(options: &EvalOptions) -> Result<Scores> {
    let pages = load_set(&options.set)?;
    let total_bytes: usize = pages.iter().map(|p| p.html.len()).sum();
    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("creating {}", options.out.display()))?;

    // Quality pass, which also warms caches for the timed passes.
    let mut articles = Vec::with_capacity(pages.len());
    for page in &pages {
        let opts = ExtractOptions {
            url: page.url.as_deref(),
            ..ExtractOptions::default()
        };
        let article =
            extract::extract(&page.html, &opts).with_context(|| format!("page {}", page.id))?;
        articles.push(article);
    }
    let (scores, per_page) = score_bodies(&pages, &articles);
    write_predictions(&options.out, &pages, &articles)?;

    // Speed: fastest of `repeat` passes, parse-only and full, single thread.
    let mut parse_best = vec![Duration::MAX; pages.len()];
    let mut extract_best = vec![Duration::MAX; pages.len()];
    let (mut parse_total, mut extract_total) = (Duration::MAX, Duration::MAX);
    for _ in 0..options.repeat.max(1) {
        let started = Instant::now();
        for (i, page) in pages.iter().enumerate() {
            let t = Instant::now();
            let decoded = extract::charset::decode(&page.html, None);
            let document = scraper::Html::parse_document(&decoded.text);
            std::hint::black_box(&document);
            drop(document);
            parse_best[i] = parse_best[i].min(t.elapsed());
        }
        parse_total = parse_total.min(started.elapsed());
        let started = Instant::now();
        for (i, page) in pages.iter().enumerate() {
            let t = Instant::now();
            let opts = ExtractOptions {
                url: page.url.as_deref(),
                ..ExtractOptions::default()
            };
            let article = extract::extract(&page.html, &opts);
            std::hint::black_box(&article);
            drop(article);
            extract_best[i] = extract_best[i].min(t.elapsed());
        }
        extract_total = extract_total.min(started.elapsed());
    }

    let set_name = options
        .set
        .file_name()
        .map_or_else(|| "set".into(), |n| n.to_string_lossy().into_owned());
    println!(
        "set {set_name}: {} pages, {:.1} MB",
        pages.len(),
        total_bytes as f64 / 1e6
    );
    if options.worst > 0 {
        let mut ranked: Vec<_> = per_page.iter().collect();
        ranked.sort_by(|a, b| a.1.2.total_cmp(&b.1.2));
        println!(
            "the {} pages with the lowest F1 (precision, recall):",
            options.worst
        );
        for (id, (p, r, f)) in ranked.into_iter().take(options.worst) {
            let url = pages
                .iter()
                .find(|x| &x.id == id)
                .and_then(|x| x.url.clone())
                .unwrap_or_default();
            println!(
                "  {:<16}  F1 {f:.3} ({p:.3}, {r:.3})  {url}",
                &id[..id.len().min(16)]
            );
        }
    }
    if options.slowest > 0 {
        let mut order: Vec<usize> = (0..pages.len()).collect();
        order.sort_by(|&a, &b| extract_best[b].cmp(&extract_best[a]));
        println!(
            "the {} slowest pages (extract, parse only, ratio):",
            options.slowest
        );
        for &i in order.iter().take(options.slowest) {
            println!(
                "  {:<16}  {:>7.2} ms  {:>7.2} ms  {:.2}x  {:.0} kB",
                &pages[i].id[..pages[i].id.len().min(16)],
                ms(extract_best[i]),
                ms(parse_best[i]),
                ratio(extract_best[i], parse_best[i]),
                pages[i].html.len() as f64 / 1e3
            );
        }
        let worst_ratio = (0..pages.len())
            .map(|i| (ratio(extract_best[i], parse_best[i]), i))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((r, i)) = worst_ratio {
            println!(
                "  highest cost over its own parse: {:.2}x on {}",
                r,
                &pages[i].id[..pages[i].id.len().min(16)]
            );
        }
    }
    let mb = total_bytes as f64 / 1e6;
    println!(
        "parse only: {:.3} s  {:.0} pages/s  {:.1} MB/s",
        parse_total.as_secs_f64(),
        pages.len() as f64 / parse_total.as_secs_f64(),
        mb / parse_total.as_secs_f64()
    );
    println!(
        "extract:    {:.3} s  {:.0} pages/s  {:.1} MB/s  ({:.2}x parse only)",
        extract_total.as_secs_f64(),
        pages.len() as f64 / extract_total.as_secs_f64(),
        mb / extract_total.as_secs_f64(),
        ratio(extract_total, parse_total)
    );
    if let Some(kb) = peak_rss_kb() {
        println!(
            "peak RSS: {:.1} MB (the eval holds every page of the set in memory)",
            kb as f64 / 1024.0
        );
    }
    println!("predictions written to {}", options.out.display());
    let meta_accuracy = run_python_scorers(options);
    println!(
        "body F1 {:.3} precision {:.3} recall {:.3}",
        scores.f1, scores.precision, scores.recall
    );
    if let Some(min) = options.min_f1
        && scores.f1 + 1e-9 < min
    {
        bail!("body F1 {:.4} is below the required {:.4}", scores.f1, min);
    }
    for (field, min) in &options.min_meta {
        match meta_accuracy.iter().find(|(f, _)| f == field) {
            Some((_, got)) if got + 1e-9 >= *min => {}
            Some((_, got)) => bail!("{field} accuracy {got:.1}% is below the required {min:.1}%"),
            None => bail!(
                "no {field} accuracy to check against {min:.1}%: meta_score.py beside the set, \
                 python3 and truth for {field} are needed"
            ),
        }
    }
    Ok(scores)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

fn load_set(set: &Path) -> Result<Vec<Page>> {
    let truth_path = set.join("ground-truth.json");
    let truth: BTreeMap<String, Value> = serde_json::from_slice(
        &std::fs::read(&truth_path).with_context(|| format!("reading {}", truth_path.display()))?,
    )
    .with_context(|| format!("parsing {}", truth_path.display()))?;
    let mut pages = Vec::with_capacity(truth.len());
    for (id, entry) in truth {
        let path = set.join("html").join(format!("{id}.html.gz"));
        let compressed =
            std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut html = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_end(&mut html)
            .with_context(|| format!("decompressing {}", path.display()))?;
        pages.push(Page {
            url: entry.get("url").and_then(Value::as_str).map(str::to_owned),
            truth_body: entry
                .get("articleBody")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            id,
            html,
        });
    }
    Ok(pages)
}

type PageScores = BTreeMap<String, (f64, f64, f64)>;

fn score_bodies(pages: &[Page], articles: &[Article]) -> (Scores, PageScores) {
    let mut precisions = Vec::new();
    let mut recalls = Vec::new();
    let mut per_page = BTreeMap::new();
    for (page, article) in pages.iter().zip(articles) {
        let (tp, fp, fn_) = page_counts(&page.truth_body, &article.text);
        let p = precision(tp, fp, fn_);
        let r = recall(tp, fp, fn_);
        if tp + fp > 0.0 {
            precisions.push(p);
        }
        if tp + fn_ > 0.0 {
            recalls.push(r);
        }
        per_page.insert(page.id.clone(), (p, r, f1(p, r)));
    }
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let (p, r) = (mean(&precisions), mean(&recalls));
    (
        Scores {
            precision: p,
            recall: r,
            f1: f1(p, r),
        },
        per_page,
    )
}

/// Word 4-gram shingle counts of a text, words being runs of Unicode letters,
/// numbers and `_` (Python's `\w`).
fn shingles(text: &str) -> HashMap<[&str; 4], u32> {
    let words = words(text);
    let mut counts = HashMap::new();
    if words.is_empty() {
        return counts;
    }
    if words.len() < 4 {
        // score.py makes one short gram of all the words; padding keeps it distinct.
        let mut gram = [""; 4];
        for (slot, w) in gram.iter_mut().zip(&words) {
            *slot = w;
        }
        counts.insert(gram, 1);
        return counts;
    }
    for w in words.windows(4) {
        *counts.entry([w[0], w[1], w[2], w[3]]).or_insert(0) += 1;
    }
    counts
}

fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in text.char_indices() {
        if is_word_char(ch) {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(&text[s..i]);
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

fn is_word_char(ch: char) -> bool {
    use unicode_general_category::{GeneralCategory::*, get_general_category};
    ch == '_'
        || matches!(
            get_general_category(ch),
            UppercaseLetter
                | LowercaseLetter
                | TitlecaseLetter
                | ModifierLetter
                | OtherLetter
                | DecimalNumber
                | LetterNumber
                | OtherNumber
        )
}

fn page_counts(truth: &str, pred: &str) -> (f64, f64, f64) {
    let t = shingles(truth);
    let p = shingles(pred);
    let mut tp = 0u64;
    let mut fp = 0u64;
    for (gram, &pc) in &p {
        let tc = t.get(gram).copied().unwrap_or(0);
        tp += u64::from(pc.min(tc));
        fp += u64::from(pc.saturating_sub(tc));
    }
    let fn_: u64 = t
        .iter()
        .map(|(gram, &tc)| u64::from(tc.saturating_sub(p.get(gram).copied().unwrap_or(0))))
        .sum();
    let total = (tp + fp + fn_) as f64;
    if total == 0.0 {
        (0.0, 0.0, 0.0)
    } else {
        (tp as f64 / total, fp as f64 / total, fn_ as f64 / total)
    }
}

fn precision(tp: f64, fp: f64, fn_: f64) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fp == 0.0 {
        0.0
    } else {
        tp / (tp + fp)
    }
}

fn recall(tp: f64, fp: f64, fn_: f64) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fn_ == 0.0 {
        0.0
    } else {
        tp / (tp + fn_)
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn write_predictions(out: &Path, pages: &[Page], articles: &[Article]) -> Result<()> {
    let mut bodies = serde_json::Map::new();
    let mut metas = serde_json::Map::new();
    let mut records = String::new();
    for (page, article) in pages.iter().zip(articles) {
        bodies.insert(page.id.clone(), json!({ "articleBody": article.text }));
        metas.insert(
            page.id.clone(),
            json!({
                "title": article.title,
                "authors": article.authors,
                "published": article.published,
                "language": article.language,
                "site_name": article.site_name,
            }),
        );
        records.push_str(&serde_json::to_string(article)?);
        records.push('\n');
    }
    std::fs::write(out.join("body.json"), serde_json::to_vec_pretty(&bodies)?)?;
    std::fs::write(out.join("meta.json"), serde_json::to_vec_pretty(&metas)?)?;
    std::fs::write(out.join("records.jsonl"), records)?;
    Ok(())
}

/// Runs `score.py` and `meta_score.py` from the set's parent folder when both
/// they and `python3` exist, and prints what they print. Returns the
/// metadata accuracies (field, percent) that `meta_score.py` reported.
fn run_python_scorers(options: &EvalOptions) -> Vec<(String, f64)> {
    let Some(bench) = options.set.parent() else {
        return Vec::new();
    };
    let score = bench.join("score.py");
    let meta = bench.join("meta_score.py");
    let truth = options.set.join("ground-truth.json");
    let has_meta_truth = std::fs::read_to_string(&truth)
        .map(|t| t.contains("\"title\""))
        .unwrap_or(false);
    if score.exists() {
        let out = std::process::Command::new("python3")
            .arg(&score)
            .arg(options.out.join("body.json"))
            .arg("--truth")
            .arg(&truth)
            .output();
        if let Ok(out) = out
            && out.status.success()
        {
            let text = String::from_utf8_lossy(&out.stdout);
            if let Some(last) = text.lines().last() {
                println!("score.py: {last}");
            }
        }
    }
    if has_meta_truth && meta.exists() {
        let out = std::process::Command::new("python3")
            .arg(&meta)
            .arg(options.out.join("meta.json"))
            .arg(&options.set)
            .output();
        if let Ok(out) = out
            && out.status.success()
        {
            println!("meta_score.py:");
            let text = String::from_utf8_lossy(&out.stdout);
            for line in text.lines() {
                println!("  {line}");
            }
            return text.lines().filter_map(accuracy_line).collect();
        }
    }
    Vec::new()
}

/// Reads one `meta_score.py` summary line, such as
/// `title      pages  128  correct  121  accuracy  94.5%`, as its field and
/// percentage.
fn accuracy_line(line: &str) -> Option<(String, f64)> {
    let mut words = line.split_whitespace();
    let field = words.next()?;
    let mut rest = words.skip_while(|w| *w != "accuracy");
    rest.next()?;
    let percent = rest.next()?.strip_suffix('%')?.parse().ok()?;
    Some((field.to_owned(), percent))
}

/// Peak resident set size of this process in kB, from `/proc/self/status`.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meta_score_accuracy_lines() {
        assert_eq!(
            accuracy_line("    title      pages  128  correct  121  accuracy  94.5%"),
            Some(("title".to_owned(), 94.5))
        );
        assert_eq!(
            accuracy_line(
                "authors    pages  125  correct  109  accuracy  87.2%  names P 0.898 R 0.881"
            ),
            Some(("authors".to_owned(), 87.2))
        );
        assert_eq!(
            accuracy_line("  set fundus: 128 pages, 0 without prediction"),
            None
        );
        assert_eq!(
            accuracy_line("metadata fundus: title 94.5% authors 87.2%"),
            None
        );
    }

    #[test]
    fn identical_texts_score_one() {
        let (tp, fp, fn_) = page_counts("one two three four five", "one two three four five");
        assert_eq!((tp, fp, fn_), (1.0, 0.0, 0.0));
    }

    #[test]
    fn extra_text_costs_precision_only() {
        let (tp, fp, fn_) = page_counts("a b c d e", "a b c d e f g");
        assert!(tp > 0.0 && fp > 0.0 && fn_ == 0.0);
        assert_eq!(precision(tp, fp, fn_), 0.5);
        assert_eq!(recall(tp, fp, fn_), 1.0);
    }

    #[test]
    fn words_follow_python_w() {
        assert_eq!(
            words("It's a_b 3.5 ü—x"),
            vec!["It", "s", "a_b", "3", "5", "ü", "x"]
        );
    }
}
