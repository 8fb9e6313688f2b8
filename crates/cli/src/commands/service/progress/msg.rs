//! The messages the progress monitor emits, mirroring the JSON messages
//! docker's monitor writes to its display: a `Progress` line is tracked
//! by its ID and redrawn in place on a terminal; a `Status` line is
//! printed once and ends the current group of tracked lines.

use shoal_api::TaskState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Progress {
        id: String,
        action: String,
        /// `(current, total)` for a bar; `None` for a text-only line.
        bar: Option<(i64, i64)>,
    },
    Status {
        id: String,
        text: String,
    },
}

impl Msg {
    pub fn progress(id: impl Into<String>, action: impl Into<String>) -> Msg {
        Msg::Progress {
            id: id.into(),
            action: action.into(),
            bar: None,
        }
    }

    pub fn bar(id: impl Into<String>, action: impl Into<String>, current: i64, total: i64) -> Msg {
        Msg::Progress {
            id: id.into(),
            action: action.into(),
            bar: Some((current, total)),
        }
    }

    pub fn status(id: impl Into<String>, text: impl Into<String>) -> Msg {
        Msg::Status {
            id: id.into(),
            text: text.into(),
        }
    }
}

/// docker's `numberedStates`: the position of a state in the progress bar
/// (running is 9 of 9); 0 for states the monitor ignores.
pub fn numbered(state: TaskState) -> i64 {
    match state {
        TaskState::New => 1,
        TaskState::Pending => 3,
        TaskState::Assigned => 4,
        TaskState::Accepted => 5,
        TaskState::Preparing => 6,
        TaskState::Ready => 7,
        TaskState::Starting => 8,
        TaskState::Running => 9,
        TaskState::Complete => 10,
        TaskState::Shutdown => 11,
        TaskState::Failed => 12,
        TaskState::Rejected => 13,
        TaskState::Remove | TaskState::Orphaned => 0,
    }
}

/// Past running (complete, shutdown, failed, rejected).
pub fn terminal(state: TaskState) -> bool {
    numbered(state) > numbered(TaskState::Running)
}

/// Bars fill to this step (running).
pub const MAX_PROGRESS: i64 = 9;
/// Job bars fill to complete.
pub const MAX_JOB_PROGRESS: i64 = 10;
/// Above this many slots or nodes, no per-task lines are drawn.
pub const MAX_PROGRESS_BARS: u64 = 20;
/// State names are padded to the longest shown ("allocated", "preparing").
pub const LONGEST_STATE: usize = 9;

/// A state padded for alignment, as docker's `%-9s`.
pub fn padded_state(state: TaskState) -> String {
    format!("{:<width$}", state.as_str(), width = LONGEST_STATE)
}

/// A task error on one line and at most 75 characters.
pub fn trunc_error(err: &str) -> String {
    let one_line = err.replace('\n', " ");
    const MAX: usize = 75;
    if one_line.len() > MAX {
        let mut cut = MAX - 1;
        while !one_line.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}…", &one_line[..cut])
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        assert_eq!(padded_state(TaskState::Running), "running  ");
        assert_eq!(padded_state(TaskState::Preparing), "preparing");
        assert!(terminal(TaskState::Failed));
        assert!(!terminal(TaskState::Running));
        assert!(!terminal(TaskState::Remove));
    }

    #[test]
    fn errors_are_cut() {
        assert_eq!(trunc_error("a\nb"), "a b");
        let long = "x".repeat(80);
        assert_eq!(trunc_error(&long), format!("{}…", "x".repeat(74)));
    }
}
