//! What a build prints besides its progress ([`super::progress`]): the output paths (one
//! per line) on stdout, and rendered evaluation errors.

use std::io::Write;

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
