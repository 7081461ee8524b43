//! The evaluator's fixture corpus, checked against denv and against real Nix in one run.
//!
//! Every `tests/eval/**/NAME.nix` that has a sibling `NAME.exp` is a fixture. Each one is
//! evaluated with the working directory set to its own folder, as
//! `nix-instantiate --eval --strict [FLAGS] NAME.nix`, where FLAGS come from an optional
//! `NAME.flags` file (whitespace-separated, `'…'` and `"…"` quote a word containing spaces).
//! The same command runs through `denv nix-instantiate` and, when every flag is one
//! `denv eval` knows, through `denv eval` as well.
//!
//! Kinds of fixture, by the folders on its path:
//!
//! | path has | `NAME.exp` holds | checked |
//! |---|---|---|
//! | no `fail` folder | the exact stdout (exit code 0) | denv == `.exp` == real Nix |
//! | a `fail` folder | the first `error: …` line, then (if Nix gives one) `at FILE:LINE:COL` | exit code 1 and those lines, denv and real Nix |
//! | a `current` folder | as above, following current Nix rather than 2.8 | denv == `.exp` only |
//!
//! Every `.exp` comes from real Nix (see `DENV_EVAL_BLESS` below), except under `current/`,
//! where no oracle of that version is installed: those hold the messages current Nix
//! documents (e.g. `error: integer overflow in adding 9223372036854775807 + 1`).
//!
//! A fixture with a `NAME.gap` file (saying what denv lacks) is a known gap: real Nix must
//! still agree with the `.exp` and denv must still differ from it.
//!
//! An `error:` line in a `.exp` that ends in ` …` is a documented subset: only the text
//! before the ellipsis must match (used where the exact words of Nix's parser are not part of
//! the language, such as bison's list of expected tokens). An optional `NAME.err` holds the
//! exact stderr of a successful evaluation (`builtins.trace` output).
//!
//! Outputs are normalised before comparing: the absolute path of `tests/eval` becomes
//! `$ROOT`, so paths in values and in error locations do not depend on the checkout.
//! `NIX_PATH` is emptied so only `-I` flags form the search path. denv runs with the store
//! directory real Nix uses and with its data, cache and configuration directories in a
//! temporary folder.
//!
//! `DENV_EVAL_FILTER=SUBSTRING` runs only the fixtures whose path contains it.
//! `DENV_EVAL_BLESS=1` writes the missing `.exp` files from real Nix (never from denv):
//! every `.nix` without an `.exp`, except files and folders whose name starts with `_`
//! (those are imported by other fixtures) and except the `current` folders.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long one evaluation may take before it counts as hung.
const TIMEOUT: Duration = Duration::from_secs(60);
/// How the real Nix run is named in reports.
const ORACLE: &str = "nix-instantiate (oracle)";
/// The flags `denv eval` shares with `nix-instantiate --eval`.
const DENV_EVAL_FLAGS: &[&str] = &["--json", "--xml", "-A", "--arg", "--argstr", "-I"];
/// The flags among those that take one value, and those that take two.
const ONE_VALUE_FLAGS: &[&str] = &["-A", "--attr", "-I", "--include"];
const TWO_VALUE_FLAGS: &[&str] = &["--arg", "--argstr"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Evaluates; stdout is compared byte for byte.
    Okay,
    /// Fails with exit code 1; the error line and location are compared.
    Fail,
}

#[derive(Debug)]
struct Fixture {
    /// The `.nix` file.
    nix: PathBuf,
    /// Its path relative to `tests/eval`, for messages.
    name: String,
    kind: Kind,
    /// Whether real Nix must agree (false under `current/`).
    oracle: bool,
    flags: Vec<String>,
}

/// What one process printed and how it ended.
#[derive(Debug)]
struct Run {
    /// The exit code, or a description of how it ended without one.
    status: Result<i32, String>,
    /// Kept as bytes: a value may print bytes that are not UTF-8.
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn describe_status(&self) -> String {
        match &self.status {
            Ok(code) => format!("exit code {code}"),
            Err(how) => how.clone(),
        }
    }
}

#[test]
fn eval_fixtures() {
    let root = fixtures_root();
    let home = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(err) => panic!("cannot create a temporary directory: {err}"),
    };
    let denv_env = denv_environment(home.path());
    check_oracle_installed();
    let bless = std::env::var_os("DENV_EVAL_BLESS").is_some();
    let filter = std::env::var("DENV_EVAL_FILTER").unwrap_or_default();

    let mut sources = Vec::new();
    collect_nix_files(&root, &mut sources);
    sources.sort();
    if bless {
        bless_missing(&root, &sources);
    }
    let fixtures: Vec<Fixture> = sources
        .iter()
        .filter(|nix| nix.with_extension("exp").is_file())
        .map(|nix| fixture(&root, nix))
        .filter(|f| f.name.contains(&filter))
        .collect();
    assert!(
        !fixtures.is_empty(),
        "no fixtures found under {} (filter {filter:?})",
        root.display()
    );

    let failures = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| (2 * n.get()).clamp(4, 16));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(fixture) = fixtures.get(i) else {
                        break;
                    };
                    let problems = known_gap(fixture, check(&root, fixture, &denv_env));
                    if !problems.is_empty() {
                        let mut all = failures.lock().unwrap_or_else(|e| e.into_inner());
                        all.push((fixture.name.clone(), problems));
                    }
                }
            });
        }
    });

    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort();
    if !failures.is_empty() {
        let stale = failures
            .iter()
            .filter(|(_, problems)| {
                problems
                    .iter()
                    .any(|p| p.starts_with(&format!("[{ORACLE}]")))
            })
            .count();
        let mut report = format!(
            "{} of {} evaluator fixtures failed ({stale} of them because real Nix no longer \
             gives the .exp: those fixtures are stale, not denv):\n",
            failures.len(),
            fixtures.len()
        );
        for (name, problems) in &failures {
            let _ = writeln!(report, "\n=== {name}");
            for problem in problems {
                let _ = writeln!(report, "{problem}");
            }
        }
        let _ = writeln!(
            report,
            "\nfailed: {}",
            failures
                .iter()
                .map(|f| f.0.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        );
        panic!("{report}");
    }
}

/// The canonical absolute path of `tests/eval`.
fn fixtures_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("eval");
    fs::canonicalize(&root).unwrap_or(root)
}

fn check_oracle_installed() {
    let found = Command::new("nix-instantiate")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "`nix-instantiate` was not found on PATH. The evaluator fixtures are checked against \
         real Nix in the same run: install Debian's `nix-bin` package \
         (`apt-get install nix-bin`)."
    );
}

/// Every `.nix` file below `dir`, recursively.
fn collect_nix_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_nix_files(&path, out);
        } else if path.extension() == Some(OsStr::new("nix")) {
            out.push(path);
        }
    }
}

fn fixture(root: &Path, nix: &Path) -> Fixture {
    let rel = nix.strip_prefix(root).unwrap_or(nix);
    let folders: Vec<&OsStr> = rel.parent().into_iter().flat_map(|p| p.iter()).collect();
    let flags_file = nix.with_extension("flags");
    let flags = match fs::read_to_string(&flags_file) {
        Ok(text) => split_words(&text),
        Err(_) => Vec::new(),
    };
    Fixture {
        nix: nix.to_path_buf(),
        name: rel.display().to_string(),
        kind: if folders.iter().any(|f| *f == "fail") {
            Kind::Fail
        } else {
            Kind::Okay
        },
        oracle: !folders.iter().any(|f| *f == "current"),
        flags,
    }
}

/// A fixture with a `NAME.gap` file records behaviour denv does not have yet (the file says
/// what is missing): real Nix must still give the `.exp`, and denv must still differ, so
/// the gap stays visible and the fixture fails loudly once the gap is closed.
fn known_gap(fixture: &Fixture, problems: Vec<String>) -> Vec<String> {
    if !fixture.nix.with_extension("gap").is_file() {
        return problems;
    }
    let oracle_problems: Vec<String> = problems
        .iter()
        .filter(|p| p.starts_with(&format!("[{ORACLE}]")))
        .cloned()
        .collect();
    if problems.is_empty() {
        vec!["denv now gives the expected output: delete the fixture's .gap file".into()]
    } else {
        oracle_problems
    }
}

/// Splits a `.flags` file into words: whitespace separates, quotes group.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Whether `denv eval` accepts every flag of a fixture.
fn denv_eval_accepts(flags: &[String]) -> bool {
    let mut i = 0;
    while let Some(flag) = flags.get(i) {
        if !DENV_EVAL_FLAGS.contains(&flag.as_str()) {
            return false;
        }
        i += 1
            + usize::from(ONE_VALUE_FLAGS.contains(&flag.as_str()))
            + 2 * usize::from(TWO_VALUE_FLAGS.contains(&flag.as_str()));
    }
    true
}

/// Runs one fixture through every evaluator and returns what went wrong.
fn check(root: &Path, fixture: &Fixture, denv_env: &[(String, OsString)]) -> Vec<String> {
    let mut problems = Vec::new();
    let expected = match fs::read(fixture.nix.with_extension("exp")) {
        Ok(text) => text,
        Err(err) => return vec![format!("cannot read the .exp file: {err}")],
    };
    let expected_err = fs::read_to_string(fixture.nix.with_extension("err")).ok();
    let file = fixture
        .nix
        .file_name()
        .map(|f| f.to_os_string())
        .unwrap_or_default();
    let file = file.to_string_lossy().into_owned();

    let mut common: Vec<String> = vec!["--eval".into(), "--strict".into()];
    common.extend(fixture.flags.iter().cloned());
    common.push(file.clone());

    let denv = env!("CARGO_BIN_EXE_denv");
    let mut runs: Vec<(String, Vec<String>, String)> = Vec::new();
    let mut ni_args = vec!["nix-instantiate".to_string()];
    ni_args.extend(common.iter().cloned());
    runs.push(("denv nix-instantiate".into(), ni_args, denv.into()));
    if denv_eval_accepts(&fixture.flags) {
        let mut eval_args = vec!["eval".to_string(), "--strict".to_string()];
        eval_args.extend(fixture.flags.iter().cloned());
        eval_args.push(file.clone());
        runs.push(("denv eval".into(), eval_args, denv.into()));
    }
    if fixture.oracle {
        runs.push((ORACLE.into(), common.clone(), "nix-instantiate".into()));
    }

    for (who, args, program) in runs {
        let dir = fixture.nix.parent().unwrap_or(root);
        let env: &[(String, OsString)] = if program == "nix-instantiate" {
            &[]
        } else {
            denv_env
        };
        let run = match run_process(&program, &args, dir, env) {
            Ok(run) => normalise(run, root),
            Err(err) => {
                problems.push(format!("[{who}] could not run `{program}`: {err}"));
                continue;
            }
        };
        let verdict = match fixture.kind {
            Kind::Okay => judge_okay(&run, &expected, expected_err.as_deref()),
            Kind::Fail => judge_fail(&run, &expected),
        };
        if let Err(why) = verdict {
            let shown = if program == denv {
                "denv"
            } else {
                program.as_str()
            };
            problems.push(format!("[{who}] `{shown} {}`\n{why}", args.join(" ")));
        }
    }
    problems
}

fn judge_okay(run: &Run, expected: &[u8], expected_err: Option<&str>) -> Result<(), String> {
    if run.status != Ok(0) {
        return Err(format!(
            "expected success, got {}; stderr:\n{}",
            run.describe_status(),
            indent(head(&run.stderr, 12))
        ));
    }
    if run.stdout != expected {
        return Err(format!(
            "stdout differs from .exp:\n{}",
            excerpt(
                &String::from_utf8_lossy(expected),
                &String::from_utf8_lossy(&run.stdout)
            )
        ));
    }
    if let Some(err) = expected_err {
        if run.stderr != err {
            return Err(format!(
                "stderr differs from .err:\n{}",
                excerpt(err, &run.stderr)
            ));
        }
    }
    Ok(())
}

fn judge_fail(run: &Run, expected: &[u8]) -> Result<(), String> {
    let expected = String::from_utf8_lossy(expected);
    let mut lines = expected.lines();
    let want_error = lines.next().unwrap_or_default();
    let want_at = lines.next();
    let (got_error, got_at) = error_summary(&run.stderr);
    let error_ok = match want_error.strip_suffix(" …") {
        Some(prefix) => got_error.as_deref().is_some_and(|g| g.starts_with(prefix)),
        None => got_error.as_deref() == Some(want_error),
    };
    let at_ok = want_at.is_none_or(|w| got_at.as_deref() == Some(w));
    if run.status == Ok(1) && error_ok && at_ok {
        return Ok(());
    }
    let mut why = String::new();
    if run.status != Ok(1) {
        let _ = writeln!(why, "expected exit code 1, got {}", run.describe_status());
    }
    let _ = writeln!(why, "- {want_error}");
    if let Some(w) = want_at {
        let _ = writeln!(why, "- {w}");
    }
    let _ = writeln!(
        why,
        "+ {}",
        got_error.as_deref().unwrap_or("(no `error:` line)")
    );
    if want_at.is_some() {
        let _ = writeln!(
            why,
            "+ {}",
            got_at.as_deref().unwrap_or("(no `at` location)")
        );
    }
    let _ = write!(why, "stderr:\n{}", indent(head(&run.stderr, 8)));
    Err(why)
}

/// The first `error: …` line of a Nix error report and the `at FILE:LINE:COL` after it.
fn error_summary(stderr: &str) -> (Option<String>, Option<String>) {
    let mut lines = stderr.lines().skip_while(|l| !l.starts_with("error: "));
    let error = lines.next().map(str::to_string);
    let at = lines
        .map(str::trim)
        .find(|l| l.starts_with("at ") && l.ends_with(':'))
        .map(|l| l.trim_end_matches(':').to_string());
    (error, at)
}

/// The summary `DENV_EVAL_BLESS` writes for a failing fixture.
fn fail_summary(stderr: &str) -> Option<String> {
    let (error, at) = error_summary(stderr);
    let mut text = error? + "\n";
    if let Some(at) = at {
        text += &at;
        text.push('\n');
    }
    Some(text)
}

/// Writes `.exp` files that are missing, from real Nix's output.
fn bless_missing(root: &Path, sources: &[PathBuf]) {
    for nix in sources {
        let exp = nix.with_extension("exp");
        let rel = nix.strip_prefix(root).unwrap_or(nix);
        let helper = rel
            .iter()
            .any(|part| part.to_string_lossy().starts_with('_'));
        if exp.exists() || helper || rel.iter().any(|p| p == "current") {
            continue;
        }
        let fixture = fixture(root, nix);
        let mut args: Vec<String> = vec!["--eval".into(), "--strict".into()];
        args.extend(fixture.flags.iter().cloned());
        args.push(
            nix.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
        );
        let dir = nix.parent().unwrap_or(root);
        let run = match run_process("nix-instantiate", &args, dir, &[]) {
            Ok(run) => normalise(run, root),
            Err(err) => panic!("bless: cannot run nix-instantiate: {err}"),
        };
        let text = match (fixture.kind, &run.status) {
            (Kind::Okay, Ok(0)) => Some(run.stdout.clone()),
            (Kind::Fail, Ok(1)) => fail_summary(&run.stderr).map(String::into_bytes),
            _ => None,
        };
        match text {
            Some(text) => {
                if let Err(err) = fs::write(&exp, text) {
                    panic!("bless: cannot write {}: {err}", exp.display());
                }
                if fixture.kind == Kind::Okay && !run.stderr.is_empty() {
                    let _ = fs::write(nix.with_extension("err"), &run.stderr);
                }
            }
            None => eprintln!(
                "bless: {} gave {} (not blessed):\n{}",
                rel.display(),
                run.describe_status(),
                run.stderr
            ),
        }
    }
}

/// The environment denv runs in: the store directory real Nix uses (so `builtins.storeDir`
/// and store paths print the same; no fixture writes to the store), and its own data, cache
/// and configuration directories in a temporary folder, away from the user's.
fn denv_environment(home: &Path) -> Vec<(String, OsString)> {
    let mut env = vec![
        ("DENV_STORE".to_string(), OsString::from("/nix/store")),
        ("NIX_STORE_DIR".to_string(), OsString::from("/nix/store")),
    ];
    for (var, sub) in [
        ("DENV_DATA_DIR", "data"),
        ("DENV_CACHE_DIR", "cache"),
        ("DENV_CONFIG_DIR", "config"),
    ] {
        env.push((var.to_string(), home.join(sub).into_os_string()));
    }
    env
}

/// Runs a program to completion (or until [`TIMEOUT`]) with an emptied `NIX_PATH`.
fn run_process(
    program: &str,
    args: &[String],
    dir: &Path,
    env: &[(String, OsString)],
) -> std::io::Result<Run> {
    let mut stdout = tempfile::tempfile()?;
    let mut stderr = tempfile::tempfile()?;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("NIX_PATH", "")
        .env_remove("NIX_REMOTE")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(stdout.try_clone()?)
        .stderr(stderr.try_clone()?)
        .spawn()?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break match status.code() {
                Some(code) => Ok(code),
                None => Err(format!("killed by a signal ({status})")),
            };
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break Err(format!("timed out after {} s", TIMEOUT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(3));
    };
    Ok(Run {
        status,
        stdout: read_all(&mut stdout)?,
        stderr: String::from_utf8_lossy(&read_all(&mut stderr)?).into_owned(),
    })
}

fn read_all(file: &mut fs::File) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Replaces the checkout-specific absolute path of `tests/eval` with `$ROOT`.
fn normalise(run: Run, root: &Path) -> Run {
    let root = root.to_string_lossy();
    Run {
        status: run.status,
        stdout: replace_bytes(&run.stdout, root.as_bytes(), b"$ROOT"),
        stderr: run.stderr.replace(root.as_ref(), "$ROOT"),
    }
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if !needle.is_empty() && haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// A diff-like excerpt: the first differing line of each side, with context, and for long
/// lines a window around the first differing character.
fn excerpt(expected: &str, actual: &str) -> String {
    let want: Vec<&str> = expected.split('\n').collect();
    let got: Vec<&str> = actual.split('\n').collect();
    let first = want
        .iter()
        .zip(&got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let mut out = String::new();
    for line in want.iter().take(first).skip(first.saturating_sub(2)) {
        let _ = writeln!(out, "  {}", clip(line, 0));
    }
    let (w, g) = (want.get(first).copied(), got.get(first).copied());
    let column = match (w, g) {
        (Some(w), Some(g)) => w
            .bytes()
            .zip(g.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(w.len().min(g.len())),
        _ => 0,
    };
    for line in want.iter().skip(first).take(4) {
        let _ = writeln!(out, "- {}", clip(line, column));
    }
    for line in got.iter().skip(first).take(4) {
        let _ = writeln!(out, "+ {}", clip(line, column));
    }
    if want.len() == got.len() + 1 || got.len() == want.len() + 1 {
        let _ = writeln!(
            out,
            "  (the outputs differ in their final newline or line count)"
        );
    }
    out
}

/// At most ~200 characters of a line, around `column`.
fn clip(line: &str, column: usize) -> String {
    const WIDTH: usize = 200;
    if line.len() <= WIDTH {
        return line.to_string();
    }
    let mut start = column.saturating_sub(WIDTH / 2);
    while !line.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + WIDTH).min(line.len());
    while !line.is_char_boundary(end) {
        end += 1;
    }
    format!(
        "{}{}{}",
        if start > 0 { "…" } else { "" },
        &line[start..end],
        if end < line.len() { "…" } else { "" }
    )
}

fn head(text: &str, lines: usize) -> String {
    text.lines().take(lines).collect::<Vec<_>>().join("\n")
}

fn indent(text: String) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

#[cfg(test)]
mod harness {
    //! The harness's own parsing, so a broken harness cannot pass every fixture.

    use super::*;

    #[test]
    fn flags_split_on_whitespace_and_group_quotes() {
        assert_eq!(
            split_words("--argstr name 'hello world' -A x\n"),
            ["--argstr", "name", "hello world", "-A", "x"]
        );
        assert_eq!(split_words("--arg e \"\""), ["--arg", "e", ""]);
    }

    #[test]
    fn denv_eval_takes_only_shared_flags() {
        assert!(denv_eval_accepts(&split_words(
            "--json -A a.b --arg x '1 + 2' -I p=."
        )));
        assert!(!denv_eval_accepts(&split_words("--show-trace")));
        assert!(denv_eval_accepts(&split_words("--argstr --json --xml")));
    }

    #[test]
    fn error_summary_takes_first_error_and_location() {
        let stderr = "error: undefined variable 'y'\n\n       at $ROOT/fail/a.nix:1:15:\n\n            1| y\n";
        assert_eq!(
            fail_summary(stderr).as_deref(),
            Some("error: undefined variable 'y'\nat $ROOT/fail/a.nix:1:15\n")
        );
        assert_eq!(
            fail_summary("error: boom\n").as_deref(),
            Some("error: boom\n")
        );
        assert_eq!(fail_summary("trace: x\n"), None);
    }

    #[test]
    fn a_fail_fixture_needs_exit_code_one_and_the_same_message() {
        let run = |code, stderr: &str| Run {
            status: Ok(code),
            stdout: Vec::new(),
            stderr: stderr.into(),
        };
        let exp = b"error: boom\nat $ROOT/f.nix:1:1\n";
        assert!(judge_fail(&run(1, "error: boom\n       at $ROOT/f.nix:1:1:\n"), exp).is_ok());
        assert!(judge_fail(&run(2, "error: boom\n       at $ROOT/f.nix:1:1:\n"), exp).is_err());
        assert!(judge_fail(&run(1, "error: boom\n       at $ROOT/f.nix:1:2:\n"), exp).is_err());
        assert!(
            judge_fail(
                &run(1, "error: syntax error, unexpected x, expecting y\n"),
                "error: syntax error, unexpected …\n".as_bytes()
            )
            .is_ok()
        );
    }

    #[test]
    fn an_okay_fixture_compares_stdout_exactly() {
        let run = Run {
            status: Ok(0),
            stdout: "1\n".into(),
            stderr: String::new(),
        };
        assert!(judge_okay(&run, b"1\n", None).is_ok());
        assert!(judge_okay(&run, b"1", None).is_err());
        assert!(judge_okay(&run, b"1\n", Some("trace: x\n")).is_err());
    }
}
