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
