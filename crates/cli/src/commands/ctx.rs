//! What every command runs with: the API client, where its output goes and
//! whether that is a terminal. Commands write through this instead of
//! `println!` so tests can capture the exact bytes.

use crate::client::Client;
use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};

/// The daemon client plus stdout/stderr.
pub struct Ctx {
    pub client: Client,
    pub out: Box<dyn Write + Send>,
    pub err: Box<dyn Write + Send>,
    /// Columns of the terminal when stdout is one: progress output then
    /// redraws lines in place and shows bars, as docker does.
    pub term_width: Option<u16>,
}

impl Ctx {
    /// Real stdout and stderr.
    pub fn stdio(client: Client) -> Ctx {
        // docker assumes 200 columns when the terminal will not say.
        let term_width = if io::stdout().is_terminal() {
            Some(terminal_width().unwrap_or(200))
        } else {
            None
        };
        Ctx {
            client,
            out: Box::new(io::stdout()),
            err: Box::new(io::stderr()),
            term_width,
        }
    }

    /// Output captured in memory, for tests; `term_width` as given.
    pub fn capture(client: Client, term_width: Option<u16>) -> (Ctx, Captured) {
        let cap = Captured::default();
        let ctx = Ctx {
            client,
            out: Box::new(cap.out.clone()),
            err: Box::new(cap.err.clone()),
            term_width,
        };
        (ctx, cap)
    }

    /// Writes to stdout and flushes, so progress shows as it happens.
    pub fn print(&mut self, s: &str) -> io::Result<()> {
        self.out.write_all(s.as_bytes())?;
        self.out.flush()
    }

    /// `print` plus a newline.
    pub fn println(&mut self, s: &str) -> io::Result<()> {
        self.print(&format!("{s}\n"))
    }

    /// Writes a line to stderr (warnings).
    pub fn eprintln(&mut self, s: &str) -> io::Result<()> {
        self.err.write_all(format!("{s}\n").as_bytes())?;
        self.err.flush()
    }
}

/// A clonable in-memory writer.
#[derive(Clone, Default, Debug)]
pub struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Both streams of a captured [`Ctx`].
#[derive(Clone, Default, Debug)]
pub struct Captured {
    pub out: SharedBuf,
    pub err: SharedBuf,
}

/// The width of the terminal on stdout, via `TIOCGWINSZ`.
fn terminal_width() -> Option<u16> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` into the pointer we pass,
    // which points at a live, properly aligned local.
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
    (rc == 0 && ws.ws_col > 0).then_some(ws.ws_col)
}
