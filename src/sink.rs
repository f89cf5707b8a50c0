//! Writing records: JSON lines to stdout, or to a folder of JSON-lines files
//! named by date (`gleaner-2026-11-27.jsonl`, then `gleaner-2026-11-27.1.jsonl`
//! when the size limit is reached).
//!
//! A batch is reported written only once it is durable: flushed for stdout,
//! flushed and fsynced for files. A record never spans two files. At start, a
//! torn last line left by a crash is cut off (its item is still pending, so it
//! is written again). A sink does not filter, dedup or reorder.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::config::Output;

/// One sink. An enum, not a trait object: the set is closed.
pub enum Sink {
    /// JSON lines on standard output.
    Stdout,
    /// Dated JSON-lines files.
    Files(FileSink),
}

/// The files sink's state.
pub struct FileSink {
    dir: PathBuf,
    max_bytes: u64,
    current: Option<OpenFile>,
}

struct OpenFile {
    date: String,
    index: u32,
    file: File,
    size: u64,
}

impl Sink {
    /// Opens a sink; for files, creates the folder and repairs torn lines.
    pub fn open(output: &Output) -> io::Result<Sink> {
        match output {
            Output::Stdout => Ok(Sink::Stdout),
            Output::Files {
                dir,
                max_file_bytes,
            } => {
                std::fs::create_dir_all(dir)?;
                repair_dir(dir)?;
                Ok(Sink::Files(FileSink {
                    dir: dir.clone(),
                    max_bytes: *max_file_bytes,
                    current: None,
                }))
            }
        }
    }

    /// A name for logs.
    pub fn describe(&self) -> String {
        match self {
            Sink::Stdout => "stdout".to_owned(),
            Sink::Files(files) => files.dir.display().to_string(),
        }
    }

    /// Writes whole lines (each ending in `\n`) and makes them durable.
    /// `date` (`YYYY-MM-DD`, UTC) picks the file.
    pub fn write_batch(&mut self, lines: &[u8], date: &str) -> io::Result<()> {
        match self {
            Sink::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(lines)?;
                out.flush()
            }
            Sink::Files(files) => files.write_batch(lines, date),
        }
    }
}

impl FileSink {
    fn write_batch(&mut self, lines: &[u8], date: &str) -> io::Result<()> {
        let batch = lines.len() as u64;
        let stale = match &self.current {
            None => true,
            Some(open) => {
                open.date != date || (open.size > 0 && open.size + batch > self.max_bytes)
            }
        };
        if stale {
            let index = match &self.current {
                Some(open) if open.date == date => open.index + 1,
                _ => last_index(&self.dir, date)?,
            };
            self.current = Some(self.open_file(date, index, batch)?);
        }
        let open = self.current.as_mut().expect("a file was opened above");
        open.file.write_all(lines)?;
        open.file.sync_data()?;
        open.size += batch;
        Ok(())
    }

    /// Opens the file of `date` at `index`, or a later one if it is full.
    fn open_file(&self, date: &str, mut index: u32, batch: u64) -> io::Result<OpenFile> {
        loop {
            let path = self.dir.join(file_name(date, index));
            let existed = path.exists();
            let file = OpenOptions::new().create(true).append(true).open(&path)?;
            let size = file.metadata()?.len();
            if size > 0 && size + batch > self.max_bytes {
                index += 1;
                continue;
            }
            if !existed {
                // Make the new directory entry durable too.
                File::open(&self.dir)?.sync_all()?;
            }
            return Ok(OpenFile {
                date: date.to_owned(),
                index,
                file,
                size,
            });
        }
    }
}

/// The name of the `index`th file of a day.
pub fn file_name(date: &str, index: u32) -> String {
    if index == 0 {
        format!("gleaner-{date}.jsonl")
    } else {
        format!("gleaner-{date}.{index}.jsonl")
    }
}

/// The highest index already used for `date` (0 when none).
fn last_index(dir: &Path, date: &str) -> io::Result<u32> {
    let prefix = format!("gleaner-{date}.");
    let mut highest = 0;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(rest) = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".jsonl"))
            && let Ok(index) = rest.parse::<u32>()
        {
            highest = highest.max(index);
        }
    }
    Ok(highest)
}

/// Cuts a torn last line off every output file of the folder.
fn repair_dir(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_output = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("gleaner-") && n.ends_with(".jsonl"))
            && path.is_file();
        if is_output && let Some(removed) = repair_file(&path)? {
            tracing::warn!(file = %path.display(), bytes = removed, "cut a torn last line left by a crash");
        }
    }
    Ok(())
}

/// Truncates `path` after its last newline; returns the bytes removed, if any.
pub fn repair_file(path: &Path) -> io::Result<Option<u64>> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(None);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(None);
    }
    // Scan backwards for the last complete line.
    let mut end = len;
    let mut keep = 0;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..usize::try_from(end - start).expect("chunk fits in the buffer")];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(pos) = chunk.iter().rposition(|b| *b == b'\n') {
            keep = start + pos as u64 + 1;
            break;
        }
        end = start;
    }
    file.set_len(keep)?;
    file.sync_all()?;
    Ok(Some(len - keep))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_by_size_and_date_without_splitting_lines() {
        let dir = tempfile::tempdir().unwrap();
        let output = Output::Files {
            dir: dir.path().to_owned(),
            max_file_bytes: 10,
        };
        let mut sink = Sink::open(&output).unwrap();
        sink.write_batch(b"aaaa\n", "2026-01-01").unwrap();
        sink.write_batch(b"bbbb\n", "2026-01-01").unwrap();
        sink.write_batch(b"cccc\n", "2026-01-01").unwrap();
        sink.write_batch(b"a very long line\n", "2026-01-01")
            .unwrap();
        sink.write_batch(b"dddd\n", "2026-01-02").unwrap();
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert_eq!(read("gleaner-2026-01-01.jsonl"), "aaaa\nbbbb\n");
        assert_eq!(read("gleaner-2026-01-01.1.jsonl"), "cccc\n");
        assert_eq!(read("gleaner-2026-01-01.2.jsonl"), "a very long line\n");
        assert_eq!(read("gleaner-2026-01-02.jsonl"), "dddd\n");
        // A new process continues after the highest index.
        drop(sink);
        let mut sink = Sink::open(&output).unwrap();
        sink.write_batch(b"eeee\n", "2026-01-01").unwrap();
        assert_eq!(read("gleaner-2026-01-01.3.jsonl"), "eeee\n");
    }

    #[test]
    fn torn_lines_are_cut_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gleaner-2026-01-01.jsonl");
        std::fs::write(&path, "{\"a\":1}\n{\"b\":").unwrap();
        let other = dir.path().join("gleaner-2026-01-02.jsonl");
        std::fs::write(&other, "{\"half").unwrap();
        let _ = Sink::open(&Output::Files {
            dir: dir.path().to_owned(),
            max_file_bytes: 1 << 20,
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\":1}\n");
        assert_eq!(std::fs::read_to_string(&other).unwrap(), "");
        assert_eq!(repair_file(&path).unwrap(), None);
    }
}
