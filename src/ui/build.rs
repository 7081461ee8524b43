//! What a build shows: `building '…drv'...` and the builders' output on stderr, the
//! output paths (one per line) on stdout.

use std::io::Write;

/// Announces a builder starting, as Nix does.
pub fn started(drv: &str) {
    let _ = writeln!(std::io::stderr().lock(), "building '{drv}'...");
}

/// One line of a builder's output.
pub fn log_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints one line on stdout (an output or `.drv` path); a closed pipe is returned.
pub fn path_line(path: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{path}")?;
    out.flush()
}

/// Prints an already rendered diagnostic (an evaluation error with its source lines).
pub fn rendered(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = err.write_all(b"\n");
    }
}
