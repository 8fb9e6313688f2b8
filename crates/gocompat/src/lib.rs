//! Go and docker text conventions, reimplemented so shoal's CLI prints and
//! parses exactly what the `docker` CLI does (same output, same error text).
//!
//! Each module stands for one Go library: [`template`] for `text/template`
//! plus docker's `--format` conventions, [`tabwriter`] for docker's fork of
//! `text/tabwriter`, [`duration`] for `time.Duration` and go-units' human
//! ages, [`strconv`] for `strconv`'s parsing and quoting, [`units`] for
//! go-units sizes and `big.Rat` CPU counts, [`shlex`] for google/shlex,
//! [`csv`] for one `encoding/csv` record and [`jsonindent`] for
//! `json.Indent` / `json.Compact`.
//!
//! Nothing here talks to a daemon or knows shoal's API types.
//!
//! Why not existing crates (tried against this crate's tests):
//! - `tabwriter` 1.4 passes a form feed through instead of flushing on it
//!   and has no pad-character setting, so the tables tests fail;
//!   `unicode-width` 0.2 gives another width than our go-runewidth table
//!   for 16,180 code points (e.g. U+00AD), which would move columns.
//! - `gotmpl` 0.6 differs from Go plus docker on 20 of the 87 template
//!   tests that need no docker function (`1000000` instead of `1e+06`,
//!   int/float comparisons fail, other error text), and needs Rust 1.89
//!   where the workspace says 1.85.

pub mod csv;
pub mod duration;
pub mod jsonindent;
pub mod shlex;
pub mod strconv;
pub mod tabwriter;
pub mod template;
pub mod units;
