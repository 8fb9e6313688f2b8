//! Column alignment identical to Go's `text/tabwriter` (docker's fork),
//! which docker uses for every table it prints:
//! `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)` — min width 10, padding 3.
//!
//! Input is text whose cells are *terminated* by `\t`; the text after the
//! last tab of a line is not part of any column and is never padded. A
//! column is a run of consecutive lines that all have a cell in it; each
//! such block gets its own width (widest cell + padding, at least min
//! width), exactly as Go's elastic-tabstop algorithm computes it.

use std::fmt;

/// Buffers tab-separated text and aligns it on [`TabWriter::finish`].
#[derive(Debug, Clone)]
pub struct TabWriter {
    minwidth: usize,
    tabwidth: usize,
    padding: usize,
    padchar: char,
    align_right: bool,
    buf: String,
}

/// One cell of a line: its text and display width. (Go also records
/// whether a hard tab ended the cell, which only matters for the
/// `DiscardEmptyColumns` flag docker does not use.)
struct Cell<'a> {
    text: &'a str,
    width: usize,
}

impl<'a> Cell<'a> {
    fn new(text: &'a str) -> Self {
        Cell {
            text,
            width: display_width(text),
        }
    }
}

impl TabWriter {
    /// Same parameters as Go's `tabwriter.NewWriter` (flags 0, left-aligned).
    pub fn new(minwidth: usize, tabwidth: usize, padding: usize, padchar: char) -> Self {
        TabWriter {
            minwidth,
            tabwidth,
            padding,
            padchar,
            align_right: false,
            buf: String::new(),
        }
    }

    /// The settings docker uses for all its tables.
    pub fn docker() -> Self {
        Self::new(10, 1, 3, ' ')
    }

    /// Go's `AlignRight` flag: pad before the cell text instead of after.
    pub fn align_right(mut self, on: bool) -> Self {
        self.align_right = on;
        self
    }

    /// Appends raw text (cells end with `\t`, lines with `\n`).
    pub fn write_str(&mut self, s: &str) {
        self.buf.push_str(s);
    }

    /// Appends one line made of `cells`, tab-separated, newline-terminated;
    /// the last cell is the unpadded trailing text, as in docker's output.
    pub fn write_row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.buf.push('\t');
            }
            self.buf.push_str(cell.as_ref());
        }
        self.buf.push('\n');
    }

    /// Aligns everything written so far and returns it.
    pub fn finish(self) -> String {
        let mut out = String::with_capacity(self.buf.len() * 2);
        // A form feed ends every column, like a flush; format each section
        // on its own and write the form feed as a newline, as Go does.
        let mut sections = self.buf.split('\x0c').peekable();
        while let Some(section) = sections.next() {
            let lines = split_lines(section, sections.peek().is_none());
            self.format(&mut out, &mut Vec::new(), &lines, 0, lines.len());
            if sections.peek().is_some() {
                out.push('\n');
            }
        }
        out
    }

    /// Go's recursive `format`: finds each block of lines that have a cell
    /// in the next column, fixes that column's width for the block, and
    /// recurses to the columns right of it.
    fn format(
        &self,
        out: &mut String,
        widths: &mut Vec<usize>,
        lines: &[Vec<Cell<'_>>],
        start: usize,
        end: usize,
    ) {
        let column = widths.len();
        let mut line0 = start;
        let mut this = start;
        while this < end {
            // The last cell of a line is trailing text, not a column cell.
            if column + 1 >= lines[this].len() {
                this += 1;
                continue;
            }
            self.write_lines(out, widths, lines, line0, this);
            line0 = this;
            let mut width = self.minwidth;
            while this < end && column + 1 < lines[this].len() {
                let cell = &lines[this][column];
                width = width.max(cell.width + self.padding);
                this += 1;
            }
            widths.push(width);
            self.format(out, widths, lines, line0, this);
            widths.pop();
            line0 = this;
        }
        self.write_lines(out, widths, lines, line0, end);
    }

    fn write_lines(
        &self,
        out: &mut String,
        widths: &[usize],
        lines: &[Vec<Cell<'_>>],
        start: usize,
        end: usize,
    ) {
        for (i, line) in lines.iter().enumerate().take(end).skip(start) {
            for (j, cell) in line.iter().enumerate() {
                let width = widths.get(j).copied();
                if self.align_right {
                    if let Some(w) = width {
                        self.pad(out, cell.width, w);
                    }
                    out.push_str(cell.text);
                } else {
                    out.push_str(cell.text);
                    if let Some(w) = width {
                        self.pad(out, cell.width, w);
                    }
                }
            }
            // Every line but the final, unterminated one ends in a newline.
            if i + 1 < lines.len() {
                out.push('\n');
            }
        }
    }

    fn pad(&self, out: &mut String, text_width: usize, cell_width: usize) {
        if self.padchar == '\t' {
            // Tab padding: round the cell up to a tab stop, then emit tabs.
            if self.tabwidth == 0 {
                return;
            }
            let cell_width = cell_width.div_ceil(self.tabwidth) * self.tabwidth;
            let n = cell_width.saturating_sub(text_width);
            out.extend(std::iter::repeat_n('\t', n.div_ceil(self.tabwidth)));
            return;
        }
        out.extend(std::iter::repeat_n(
            self.padchar,
            cell_width.saturating_sub(text_width),
        ));
    }
}

impl fmt::Write for TabWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        TabWriter::write_str(self, s);
        Ok(())
    }
}

/// Splits a section into lines of cells. `final_section` tells whether an
/// unterminated last line is the end of all input; Go drops an empty
/// trailing cell there (it never saw the line end that would add it).
fn split_lines(section: &str, final_section: bool) -> Vec<Vec<Cell<'_>>> {
    let mut lines: Vec<Vec<Cell<'_>>> = Vec::new();
    let raw: Vec<&str> = section.split('\n').collect();
    for (n, raw_line) in raw.iter().enumerate() {
        let last = n + 1 == raw.len();
        let mut cells = Vec::new();
        let mut rest = *raw_line;
        // `\v` is Go's "soft" cell terminator; without flags it acts as `\t`.
        while let Some(end) = rest.find(['\t', '\x0b']) {
            cells.push(Cell::new(&rest[..end]));
            rest = &rest[end + 1..];
        }
        // A line end (or form feed) always terminates the trailing cell;
        // only the final, unterminated line may end without one.
        if !last || !final_section || !rest.is_empty() {
            cells.push(Cell::new(rest));
        }
        lines.push(cells);
    }
    lines
}

/// Aligns `text` with docker's settings.
pub fn align(text: &str) -> String {
    let mut tw = TabWriter::docker();
    tw.write_str(text);
    tw.finish()
}

/// Terminal columns a string occupies (what docker's tabwriter measures
/// with go-runewidth): East Asian wide characters count 2, combining marks
/// and control characters 0, everything else 1.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let u = c as u32;
    if u < 0x20 || (0x7f..0xa0).contains(&u) {
        return 0;
    }
    const ZERO: &[(u32, u32)] = &[
        (0x0300, 0x036f),
        (0x0483, 0x0489),
        (0x0591, 0x05bd),
        (0x0610, 0x061a),
        (0x064b, 0x065f),
        (0x200b, 0x200f),
        (0x20d0, 0x20ff),
        (0xfe00, 0xfe0f),
        (0xfe20, 0xfe2f),
    ];
    const WIDE: &[(u32, u32)] = &[
        (0x1100, 0x115f),
        (0x231a, 0x231b),
        (0x2329, 0x232a),
        (0x2e80, 0x303e),
        (0x3041, 0x33ff),
        (0x3400, 0x4dbf),
        (0x4e00, 0x9fff),
        (0xa000, 0xa4cf),
        (0xa960, 0xa97f),
        (0xac00, 0xd7a3),
        (0xf900, 0xfaff),
        (0xfe10, 0xfe19),
        (0xfe30, 0xfe6f),
        (0xff00, 0xff60),
        (0xffe0, 0xffe6),
        (0x1f300, 0x1f64f),
        (0x1f900, 0x1f9ff),
        (0x20000, 0x3fffd),
    ];
    let within = |ranges: &[(u32, u32)]| ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&u));
    if within(ZERO) {
        0
    } else if within(WIDE) {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_service_ls() {
        let text = "ID\tNAME\tMODE\tREPLICAS\tIMAGE\tPORTS\n\
                    x6kpvn0ycp4t\tweb\treplicated\t3/3\tnginx:latest\t*:8080->80/tcp\n";
        let want = "ID             NAME      MODE         REPLICAS   IMAGE          PORTS\n\
                    x6kpvn0ycp4t   web       replicated   3/3        nginx:latest   *:8080->80/tcp\n";
        assert_eq!(align(text), want);
    }

    #[test]
    fn header_only_uses_min_width() {
        // `docker service ls` with no services.
        assert_eq!(
            align("ID\tNAME\tMODE\tREPLICAS\tIMAGE\tPORTS\n"),
            "ID        NAME      MODE      REPLICAS   IMAGE     PORTS\n"
        );
    }

    #[test]
    fn table_cases() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("abc", "abc"),
            ("abc\n", "abc\n"),
            ("a\tb\n", "a         b\n"),
            // Cells are tab-terminated: the trailing text is never padded.
            ("a\tb\tc\n", "a         b         c\n"),
            ("a\t\n", "a         \n"),
            ("verylongcellvalue\tx\n", "verylongcellvalue   x\n"),
            // Unterminated final line: an empty trailing cell vanishes (Go).
            ("a\t", "a"),
            ("a\tb", "a         b"),
            // A line without tabs ends the column block.
            (
                "a\tb\nno tabs here\nlonger-than-ten\tc\n",
                "a         b\nno tabs here\nlonger-than-ten   c\n",
            ),
            // Column blocks: the `bb` column only spans the first two lines.
            (
                "aaaa\tbbb\td\naa\tb\tdd\na\naa\tcccc\teee\n",
                "aaaa      bbb       d\naa        b         dd\na\naa        cccc      eee\n",
            ),
            // Wide characters count two columns, like go-runewidth.
            ("名前\tx\nab\ty\n", "名前      x\nab        y\n"),
            ("é\tx\n", "é         x\n"),
            // Form feed flushes: columns restart after it.
            (
                "a\tb\n\x0clonglonglong\tc\n",
                "a         b\n\nlonglonglong   c\n",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(align(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn write_row_and_fmt_write() {
        use std::fmt::Write as _;
        let mut tw = TabWriter::docker();
        tw.write_row(["NAME", "DRIVER", "SCOPE"]);
        writeln!(tw, "ingress\toverlay\tswarm").unwrap();
        assert_eq!(
            tw.finish(),
            "NAME      DRIVER    SCOPE\ningress   overlay   swarm\n"
        );
    }

    #[test]
    fn other_settings() {
        let mut tw = TabWriter::new(0, 8, 1, '.').align_right(true);
        tw.write_str("a\tbbb\tc\naaaa\tb\tc\n");
        assert_eq!(tw.finish(), "....a.bbbc\n.aaaa...bc\n");
        let mut tw = TabWriter::new(0, 8, 1, '\t');
        tw.write_str("a\tb\nlonger text\tc\n");
        assert_eq!(tw.finish(), "a\t\tb\nlonger text\tc\n");
    }
}
