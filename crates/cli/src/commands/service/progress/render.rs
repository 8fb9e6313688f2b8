//! Draws progress messages like docker's `jsonmessage` display. On a
//! terminal each tracked line is redrawn in place (cursor up, erase,
//! rewrite, cursor down) and state lines get a 50-step bar when the
//! terminal is wider than 110 columns. Elsewhere, lines with a bar are
//! left out and the rest printed plainly; unlike docker, a line identical
//! to the one last printed for the same ID is not repeated, so logs of a
//! run do not fill with copies of "overall progress: 0 out of 3 tasks".

use super::msg::Msg;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Renderer {
    /// Terminal width; `None` when not a terminal.
    width: Option<u16>,
    /// Tracked IDs and the line each occupies, counted from the first.
    lines: HashMap<String, usize>,
    /// Off a terminal: the last text printed per ID.
    last: HashMap<String, String>,
}

impl Renderer {
    pub fn new(term_width: Option<u16>) -> Renderer {
        Renderer {
            width: term_width,
            lines: HashMap::new(),
            last: HashMap::new(),
        }
    }

    /// The bytes to write for one message.
    pub fn render(&mut self, msg: &Msg) -> String {
        match msg {
            Msg::Status { id, text } => {
                // Anything untracked ends the group of redrawable lines.
                self.lines.clear();
                self.last.clear();
                format!("{}{text}\n", prefix(id))
            }
            Msg::Progress { id, action, bar } => match self.width {
                Some(width) => self.render_tty(id, action, *bar, width),
                None => self.render_plain(id, action, *bar),
            },
        }
    }

    fn render_tty(
        &mut self,
        id: &str,
        action: &str,
        bar: Option<(i64, i64)>,
        width: u16,
    ) -> String {
        let mut out = String::new();
        let mut diff = 0;
        if !id.is_empty() {
            let count = self.lines.len();
            let line = *self.lines.entry(id.to_string()).or_insert_with(|| {
                // A new line: move below the existing ones first.
                out.push('\n');
                count
            });
            diff = self.lines.len() - line;
            out.push_str(&cursor_up(diff));
        }
        out.push_str("\x1b[2K\r");
        out.push_str(&prefix(id));
        out.push_str(&format!("{action} {}\r", bar_text(bar, width)));
        if !id.is_empty() {
            out.push_str(&cursor_down(diff));
        }
        out
    }

    fn render_plain(&mut self, id: &str, action: &str, bar: Option<(i64, i64)>) -> String {
        // Off a terminal docker measures as if 200 columns wide, so any
        // line with a bar is dropped.
        if !bar_text(bar, 200).is_empty() {
            return String::new();
        }
        let line = format!("{}{action}\n", prefix(id));
        if self.last.get(id) == Some(&line) {
            return String::new();
        }
        self.last.insert(id.to_string(), line.clone());
        line
    }
}

fn prefix(id: &str) -> String {
    if id.is_empty() {
        String::new()
    } else {
        format!("{id}: ")
    }
}

fn cursor_up(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("\x1b[{n}A")
    }
}

fn cursor_down(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("\x1b[{n}B")
    }
}

/// docker's `JSONProgress.String()` with counts hidden: a bar of 50 steps
/// plus a space, shown only on terminals wider than 110 columns.
fn bar_text(bar: Option<(i64, i64)>, width: u16) -> String {
    let Some((current, total)) = bar else {
        return String::new();
    };
    if current <= 0 && total <= 0 {
        return String::new();
    }
    if total <= 0 || width <= 110 {
        return String::new();
    }
    let pct = ((current as f64 / total as f64 * 100.0) as i64 / 2).clamp(0, 50) as usize;
    format!("[{}>{}] ", "=".repeat(pct), " ".repeat(50 - pct))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars() {
        assert_eq!(
            bar_text(Some((9, 9)), 200),
            format!("[{}>] ", "=".repeat(50))
        );
        assert_eq!(
            bar_text(Some((3, 9)), 200),
            format!("[{}>{}] ", "=".repeat(16), " ".repeat(34))
        );
        assert_eq!(bar_text(Some((9, 9)), 100), "");
        assert_eq!(bar_text(None, 200), "");
        assert_eq!(bar_text(Some((0, 0)), 200), "");
    }

    #[test]
    fn terminal_redraws_in_place() {
        let mut r = Renderer::new(Some(200));
        let a = r.render(&Msg::progress("overall progress", "0 out of 1 tasks"));
        assert_eq!(
            a,
            "\n\x1b[1A\x1b[2K\roverall progress: 0 out of 1 tasks \r\x1b[1B"
        );
        let b = r.render(&Msg::progress("1/1", " "));
        assert_eq!(b, "\n\x1b[1A\x1b[2K\r1/1:   \r\x1b[1B");
        let c = r.render(&Msg::bar("1/1", "running  ", 9, 9));
        assert_eq!(
            c,
            format!(
                "\x1b[1A\x1b[2K\r1/1: running   [{}>] \r\x1b[1B",
                "=".repeat(50)
            )
        );
        let d = r.render(&Msg::progress("overall progress", "1 out of 1 tasks"));
        assert_eq!(
            d,
            "\x1b[2A\x1b[2K\roverall progress: 1 out of 1 tasks \r\x1b[2B"
        );
        let e = r.render(&Msg::status("rollback", "rollback completed"));
        assert_eq!(e, "rollback: rollback completed\n");
    }

    #[test]
    fn narrow_terminal_has_no_bar() {
        let mut r = Renderer::new(Some(80));
        let _ = r.render(&Msg::progress("1/1", " "));
        let c = r.render(&Msg::bar("1/1", "running  ", 9, 9));
        assert_eq!(c, "\x1b[1A\x1b[2K\r1/1: running   \r\x1b[1B");
    }

    #[test]
    fn plain_output_skips_bars_and_repeats() {
        let mut r = Renderer::new(None);
        let mut out = String::new();
        for m in [
            Msg::progress("overall progress", "0 out of 1 tasks"),
            Msg::progress("1/1", " "),
            Msg::progress("overall progress", "0 out of 1 tasks"),
            Msg::bar("1/1", "starting ", 8, 9),
            Msg::progress("1/1", "task: non-zero exit (1)"),
            Msg::progress("overall progress", "1 out of 1 tasks"),
            Msg::progress(
                "verify",
                "Waiting 5 seconds to verify that tasks are stable...",
            ),
            Msg::progress(
                "verify",
                "Waiting 5 seconds to verify that tasks are stable...",
            ),
            Msg::progress("verify", "Service web converged"),
        ] {
            out.push_str(&r.render(&m));
        }
        assert_eq!(
            out,
            "overall progress: 0 out of 1 tasks\n1/1:  \n1/1: task: non-zero exit (1)\n\
             overall progress: 1 out of 1 tasks\n\
             verify: Waiting 5 seconds to verify that tasks are stable...\n\
             verify: Service web converged\n"
        );
    }
}
