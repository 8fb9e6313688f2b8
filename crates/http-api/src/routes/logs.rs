//! `GET /services/{id}/logs` and `GET /tasks/{id}/logs`: the lines of a service's tasks (or
//! one task's), as Docker's multiplexed stream: one frame per line, an 8-byte header (stream
//! 1 stdout / 2 stderr, then the payload length, big-endian) before it.
//!
//! The payload is the line, after `details` the task's context as `key=value` pairs (the
//! docker CLI always asks for them and prints `name.slot.id@node | line` from them), after
//! `timestamps` the time in RFC 3339 with nine fraction digits, as dockerd writes them.

use crate::body::{flag, Query};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, Query as Q, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use shoal_api::logs::{LogMessage, LogStreamKind};
use shoal_api::Timestamp;
use shoal_manager::control::logs::{self, Options, Target};

pub async fn service(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<Query>,
) -> ApiResult<Response> {
    serve(st, Target::Service(&id), &q)
}

pub async fn task(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<Query>,
) -> ApiResult<Response> {
    serve(st, Target::Task(&id), &q)
}

/// What to write, from the query.
struct Format {
    stdout: bool,
    stderr: bool,
    timestamps: bool,
    details: bool,
}

fn serve(st: AppState, target: Target<'_>, q: &Query) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let format = Format {
        stdout: flag(q, "stdout"),
        stderr: flag(q, "stderr"),
        timestamps: flag(q, "timestamps"),
        details: flag(q, "details"),
    };
    if !format.stdout && !format.stderr {
        return Err(ApiError::bad_request(
            "Bad parameters: you must choose at least one stream",
        ));
    }
    let opts = Options {
        follow: flag(q, "follow"),
        tail: tail(q.get("tail").map(String::as_str))?,
        since: since(q.get("since").map(String::as_str))?,
    };
    let rx = logs::logs(&m, target, opts)?;
    let frames = futures_util::stream::unfold(rx, move |mut rx| {
        let format = Format { ..format };
        async move {
            loop {
                let msg = rx.recv().await?;
                let wanted = match msg.stream {
                    LogStreamKind::Stdout => format.stdout,
                    LogStreamKind::Stderr => format.stderr,
                };
                if wanted {
                    let bytes = frame(&msg, format.timestamps, format.details);
                    return Some((Ok::<_, std::io::Error>(bytes), rx));
                }
            }
        }
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(
            header::CONTENT_TYPE,
            "application/vnd.docker.multiplexed-stream",
        )
        .body(Body::from_stream(frames))
        .map_err(|e| ApiError::new(500, e.to_string()))
}

/// `tail`: "all" (or nothing) for everything, else a count.
fn tail(v: Option<&str>) -> Result<Option<u64>, ApiError> {
    match v {
        None | Some("") | Some("all") => Ok(None),
        Some(n) => n.parse().map(Some).map_err(|_| {
            ApiError::bad_request(format!(
                "invalid value for \"tail\": {n:?}: give a number or all"
            ))
        }),
    }
}

/// `since`: Unix seconds with an optional fraction (what the docker CLI sends).
fn since(v: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    let Some(v) = v.filter(|v| !v.is_empty() && *v != "0") else {
        return Ok(None);
    };
    let bad = || ApiError::bad_request(format!("invalid value for \"since\": {v:?}"));
    let (secs, frac) = v.split_once('.').unwrap_or((v, ""));
    let secs: i64 = secs.parse().map_err(|_| bad())?;
    let mut nanos = 0i64;
    if !frac.is_empty() {
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        nanos = format!("{frac:0<9}").parse().map_err(|_| bad())?;
    }
    Ok(Some(Timestamp(secs * 1_000_000_000 + nanos)))
}

/// One frame of the multiplexed stream for `msg`.
fn frame(msg: &LogMessage, timestamps: bool, details: bool) -> Vec<u8> {
    let mut payload = String::new();
    if timestamps {
        payload.push_str(&fixed_rfc3339(msg.timestamp));
        payload.push(' ');
    }
    if details {
        payload.push_str(&format!(
            "com.docker.swarm.node.id={},com.docker.swarm.service.id={},com.docker.swarm.task.id={} ",
            msg.node_id, msg.service_id, msg.task_id
        ));
    }
    payload.push_str(&msg.data);
    if !payload.ends_with('\n') {
        payload.push('\n');
    }
    let kind: u8 = match msg.stream {
        LogStreamKind::Stdout => 1,
        LogStreamKind::Stderr => 2,
    };
    let mut out = Vec::with_capacity(8 + payload.len());
    out.extend_from_slice(&[kind, 0, 0, 0]);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload.as_bytes());
    out
}

/// RFC 3339 in UTC with exactly nine fraction digits (Go's `RFC3339NanoFixed`).
fn fixed_rfc3339(t: Timestamp) -> String {
    let s = t.to_rfc3339();
    // to_rfc3339 trims the fraction; pad it back to nine digits.
    let body = s.trim_end_matches('Z');
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    format!("{whole}.{frac:0<9}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> LogMessage {
        LogMessage {
            task_id: "t1".into(),
            node_id: "n1".into(),
            service_id: "s1".into(),
            timestamp: Timestamp(1_700_000_000_500_000_000),
            stream: LogStreamKind::Stderr,
            data: "oops".into(),
        }
    }

    #[test]
    fn frames_carry_stream_length_details_and_time() {
        let f = frame(&msg(), true, true);
        assert_eq!(&f[..4], &[2, 0, 0, 0]);
        let len = u32::from_be_bytes([f[4], f[5], f[6], f[7]]) as usize;
        assert_eq!(len, f.len() - 8);
        let text = std::str::from_utf8(&f[8..]).unwrap();
        assert_eq!(
            text,
            "2023-11-14T22:13:20.500000000Z com.docker.swarm.node.id=n1,\
             com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 oops\n"
        );
        let plain = frame(&msg(), false, false);
        assert_eq!(&plain[8..], b"oops\n");
    }

    #[test]
    fn tail_and_since_parse_like_dockerd() {
        assert_eq!(tail(Some("all")).unwrap(), None);
        assert_eq!(tail(Some("3")).unwrap(), Some(3));
        assert!(tail(Some("x")).is_err());
        assert_eq!(since(Some("0")).unwrap(), None);
        assert_eq!(
            since(Some("1700000000.25")).unwrap(),
            Some(Timestamp(1_700_000_000_250_000_000))
        );
        assert!(since(Some("yesterday")).is_err());
    }
}
