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

pub mod csv;
pub mod duration;
pub mod jsonindent;
pub mod shlex;
pub mod strconv;
pub mod tabwriter;
pub mod template;
pub mod units;
