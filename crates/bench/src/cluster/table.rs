//! The cluster results: sections of rows, each a figure's p50 and p95 over its trials (with
//! min–max and n), the reference figure of another orchestrator, shoal's p50 as a ratio of
//! that reference, and the goal with a verdict. Rendered as aligned text and as markdown.

use crate::stats::{Samples, Unit};

/// What shoal should achieve on a row, in the row's unit.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    None,
    /// Below this value (seconds, bytes).
    Below(f64),
    /// At least this value (rates).
    AtLeast(f64),
}

#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub samples: Samples,
    /// Another orchestrator's figure: how it reads, and its value in the row's unit (for the
    /// ratio), if it is one number.
    pub reference: Option<(String, Option<f64>)>,
    pub goal: Goal,
}

impl Row {
    pub fn new(label: impl Into<String>, samples: Samples) -> Row {
        Row {
            label: label.into(),
            samples,
            reference: None,
            goal: Goal::None,
        }
    }

    pub fn reference(mut self, text: &str, value: Option<f64>) -> Row {
        self.reference = Some((text.to_string(), value));
        self
    }

    pub fn goal(mut self, goal: Goal) -> Row {
        self.goal = goal;
        self
    }

    fn fmt(&self, x: Option<f64>) -> String {
        x.map(|x| self.samples.fmt_value(x))
            .unwrap_or_else(|| "—".into())
    }

    fn goal_text(&self) -> String {
        match self.goal {
            Goal::None => String::new(),
            Goal::Below(x) => format!("< {}", self.samples.fmt_value(x)),
            Goal::AtLeast(x) => format!("≥ {}", self.samples.fmt_value(x)),
        }
    }

    /// Against the goal: p50 and p95 for "below", p50 for "at least".
    fn verdict(&self) -> String {
        let (p50, p95) = (self.samples.percentile(0.5), self.samples.percentile(0.95));
        let timeouts = self.samples.timeouts();
        match (self.goal, p50, p95) {
            (Goal::None, _, _) => String::new(),
            (_, None, _) | (_, _, None) => "n/a".into(),
            (Goal::Below(g), Some(a), Some(b)) => match (a < g, b < g && timeouts == 0) {
                (true, true) => "met".into(),
                (true, false) => "met at p50, not p95".into(),
                _ => "MISSED".into(),
            },
            (Goal::AtLeast(g), Some(a), _) => if a >= g { "met" } else { "MISSED" }.into(),
        }
    }

    fn columns(&self) -> Vec<String> {
        let s = &self.samples;
        let n = s.values.len();
        let spread = match (s.range(), s.timeouts()) {
            (_, t) if t > 0 => format!("{t} of {n} timed out"),
            (Some((lo, hi)), _) => format!("{}–{}, n={n}", s.fmt_value(lo), s.fmt_value(hi)),
            (None, _) => format!("n={n}"),
        };
        let (reference, ratio) = match &self.reference {
            None => (String::new(), None),
            Some((text, value)) => (
                text.clone(),
                value
                    .zip(s.percentile(0.5))
                    .filter(|(r, _)| *r > 0.0)
                    .map(|(r, p)| p / r),
            ),
        };
        let ratio = match ratio {
            Some(r) if s.unit == Unit::PerSecond => format!("{r:.1}×"),
            Some(r) => format!("{r:.3}"),
            None => "—".into(),
        };
        vec![
            self.label.clone(),
            self.fmt(s.percentile(0.5)),
            self.fmt(s.percentile(0.95)),
            spread,
            reference,
            ratio,
            self.goal_text(),
            self.verdict(),
        ]
    }
}

const HEADINGS: [&str; 8] = [
    "figure",
    "p50",
    "p95",
    "min–max",
    "reference",
    "p50/ref",
    "goal",
    "",
];

#[derive(Debug, Default)]
pub struct Table {
    /// The markdown's heading.
    pub title: String,
    /// Lines about the machine and the run.
    pub header: Vec<String>,
    pub sections: Vec<(String, Vec<Row>)>,
    pub notes: Vec<String>,
}

impl Table {
    pub fn push(&mut self, section: &str, row: Row) {
        match self.sections.iter_mut().find(|(t, _)| t == section) {
            Some((_, rows)) => rows.push(row),
            None => self.sections.push((section.to_string(), vec![row])),
        }
    }

    pub fn note(&mut self, s: impl Into<String>) {
        let s = s.into();
        eprintln!("shoal-bench: note: {s}");
        self.notes.push(s);
    }

    fn grid(rows: &[Row]) -> Vec<Vec<String>> {
        std::iter::once(HEADINGS.iter().map(|h| h.to_string()).collect())
            .chain(rows.iter().map(Row::columns))
            .collect()
    }

    pub fn to_text(&self) -> String {
        let mut out = self.header.join("\n");
        out.push('\n');
        for (title, rows) in &self.sections {
            let grid = Table::grid(rows);
            let mut widths = [0usize; HEADINGS.len()];
            for cols in &grid {
                for (w, c) in widths.iter_mut().zip(cols) {
                    *w = (*w).max(c.chars().count());
                }
            }
            out.push_str(&format!("\n== {title} ==\n"));
            for cols in &grid {
                let line: Vec<String> = cols
                    .iter()
                    .zip(widths)
                    .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                    .collect();
                out.push_str(line.join("  ").trim_end());
                out.push('\n');
            }
        }
        if !self.notes.is_empty() {
            out.push_str("\nNotes:\n");
            for n in &self.notes {
                out.push_str(&format!("- {n}\n"));
            }
        }
        out
    }

    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        for h in &self.header {
            out.push_str(&format!("- {h}\n"));
        }
        for (title, rows) in &self.sections {
            out.push_str(&format!("\n## {title}\n\n"));
            for (i, cols) in Table::grid(rows).into_iter().enumerate() {
                let cols: Vec<String> = cols.iter().map(|c| c.replace('|', "\\|")).collect();
                out.push_str(&format!("| {} |\n", cols.join(" | ")));
                if i == 0 {
                    out.push_str(&format!("|{}\n", "---|".repeat(cols.len())));
                }
            }
        }
        if !self.notes.is_empty() {
            out.push_str("\n## Notes\n\n");
            for n in &self.notes {
                out.push_str(&format!("- {}\n", n.replace('\n', " ")));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_with_reference_and_goal() {
        let mut s = Samples::new(Unit::Seconds);
        for x in [0.4, 0.5, 0.6, 2.0] {
            s.values.push(Some(x));
        }
        let r = Row::new("failover", s)
            .reference("Swarm 10–19 s", Some(10.0))
            .goal(Goal::Below(1.0));
        let c = r.columns();
        assert_eq!(c[1], "550 ms");
        assert_eq!(c[3], "400 ms–2.00 s, n=4");
        assert_eq!(c[5], "0.055");
        assert_eq!(c[7], "met at p50, not p95");
        let mut t = Table::default();
        t.push("A", r);
        assert!(t.to_markdown().contains("| failover | 550 ms |"));
    }
}
