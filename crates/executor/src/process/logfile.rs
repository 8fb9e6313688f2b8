//! A process task's log file: the daemon reads the task's stdout and stderr pipes and appends one
//! record per line; `logs` reads the records back.
//!
//! # Format
//!
//! `<log_dir>/<task_id>.log` holds one record per line, in Kubernetes' CRI container log format
//! (so tools that read CRI logs read these files too):
//!
//! ```text
//! <timestamp> <stream> <tag> <content>\n
//! 2024-05-01T12:00:00.123456789Z stdout F hello world
//! 2024-05-01T12:00:00.123470001Z stderr F oops
//! ```
//!
//! * `timestamp`: when the daemon read the bytes from the pipe, RFC 3339 in UTC with nine
//!   fractional digits. Never decreasing from one record to the next.
//! * `stream`: `stdout` or `stderr`.
//! * `tag`: `F` when `content` ends a line (the record's newline is the line's), `P` when it is
//!   part of a line: a line longer than [`MAX_LINE`] bytes is cut into `P` records followed by an
//!   `F` one, like Docker's 16 KiB messages, and output that ends without a newline ends with a
//!   `P` record.
//! * `content`: the raw bytes, as the task wrote them (not necessarily UTF-8), never a newline.
//!
//! A [`LogLine`] read back has the content plus `\n` for an `F` record, the bare content for a
//! `P` one, so the lines of a stream concatenated are exactly what the task wrote.
//!
//! # Who writes, and when it ends
//!
//! [`pump`] copies both pipes until they close (every process holding them exited) or it is told
//! to stop, flushing the file before it reports done. [`Writers`] tells `logs` which files are
//! still being written, so that a follow ends once its writer is done and everything is read.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{ChildStderr, ChildStdout};
use tokio::sync::{oneshot, watch};

use crate::{timestamp, ExecError, LogLine, LogOptions, LogSource, LogStream};

/// Lines longer than this (without their newline) are cut into pieces of this size.
pub(crate) const MAX_LINE: usize = 16 * 1024;
/// How much is read from a pipe or the file at once.
const CHUNK: usize = 64 * 1024;
/// How often a follow looks for new records.
const POLL: Duration = Duration::from_millis(50);

// ---------------------------------------------------------------------------------------------
// Writing.

/// The log files still being written, by file stem: a follow goes on until its writer is done.
#[derive(Debug, Clone, Default)]
pub(crate) struct Writers(Arc<Mutex<HashMap<String, watch::Receiver<bool>>>>);

impl Writers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Receiver<bool>>> {
        // The map cannot be left half-updated: carry on after a panic elsewhere.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks the file `stem` as being written until the returned guard is dropped.
    pub(crate) fn register(&self, stem: &str) -> Writing {
        let (tx, rx) = watch::channel(false);
        self.lock().insert(stem.to_string(), rx);
        Writing {
            writers: self.clone(),
            stem: stem.to_string(),
            done: tx,
        }
    }

    /// The writer of `stem`, if one is at work: its value turns `true` once it is done.
    pub(crate) fn get(&self, stem: &str) -> Option<watch::Receiver<bool>> {
        self.lock().get(stem).cloned()
    }
}

/// A file being written; dropping it tells followers that everything was written.
pub(crate) struct Writing {
    writers: Writers,
    stem: String,
    done: watch::Sender<bool>,
}

impl Drop for Writing {
    fn drop(&mut self) {
        self.done.send_replace(true);
        let mut map = self.writers.lock();
        if map
            .get(&self.stem)
            .is_some_and(|rx| rx.same_channel(&self.done.subscribe()))
        {
            map.remove(&self.stem);
        }
    }
}

/// Cuts one stream's bytes into records.
struct Splitter {
    stream: &'static str,
    /// The start of a line whose end has not been read yet (at most [`MAX_LINE`] bytes between
    /// calls).
    partial: Vec<u8>,
}

impl Splitter {
    fn new(source: LogSource) -> Self {
        Self {
            stream: stream_name(source),
            partial: Vec::new(),
        }
    }

    /// Appends to `out` the records for `chunk`, read at `at`.
    fn feed(&mut self, mut chunk: &[u8], at: &str, out: &mut Vec<u8>) {
        while let Some(newline) = chunk.iter().position(|&b| b == b'\n') {
            self.partial.extend_from_slice(&chunk[..newline]);
            self.cut_long(at, out);
            record(out, at, self.stream, 'F', &self.partial);
            self.partial.clear();
            chunk = &chunk[newline + 1..];
        }
        self.partial.extend_from_slice(chunk);
        self.cut_long(at, out);
    }

    /// Writes out the pieces of a line that is already too long.
    fn cut_long(&mut self, at: &str, out: &mut Vec<u8>) {
        let mut start = 0;
        while self.partial.len() - start > MAX_LINE {
            record(
                out,
                at,
                self.stream,
                'P',
                &self.partial[start..start + MAX_LINE],
            );
            start += MAX_LINE;
        }
        self.partial.drain(..start);
    }

    /// The stream ended: writes out an unfinished last line.
    fn finish(&mut self, at: &str, out: &mut Vec<u8>) {
        if !self.partial.is_empty() {
            record(out, at, self.stream, 'P', &self.partial);
            self.partial.clear();
        }
    }
}

fn stream_name(source: LogSource) -> &'static str {
    match source {
        LogSource::Stdout => "stdout",
        LogSource::Stderr => "stderr",
    }
}

fn record(out: &mut Vec<u8>, at: &str, stream: &str, tag: char, content: &[u8]) {
    out.extend_from_slice(at.as_bytes());
    out.push(b' ');
    out.extend_from_slice(stream.as_bytes());
    out.push(b' ');
    out.push(tag as u8);
    out.push(b' ');
    out.extend_from_slice(content);
    out.push(b'\n');
}

/// Reads `pipe` into `buf` (never resolves once the pipe is gone, so `select!` ignores it).
async fn read_from<R: AsyncRead + Unpin>(
    pipe: &mut Option<R>,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    match pipe {
        Some(pipe) => pipe.read(buf).await,
        None => std::future::pending().await,
    }
}

/// Copies the task's stdout and stderr into `file` as records until both pipes are closed, or
/// until `stop` fires (or its sender is dropped); then writes out unfinished lines, flushes, and
/// drops `writing`. A file that cannot be written does not stop the copy: the task must never
/// block on a full pipe (what could not be written is lost, with a warning).
pub(crate) async fn pump(
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    mut file: tokio::fs::File,
    mut stop: oneshot::Receiver<()>,
    writing: Writing,
) {
    let mut stdout = stdout;
    let mut stderr = stderr;
    let mut out_buf = vec![0; CHUNK];
    let mut err_buf = vec![0; CHUNK];
    let mut out_lines = Splitter::new(LogSource::Stdout);
    let mut err_lines = Splitter::new(LogSource::Stderr);
    let mut last = SystemTime::UNIX_EPOCH;
    let mut batch = Vec::new();
    let mut write_failed = false;
    let mut stopping = false;
    while stdout.is_some() || stderr.is_some() {
        let (source, read) = tokio::select! {
            read = read_from(&mut stdout, &mut out_buf) => (LogSource::Stdout, read),
            read = read_from(&mut stderr, &mut err_buf) => (LogSource::Stderr, read),
            _ = &mut stop, if !stopping => {
                stopping = true;
                stdout = None;
                stderr = None;
                (LogSource::Stdout, Ok(0))
            }
        };
        // Never backwards, so the file's records are in time order even if the clock steps.
        last = last.max(SystemTime::now());
        let at = timestamp::format(last);
        let (pipe_open, lines, buf) = match source {
            LogSource::Stdout => (stdout.is_some(), &mut out_lines, &out_buf),
            LogSource::Stderr => (stderr.is_some(), &mut err_lines, &err_buf),
        };
        match read {
            Ok(n) if n > 0 => lines.feed(&buf[..n], &at, &mut batch),
            end => {
                if let Err(e) = end {
                    tracing::debug!(error = %e, "reading task output failed");
                }
                if stopping {
                    out_lines.finish(&at, &mut batch);
                    err_lines.finish(&at, &mut batch);
                } else {
                    lines.finish(&at, &mut batch);
                }
                if pipe_open {
                    match source {
                        LogSource::Stdout => stdout = None,
                        LogSource::Stderr => stderr = None,
                    }
                }
            }
        }
        if batch.is_empty() {
            continue;
        }
        let written = match file.write_all(&batch).await {
            Ok(()) => file.flush().await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            if !write_failed {
                tracing::warn!(error = %e, "writing a task's log file failed; its output is lost");
                write_failed = true;
            }
        }
        batch.clear();
    }
    let _ = file.flush().await;
    drop(writing);
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// Parses one record (without its newline); `None` if it is not one.
fn parse_record(record: &[u8]) -> Option<LogLine> {
    let mut fields = record.splitn(4, |&b| b == b' ');
    let timestamp = timestamp::parse(std::str::from_utf8(fields.next()?).ok()?)?;
    let source = match fields.next()? {
        b"stdout" => LogSource::Stdout,
        b"stderr" => LogSource::Stderr,
        _ => return None,
    };
    let tag = fields.next()?;
    let mut data = fields.next().unwrap_or_default().to_vec();
    match tag {
        b"F" => data.push(b'\n'),
        b"P" => {}
        _ => return None,
    }
    Some(LogLine {
        source,
        timestamp,
        data,
    })
}

/// A task's records from its log file, filtered by `opts`. `writer` is the file's writer, if one
/// is at work: a follow ends once it is done and all it wrote was read. A missing file has no
/// records.
///
/// `tail` and `since` both select lines: the result is the last `tail` records written so far
/// that are also at or after `since` (as with Docker); followed lines are only filtered by
/// `since`.
pub(crate) async fn read(
    path: &Path,
    opts: LogOptions,
    writer: Option<watch::Receiver<bool>>,
) -> Result<LogStream, ExecError> {
    let file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(futures_util::stream::empty().boxed())
        }
        Err(e) => {
            return Err(ExecError::Failed(format!(
                "opening log file {}: {e}",
                path.display()
            )))
        }
    };
    let reader = Reader {
        file,
        path: path.display().to_string(),
        chunk: vec![0; CHUNK],
        unparsed: Vec::new(),
        ready: VecDeque::new(),
        tail: opts.tail.map(|n| (n, VecDeque::new())),
        since: opts.since,
        follow: opts.follow,
        writer,
        ended: false,
    };
    Ok(
        futures_util::stream::unfold(reader, |mut reader| async move {
            let item = reader.next_line().await?;
            Some((item, reader))
        })
        .boxed(),
    )
}

struct Reader {
    file: tokio::fs::File,
    path: String,
    /// Read buffer.
    chunk: Vec<u8>,
    /// Bytes read but not yet parsed (an incomplete record).
    unparsed: Vec<u8>,
    /// Lines to hand out.
    ready: VecDeque<LogLine>,
    /// With a tail: how many, and the last ones seen while reading what was there at the start.
    tail: Option<(usize, VecDeque<LogLine>)>,
    since: Option<SystemTime>,
    follow: bool,
    writer: Option<watch::Receiver<bool>>,
    ended: bool,
}

impl Reader {
    fn writer_done(&self) -> bool {
        self.writer.as_ref().is_none_or(|w| *w.borrow())
    }

    async fn next_line(&mut self) -> Option<Result<LogLine, ExecError>> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                return Some(Ok(line));
            }
            if self.ended {
                return None;
            }
            // Looked at before reading: if the writer was done then, this read sees it all.
            let writer_done = self.writer_done();
            let n = match self.file.read(&mut self.chunk).await {
                Ok(n) => n,
                Err(e) => {
                    self.ended = true;
                    return Some(Err(ExecError::Failed(format!(
                        "reading log file {}: {e}",
                        self.path
                    ))));
                }
            };
            if n > 0 {
                self.unparsed.extend_from_slice(&self.chunk[..n]);
                self.parse_complete();
                continue;
            }
            // At the end of the file.
            if writer_done && !self.unparsed.is_empty() {
                // A record cut short (a daemon that died mid-write): keep what it has.
                let rest = std::mem::take(&mut self.unparsed);
                self.take(&rest);
            }
            if let Some((_, last)) = self.tail.take() {
                // What was there at the start is read: the tail, then new lines.
                let since = self.since;
                self.ready.extend(
                    last.into_iter()
                        .filter(|l| since.is_none_or(|s| l.timestamp >= s)),
                );
            }
            if !self.follow || writer_done {
                self.ended = true;
                continue;
            }
            let mut writer = self.writer.clone();
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = async { if let Some(w) = &mut writer { let _ = w.changed().await; } } => {}
            }
        }
    }

    /// Parses the complete records in `unparsed`.
    fn parse_complete(&mut self) {
        let Some(end) = self.unparsed.iter().rposition(|&b| b == b'\n') else {
            return;
        };
        let complete: Vec<u8> = self.unparsed.drain(..=end).collect();
        for record in complete[..end].split(|&b| b == b'\n') {
            self.take(record);
        }
    }

    fn take(&mut self, record: &[u8]) {
        let Some(line) = parse_record(record) else {
            if !record.is_empty() {
                tracing::debug!(path = %self.path, "skipping a malformed log record");
            }
            return;
        };
        match &mut self.tail {
            Some((n, last)) => {
                if *n > 0 {
                    if last.len() == *n {
                        last.pop_front();
                    }
                    last.push_back(line);
                }
            }
            None => {
                if self.since.is_none_or(|s| line.timestamp >= s) {
                    self.ready.push_back(line);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: &str = "2024-02-29T13:45:06.000000789Z";

    fn records(source: LogSource, chunks: &[&[u8]], finish: bool) -> String {
        let mut splitter = Splitter::new(source);
        let mut out = Vec::new();
        for chunk in chunks {
            splitter.feed(chunk, AT, &mut out);
        }
        if finish {
            splitter.finish(AT, &mut out);
        }
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn one_record_per_line_across_chunks() {
        assert_eq!(
            records(LogSource::Stdout, &[b"a\nb", b"c\n\nd"], true),
            format!("{AT} stdout F a\n{AT} stdout F bc\n{AT} stdout F \n{AT} stdout P d\n")
        );
        assert_eq!(
            records(LogSource::Stderr, &[b"x", b"y"], false),
            "",
            "an unfinished line waits for its end"
        );
    }

    #[test]
    fn long_lines_are_cut() {
        let line = vec![b'a'; 2 * MAX_LINE + 5];
        let mut splitter = Splitter::new(LogSource::Stdout);
        let mut out = Vec::new();
        for piece in line.chunks(1000) {
            splitter.feed(piece, AT, &mut out);
        }
        splitter.feed(b"\n", AT, &mut out);
        let lines: Vec<LogLine> = out
            .split(|&b| b == b'\n')
            .filter(|r| !r.is_empty())
            .map(|r| parse_record(r).expect("record"))
            .collect();
        let sizes: Vec<usize> = lines.iter().map(|l| l.data.len()).collect();
        assert_eq!(sizes, [MAX_LINE, MAX_LINE, 6]);
        let joined: Vec<u8> = lines.into_iter().flat_map(|l| l.data).collect();
        assert_eq!(joined.len(), line.len() + 1);

        // Exactly MAX_LINE bytes is still one line.
        let exact = [vec![b'b'; MAX_LINE], b"\n".to_vec()].concat();
        let text = records(LogSource::Stdout, &[&exact], true);
        assert_eq!(text.matches(" F ").count(), 1);
        assert_eq!(text.matches(" P ").count(), 0);
    }

    #[test]
    fn parses_records() {
        let t = timestamp::parse(AT).expect("time");
        assert_eq!(
            parse_record(format!("{AT} stderr F oops: a b").as_bytes()),
            Some(LogLine {
                source: LogSource::Stderr,
                timestamp: t,
                data: b"oops: a b\n".to_vec()
            })
        );
        assert_eq!(
            parse_record(format!("{AT} stdout P ").as_bytes()).map(|l| l.data),
            Some(Vec::new())
        );
        assert_eq!(
            parse_record(format!("{AT} stdout F").as_bytes()).map(|l| l.data),
            Some(b"\n".to_vec())
        );
        assert_eq!(parse_record(b"hello world"), None);
        assert_eq!(parse_record(format!("{AT} stdin F x").as_bytes()), None);
        assert_eq!(parse_record(format!("{AT} stdout X x").as_bytes()), None);
    }
}
