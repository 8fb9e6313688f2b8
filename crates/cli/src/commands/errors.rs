//! docker's error conventions for the CLI itself (not the daemon's): a
//! bad flag value exits 125 with the usage line, a wrong argument count
//! names the command, and some errors carry their own exit status.
//!
//! Commands fail with a [`CliError`], which says what to print and the
//! exit status: a [`StatusError`] keeps its own, anything else exits 1.

use shoal_gocompat::strconv::quote as go_quote;
use std::fmt;
use std::io::{self, Write};

/// What commands return: `?` turns a [`StatusError`] into its own case,
/// and any error `anyhow` accepts into [`CliError::Other`].
pub type CliResult<T = ()> = Result<T, CliError>;

/// An error printed exactly as its message, exiting with `code` (docker's
/// `cli.StatusError`). An empty message prints nothing.
///
/// Deliberately not a `std::error::Error`: it cannot slip into an
/// `anyhow::Error` (where its code would be lost), only into a
/// [`CliError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusError {
    pub message: String,
    pub code: i32,
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StatusError {
    pub fn new(code: i32, message: impl Into<String>) -> StatusError {
        StatusError {
            message: message.into(),
            code,
        }
    }
}

/// Why a client command failed, with the process exit status that follows.
///
/// Not a `std::error::Error` either, so that the blanket conversion from
/// everything `anyhow` accepts does not clash with `From<T> for T`.
#[derive(Debug)]
pub enum CliError {
    /// Printed as its message (nothing when empty), exit status its code.
    Status(StatusError),
    /// Printed as is (its text is docker's, e.g. `Error response from
    /// daemon: ...`), exit status 1.
    Other(anyhow::Error),
}

impl CliError {
    /// The process exit status, as docker's: a status error's own code
    /// (clamped to 0..=255), 1 for anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Status(s) => s.code.clamp(0, 255) as u8,
            CliError::Other(_) => 1,
        }
    }

    /// The status error, when that is what this is.
    pub fn status(&self) -> Option<&StatusError> {
        match self {
            CliError::Status(s) => Some(s),
            CliError::Other(_) => None,
        }
    }

    /// Writes the error for the user, one line ending in a newline; a
    /// status error with an empty message writes nothing.
    pub fn report(&self, to: &mut dyn Write) -> io::Result<()> {
        if let CliError::Status(s) = self {
            if s.message.is_empty() {
                return Ok(());
            }
        }
        to.write_all(format!("{self}\n").as_bytes())?;
        to.flush()
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Status(s) => f.write_str(&s.message),
            CliError::Other(e) => write!(f, "{e}"),
        }
    }
}

impl From<StatusError> for CliError {
    fn from(e: StatusError) -> CliError {
        CliError::Status(e)
    }
}

impl<E: Into<anyhow::Error>> From<E> for CliError {
    fn from(e: E) -> CliError {
        CliError::Other(e.into())
    }
}

/// How a command is invoked, for error messages: `path` is
/// `shoal service create`, `line` its usage line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub path: &'static str,
    pub line: &'static str,
}

impl Usage {
    pub const fn new(path: &'static str, line: &'static str) -> Usage {
        Usage { path, line }
    }

    /// docker's flag error: `invalid argument "x" for "--replicas" flag: <why>`
    /// plus the usage, exit status 125. `flag` is as pflag names it
    /// (`--replicas`, or `-e, --env` when there is a shorthand).
    pub fn flag_error(&self, flag: &str, value: &str, why: impl fmt::Display) -> StatusError {
        self.bad_flags(format!(
            "invalid argument {} for {} flag: {why}",
            go_quote(value),
            go_quote(flag)
        ))
    }

    /// Any other flag-parsing failure, worded by the caller (exit 125).
    pub fn bad_flags(&self, message: impl fmt::Display) -> StatusError {
        StatusError::new(
            125,
            format!(
                "{message}\n\nUsage:  {}\n\nRun '{} --help' for more information",
                self.line, self.path
            ),
        )
    }

    /// Checks the number of positional arguments like docker's
    /// `cli.RequiresMinArgs` / `ExactArgs` / `NoArgs` / `RequiresMaxArgs`.
    pub fn check_args(&self, n: usize, min: usize, max: Option<usize>) -> anyhow::Result<()> {
        let plural = |k: usize| if k == 1 { "argument" } else { "arguments" };
        let msg = match max {
            Some(0) if n > 0 => format!("shoal: '{}' accepts no arguments", self.path),
            Some(m) if m == min && n != m => {
                format!("shoal: '{}' requires {m} {}", self.path, plural(m))
            }
            _ if n < min => format!(
                "shoal: '{}' requires at least {min} {}",
                self.path,
                plural(min)
            ),
            Some(m) if n > m => {
                format!("shoal: '{}' requires at most {m} {}", self.path, plural(m))
            }
            _ => return Ok(()),
        };
        let hint = if n < min && max != Some(min) {
            "See"
        } else {
            "Run"
        };
        Err(anyhow::anyhow!(
            "{msg}\n\nUsage:  {}\n\n{hint} '{} --help' for more information",
            self.line,
            self.path
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: Usage = Usage::new(
        "shoal service create",
        "shoal service create [OPTIONS] IMAGE [COMMAND] [ARG...]",
    );

    #[test]
    fn flag_errors_read_like_docker() {
        let e = CREATE.flag_error(
            "--replicas",
            "x",
            "strconv.ParseUint: parsing \"x\": invalid syntax",
        );
        assert_eq!(e.code, 125);
        assert_eq!(
            e.message,
            "invalid argument \"x\" for \"--replicas\" flag: strconv.ParseUint: parsing \"x\": invalid syntax\n\n\
             Usage:  shoal service create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n\
             Run 'shoal service create --help' for more information"
        );
    }

    #[test]
    fn argument_counts() {
        assert!(CREATE.check_args(1, 1, None).is_ok());
        let e = CREATE.check_args(0, 1, None).unwrap_err().to_string();
        assert_eq!(
            e,
            "shoal: 'shoal service create' requires at least 1 argument\n\n\
             Usage:  shoal service create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n\
             See 'shoal service create --help' for more information"
        );
        let ls = Usage::new("shoal service ls", "shoal service ls [OPTIONS]");
        let e = ls.check_args(1, 0, Some(0)).unwrap_err().to_string();
        assert!(e.starts_with("shoal: 'shoal service ls' accepts no arguments\n\nUsage:  shoal service ls [OPTIONS]\n\nRun "));
        let upd = Usage::new(
            "shoal service update",
            "shoal service update [OPTIONS] SERVICE",
        );
        let e = upd.check_args(2, 1, Some(1)).unwrap_err().to_string();
        assert!(e.starts_with("shoal: 'shoal service update' requires 1 argument\n"));
        assert!(upd.check_args(1, 1, Some(1)).is_ok());
    }
}
