//! The only writer to the terminal: errors, warnings, progress and prompts.
//!
//! Library code returns data; `cli` hands it here to be shown. Output on stdout is what a
//! script may read; everything for the human goes to stderr.

pub mod build;
pub mod progress;

use std::io::Write;

/// Prints `error: MESSAGE` (and its chain of causes) on stderr.
pub fn error(err: &dyn std::error::Error) {
    let mut stderr = std::io::stderr().lock();
    let text = err.to_string();
    // An evaluation error arrives rendered as Nix shows it, prefix included.
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let _ = writeln!(stderr, "error: {}", text.trim_end());
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

/// Prints `denv: MESSAGE` on stderr: a one-line notice from a background command such as
/// the prompt hook.
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "denv: {message}");
}

/// Writes `bytes` to stdout (what a script or shell reads). A closed pipe is not an error.
pub fn output(bytes: &[u8]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes bytes to stdout as they are (values printed by `denv eval`, which may hold
/// bytes that are not UTF-8); a closed pipe is an error the caller may ignore.
pub fn stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
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

/// Prints `error: MESSAGE` on stderr for an error that is only words.
pub fn error_message(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
}
