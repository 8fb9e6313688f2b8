//! The results: sections of rows, each row a figure for shoal and (when there is one) for
//! Docker Swarm, their ratio and the target. Rendered as an aligned text table for stdout
//! and as markdown for the results file.

use crate::stats::Samples;

/// One side of a row.
#[derive(Debug, Clone, Default)]
pub enum Cell {
    #[default]
    Empty,
    Figure(Samples),
    Text(String),
}

impl Cell {
    fn show(&self) -> String {
        match self {
            Cell::Empty => "—".into(),
            Cell::Figure(s) => s.summary(),
            Cell::Text(t) => t.clone(),
        }
    }

    fn median(&self) -> Option<f64> {
        match self {
            Cell::Figure(s) => s.median(),
            _ => None,
        }
    }
}

/// Which column a figure goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Shoal,
    Swarm,
}

/// What shoal should achieve on a row.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    None,
    /// shoal/Swarm at most this.
    RatioAtMost(f64),
    /// shoal's median below this many seconds.
    SecondsBelow(f64),
    /// shoal's value below this many bytes.
    BytesBelow(f64),
}

impl Goal {
    fn show(self) -> String {
        match self {
            Goal::None => String::new(),
            Goal::RatioAtMost(r) => format!("≤ {r}× Swarm"),
            Goal::SecondsBelow(s) => format!("< {s} s"),
            Goal::BytesBelow(b) => format!("< {:.0} MB", b / 1e6),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub shoal: Cell,
    pub swarm: Cell,
    /// The Docker Engine alone (no orchestrator), where measured.
    pub floor: Cell,
    pub goal: Goal,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        match (self.shoal.median(), self.swarm.median()) {
            (Some(a), Some(b)) if b > 0.0 => Some(a / b),
            _ => None,
        }
    }

    fn verdict(&self) -> String {
        let met = match self.goal {
            Goal::None => return String::new(),
            Goal::RatioAtMost(r) => self.ratio().map(|x| x <= r),
            Goal::SecondsBelow(s) | Goal::BytesBelow(s) => self.shoal.median().map(|x| x < s),
        };
        match met {
            Some(true) => "met".into(),
            Some(false) => "MISSED".into(),
            None => "n/a".into(),
        }
    }

    fn columns(&self, with_floor: bool) -> Vec<String> {
        let mut c = vec![self.label.clone(), self.shoal.show(), self.swarm.show()];
        if with_floor {
            c.push(self.floor.show());
        }
        c.push(
            self.ratio()
                .map(|r| format!("{r:.2}"))
                .unwrap_or_else(|| "—".into()),
        );
        c.push(self.goal.show());
        c.push(self.verdict());
        c
    }
}

#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub rows: Vec<Row>,
}

impl Section {
    fn with_floor(&self) -> bool {
        self.rows.iter().any(|r| !matches!(r.floor, Cell::Empty))
    }

    fn headings(&self) -> Vec<String> {
        let mut h = vec!["figure", "shoal", "Docker Swarm"];
        if self.with_floor() {
            h.push("Engine alone");
        }
        h.extend(["shoal/Swarm", "target", ""]);
        h.into_iter().map(String::from).collect()
    }

    fn table(&self) -> Vec<Vec<String>> {
        let f = self.with_floor();
        std::iter::once(self.headings())
            .chain(self.rows.iter().map(|r| r.columns(f)))
            .collect()
    }
}

#[derive(Debug, Default)]
pub struct Report {
    /// Lines about the machine and the run, shown before the tables.
    pub header: Vec<String>,
    pub sections: Vec<Section>,
    /// Remarks, errors and surprises, shown after the tables.
    pub notes: Vec<String>,
}

impl Report {
    /// Declares a row (fixing the order rows are shown in).
    pub fn declare(&mut self, section: &str, label: &str, goal: Goal) {
        let sec = match self.sections.iter().position(|s| s.title == section) {
            Some(i) => &mut self.sections[i],
            None => {
                self.sections.push(Section {
                    title: section.to_string(),
                    rows: Vec::new(),
                });
                self.sections.last_mut().expect("just pushed")
            }
        };
        if !sec.rows.iter().any(|r| r.label == label) {
            sec.rows.push(Row {
                label: label.to_string(),
                shoal: Cell::Empty,
                swarm: Cell::Empty,
                floor: Cell::Empty,
                goal,
            });
        }
    }

    fn row(&mut self, section: &str, label: &str) -> &mut Row {
        self.declare(section, label, Goal::None);
        let sec = self
            .sections
            .iter_mut()
            .find(|s| s.title == section)
            .expect("declared");
        sec.rows
            .iter_mut()
            .find(|r| r.label == label)
            .expect("declared")
    }

    /// Sets one side of a row (declaring it if needed).
    pub fn put(&mut self, side: Side, section: &str, label: &str, cell: Cell) {
        let row = self.row(section, label);
        match side {
            Side::Shoal => row.shoal = cell,
            Side::Swarm => row.swarm = cell,
        }
    }

    /// Sets the engine-alone figure of a row.
    pub fn put_floor(&mut self, section: &str, label: &str, cell: Cell) {
        self.row(section, label).floor = cell;
    }

    pub fn note(&mut self, s: impl Into<String>) {
        let s = s.into();
        eprintln!("shoal-bench: note: {s}");
        self.notes.push(s);
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for h in &self.header {
            out.push_str(h);
            out.push('\n');
        }
        // The first three columns line up across sections; the others per section.
        let mut common = [0usize; 3];
        for s in &self.sections {
            for cols in s.table() {
                for (w, c) in common.iter_mut().zip(&cols) {
                    *w = (*w).max(c.chars().count());
                }
            }
        }
        for s in &self.sections {
            let table = s.table();
            let mut widths = vec![0usize; table[0].len()];
            widths[..3].copy_from_slice(&common);
            for cols in &table {
                for (w, c) in widths.iter_mut().zip(cols).skip(3) {
                    *w = (*w).max(c.chars().count());
                }
            }
            out.push_str(&format!("\n== {} ==\n", s.title));
            for cols in &table {
                let mut l = String::new();
                for (i, (c, w)) in cols.iter().zip(&widths).enumerate() {
                    if i > 0 {
                        l.push_str("  ");
                    }
                    l.push_str(c);
                    l.push_str(&" ".repeat(w - c.chars().count()));
                }
                out.push_str(l.trim_end());
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
        let mut out = String::from("# shoal-bench results\n\n");
        for h in &self.header {
            out.push_str(&format!("- {h}\n"));
        }
        for s in &self.sections {
            out.push_str(&format!("\n## {}\n\n", s.title));
            for (i, cols) in s.table().into_iter().enumerate() {
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
