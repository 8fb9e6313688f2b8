//! A task container's logs, from the engine (`GET /containers/{name}/logs`).

use std::time::{SystemTime, UNIX_EPOCH};

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;

use super::engine::{message_of, status_of};
use crate::{timestamp, ExecError, LogLine, LogOptions, LogSource, LogStream};

/// The logs of container `name`, both streams, filtered by `opts`; an empty stream when there is
/// no such container. The engine prefixes each message with its RFC3339Nano time
/// (`timestamps=true`), which becomes the line's `timestamp`. `since` goes to the engine in whole
/// seconds (all its API takes here) and is applied exactly to what comes back.
pub(crate) async fn logs(
    docker: &Docker,
    name: &str,
    opts: LogOptions,
) -> Result<LogStream, ExecError> {
    // The engine's 404 would only show once the stream is polled; ask first so a missing
    // container is an empty stream, not an error.
    match docker.inspect_container(name, None).await {
        Ok(_) => {}
        Err(e) if status_of(&e) == Some(404) => return Ok(futures_util::stream::empty().boxed()),
        Err(e) => return Err(ExecError::Failed(message_of(&e))),
    }
    let tail = opts
        .tail
        .map_or_else(|| "all".to_string(), |n| n.to_string());
    let mut options = LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .timestamps(true)
        .follow(opts.follow)
        .tail(&tail);
    if let Some(since) = opts.since {
        let secs = since
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX));
        // 0 means "no since" to the engine: a since at the epoch filters nothing anyway.
        if secs > 0 {
            options = options.since(secs);
        }
    }
    let since = opts.since;
    let stream = docker
        .logs(name, Some(options.build()))
        .filter_map(move |item| async move {
            match item {
                Ok(output) => line_of(output)
                    .filter(|l| since.is_none_or(|s| l.timestamp >= s))
                    .map(Ok),
                // Removed meanwhile: its logs are gone with it.
                Err(e) if status_of(&e) == Some(404) => None,
                Err(e) => Some(Err(ExecError::Failed(message_of(&e)))),
            }
        });
    Ok(stream.boxed())
}

/// One engine frame as a line: `<RFC3339Nano> <bytes>`. A frame without a readable time (not
/// expected with `timestamps=true`) keeps all its bytes and the time it arrived.
fn line_of(output: LogOutput) -> Option<LogLine> {
    let (source, message) = match output {
        LogOutput::StdOut { message } | LogOutput::Console { message } => {
            (LogSource::Stdout, message)
        }
        LogOutput::StdErr { message } => (LogSource::Stderr, message),
        LogOutput::StdIn { .. } => return None,
    };
    Some(parse_frame(source, &message))
}

fn parse_frame(source: LogSource, message: &[u8]) -> LogLine {
    let stamped = message.iter().position(|&b| b == b' ').and_then(|space| {
        let time = std::str::from_utf8(&message[..space]).ok()?;
        Some((timestamp::parse(time)?, &message[space + 1..]))
    });
    let (timestamp, data) = stamped.unwrap_or((SystemTime::now(), message));
    LogLine {
        source,
        timestamp,
        data: data.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_engines_timestamp() {
        let line = parse_frame(LogSource::Stderr, b"2024-02-29T13:45:06.12Z oops: a b\n");
        assert_eq!(line.source, LogSource::Stderr);
        assert_eq!(line.data, b"oops: a b\n");
        assert_eq!(
            line.timestamp,
            UNIX_EPOCH + std::time::Duration::new(1_709_214_306, 120_000_000)
        );
        // No time: every byte is kept.
        let line = parse_frame(LogSource::Stdout, b"no time here\n");
        assert_eq!(line.data, b"no time here\n");
    }
}
