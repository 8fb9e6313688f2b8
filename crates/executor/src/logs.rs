//! What a task wrote: the lines an executor gives back for `service logs`.

use crate::ExecError;
use std::time::SystemTime;

/// Which output a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSource {
    Stdout,
    Stderr,
}

/// One line (with its newline, if it had one) and when it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub source: LogSource,
    pub timestamp: SystemTime,
    pub data: Vec<u8>,
}

/// Which lines to give back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// Keep streaming what the task writes until it exits (or the stream is dropped).
    pub follow: bool,
    /// Only the last N lines written so far (None: all).
    pub tail: Option<usize>,
    /// Only lines written at or after this time.
    pub since: Option<SystemTime>,
}

/// A task's lines, oldest first.
pub type LogStream = futures_util::stream::BoxStream<'static, Result<LogLine, ExecError>>;
