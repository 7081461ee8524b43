//! The only writer to the terminal: errors, warnings, progress and prompts.
//!
//! Library code returns data; `cli` hands it here to be shown. Output on stdout is what a
//! script may read; everything for the human goes to stderr.

pub mod build;

use std::io::Write;

/// Prints `error: MESSAGE` (and its chain of causes) on stderr.
pub fn error(err: &dyn std::error::Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        let _ = writeln!(stderr, "       caused by: {cause}");
        source = cause.source();
    }
}

/// Prints `warning: MESSAGE` on stderr.
pub fn warning(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {message}");
}

/// Writes text to stdout as it is (values printed by `denv eval`); a closed pipe is an
/// error the caller may ignore.
pub fn stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes a fully rendered diagnostic (e.g. an evaluation error with source lines) to
/// stderr as it is.
pub fn diagnostic(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Prints a `builtins.trace` message as Nix does: `trace: MESSAGE`.
pub fn trace(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "trace: {message}");
}
