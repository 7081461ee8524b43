//! What a build shows on stderr while it works: `building '…'` lines, the builders'
//! output, and — while files are downloaded — a status line with the files fetched and
//! left and the bytes received of the total, as `[3/92 fetched, 89 left, 12.3/93.1 MiB]`.
//!
//! On a terminal (unless `TERM=dumb`) the status line is redrawn in place (carriage
//! return, erase to the end of the line) at most ten times a second, and erased before
//! any other line is written so that lines never mix with it. Anywhere else nothing is
//! redrawn: each finished download writes one line with the same counts, and no carriage
//! return is ever written.
//!
//! The view is fed events (from the builder through `cli`, or from the package fetcher)
//! and decides nothing; it is dropped, erasing its status line, when the work ends.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often the status line may be redrawn.
const REDRAW: Duration = Duration::from_millis(100);

/// One download the view knows of.
#[derive(Debug, Clone, Default)]
struct File {
    done: u64,
    total: Option<u64>,
    fetched: bool,
}

/// The build's output on stderr (or on any writer, for tests).
pub struct BuildView {
    out: Box<dyn Write + Send>,
    in_place: bool,
    files: BTreeMap<String, File>,
    /// Whether a status line is on screen now.
    shown: bool,
    last_draw: Option<Instant>,
}

impl BuildView {
    /// A view on stderr, redrawn in place when stderr is a terminal that can do it.
    pub fn stderr() -> BuildView {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let in_place = std::io::stderr().is_terminal() && !dumb;
        BuildView::new(Box::new(std::io::stderr()), in_place)
    }

    /// A view writing to `out`; `in_place` redraws the status line with carriage returns.
    pub fn new(out: Box<dyn Write + Send>, in_place: bool) -> BuildView {
        BuildView {
            out,
            in_place,
            files: BTreeMap::new(),
            shown: false,
            last_draw: None,
        }
    }

    /// The files that will be downloaded, each with its size when known.
    pub fn planned(&mut self, files: &[(String, Option<u64>)]) {
        for (name, size) in files {
            let file = self.files.entry(name.clone()).or_default();
            file.total = file.total.or(*size);
        }
    }

    /// Announces a builder starting, as Nix does.
    pub fn started(&mut self, drv: &str) {
        self.line(&format!("building '{drv}'..."));
    }

    /// Prints `warning: MESSAGE`.
    pub fn warning(&mut self, message: &str) {
        self.line(&format!("warning: {message}"));
    }

    /// Writes one line (a builder's output, a notice) above the status line.
    pub fn line(&mut self, text: &str) {
        self.erase();
        let _ = self.out.write_all(format!("{text}\n").as_bytes());
        self.draw(true);
    }

    /// `file` has `done` bytes of `total`.
    pub fn progress(&mut self, file: &str, done: u64, total: Option<u64>) {
        let entry = self.files.entry(file.to_owned()).or_default();
        entry.done = done;
        entry.total = total.or(entry.total);
        self.draw(false);
    }

    /// `bytes` more bytes of `file` arrived.
    pub fn advance(&mut self, file: &str, bytes: u64) {
        let entry = self.files.entry(file.to_owned()).or_default();
        entry.done += bytes;
        self.draw(false);
    }

    /// `file` is complete and checked; does nothing for a name that is not a download.
    pub fn fetched(&mut self, file: &str) {
        let Some(entry) = self.files.get_mut(file) else {
            return;
        };
        if entry.fetched {
            return;
        }
        entry.fetched = true;
        if let Some(total) = entry.total {
            entry.done = total;
        }
        if self.in_place {
            self.draw(true);
        } else {
            let status = self.status();
            let name = short_name(file);
            let _ = self
                .out
                .write_all(format!("fetched '{name}' {status}\n").as_bytes());
        }
    }

    /// The status text: files fetched and left, bytes received of the total.
    pub fn status(&self) -> String {
        let count = self.files.len();
        let fetched = self.files.values().filter(|f| f.fetched).count();
        let done: u64 = self.files.values().map(|f| f.done).sum();
        let all_known = self.files.values().all(|f| f.total.is_some());
        let total: u64 = self.files.values().map(|f| f.total.unwrap_or(f.done)).sum();
        let bytes = if all_known {
            format!("{}/{} MiB", mib(done), mib(total))
        } else {
            format!("{} MiB", mib(done))
        };
        format!(
            "[{fetched}/{count} fetched, {} left, {bytes}]",
            count - fetched
        )
    }

    /// Redraws the status line (on a terminal, while downloads are pending); `now` skips
    /// the rate limit.
    fn draw(&mut self, now: bool) {
        if !self.in_place || self.files.is_empty() {
            return;
        }
        let pending = self.files.values().any(|f| !f.fetched);
        if !pending {
            self.erase();
            return;
        }
        if !now && self.last_draw.is_some_and(|t| t.elapsed() < REDRAW) {
            return;
        }
        let status = self.status();
        let _ = self.out.write_all(format!("\r\x1b[K{status}").as_bytes());
        let _ = self.out.flush();
        self.shown = true;
        self.last_draw = Some(Instant::now());
    }

    /// Erases the status line, if one is shown.
    fn erase(&mut self) {
        if self.shown {
            let _ = self.out.write_all(b"\r\x1b[K");
            let _ = self.out.flush();
            self.shown = false;
        }
    }
}

impl Drop for BuildView {
    fn drop(&mut self) {
        self.erase();
    }
}

/// A download's name as a user knows it: the file of a URL, or a `.drv`'s name without
/// its store directory, hash and `.drv`.
fn short_name(file: &str) -> &str {
    let base = file.rsplit('/').next().unwrap_or(file);
    let Some(name) = base.strip_suffix(".drv") else {
        return base;
    };
    match name.split_once('-') {
        Some((hash, rest)) if hash.len() == 32 => rest,
        _ => name,
    }
}

/// Bytes in MiB with one decimal.
fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    fn plan() -> Vec<(String, Option<u64>)> {
        vec![
            (
                "/s/0df2asyrbwri54lsd3jskcfscb31107s-a.deb.drv".to_owned(),
                Some(3 << 20),
            ),
            ("b.deb".to_owned(), Some(1 << 20)),
        ]
    }

    #[test]
    fn lines_mode_writes_one_line_per_fetched_file_and_no_carriage_return() {
        let out = Shared::default();
        let mut view = BuildView::new(Box::new(out.clone()), false);
        view.planned(&plan());
        view.started("/s/0df2asyrbwri54lsd3jskcfscb31107s-a.deb.drv");
        let a = "/s/0df2asyrbwri54lsd3jskcfscb31107s-a.deb.drv";
        view.progress(a, 1 << 20, Some(3 << 20));
        view.fetched(a);
        view.fetched(a);
        view.fetched("unpack.drv");
        drop(view);
        assert_eq!(
            out.text(),
            "building '/s/0df2asyrbwri54lsd3jskcfscb31107s-a.deb.drv'...\n\
             fetched 'a.deb' [1/2 fetched, 1 left, 3.0/4.0 MiB]\n"
        );
    }

    #[test]
    fn terminal_mode_redraws_in_place_and_erases_before_other_lines() {
        let out = Shared::default();
        let mut view = BuildView::new(Box::new(out.clone()), true);
        view.planned(&plan());
        view.progress("b.deb", 512 << 10, None);
        view.line("a log line");
        view.fetched("/s/0df2asyrbwri54lsd3jskcfscb31107s-a.deb.drv");
        view.fetched("b.deb");
        assert_eq!(
            out.text(),
            "\r\x1b[K[0/2 fetched, 2 left, 0.5/4.0 MiB]\r\x1b[Ka log line\n\
             \r\x1b[K[0/2 fetched, 2 left, 0.5/4.0 MiB]\
             \r\x1b[K[1/2 fetched, 1 left, 3.5/4.0 MiB]\r\x1b[K"
        );
    }

    #[test]
    fn names_are_shown_without_store_hash_or_url() {
        assert_eq!(
            short_name("/s/0df2asyrbwri54lsd3jskcfscb31107s-a_1.deb.drv"),
            "a_1.deb"
        );
        assert_eq!(short_name("http://h/pool/main/a_1.deb"), "a_1.deb");
    }

    #[test]
    fn unknown_sizes_show_only_the_bytes_received() {
        let mut view = BuildView::new(Box::new(std::io::sink()), false);
        view.planned(&[("x".to_owned(), None)]);
        view.advance("x", 1 << 19);
        assert_eq!(view.status(), "[0/1 fetched, 1 left, 0.5 MiB]");
    }
}
