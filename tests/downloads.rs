//! Downloads as a user meets them: a dropped connection, a killed denv, a server that
//! ignores ranges and a tampered file, each made by a small HTTP proxy written here that
//! sits in front of the real Debian archive (the one the machine's apt configuration
//! lists) and breaks the responses for one `.deb` on purpose. denv is pointed at the proxy
//! through a `[channels]` entry with a `uri` in the user's `config.toml`.
//!
//! Also the progress display: redrawn in place on a terminal (a pty), plain lines without
//! a carriage return anywhere else. Every test runs with its own denv directories; all
//! need the archive (`archive_…`) and say so when it is unreachable.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DENV: &str = env!("CARGO_BIN_EXE_denv");

/// The `.deb` the proxy breaks (in `hello`'s closure, small and always in the main suite).
const TARGET: &str = "/hello_";

/// The body bytes the proxy lets through before it breaks a response.
const CUT: u64 = 20_000;

/// The main archive apt lists: its `http://` URI and suite (the system's codename).
struct Archive {
    host: String,
    port: u16,
    path: String,
    suite: String,
}

fn archive() -> Archive {
    let mut found = None;
    let mut files: Vec<PathBuf> = std::fs::read_dir("/etc/apt/sources.list.d")
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "sources"))
    {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for stanza in text.split("\n\n") {
            let field = |name: &str| {
                stanza
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_owned())
            };
            if let (Some(uris), Some(suites)) = (field("URIs:"), field("Suites:"))
                && let Some(suite) = suites.split_whitespace().find(|s| !s.contains('-'))
                && found.is_none()
            {
                let uri = uris.split_whitespace().next().unwrap_or("").to_owned();
                found = Some((uri, suite.to_owned()));
            }
        }
    }
    let (uri, suite) = found.expect("apt lists a Debian source in /etc/apt/sources.list.d");
    let rest = uri
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("the proxy speaks plain HTTP; apt's archive is {uri}"));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h.to_owned(), p.parse().expect("a port number")),
        None => (authority.to_owned(), 80),
    };
    let archive = Archive {
        host,
        port,
        path: format!("/{}", path.trim_end_matches('/')),
        suite,
    };
    let reachable = (archive.host.as_str(), archive.port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(10)).is_ok());
    assert!(
        reachable,
        "the Debian archive listed in /etc/apt is unreachable (archive_ tests need it)"
    );
    archive
}

/// What the proxy does to responses for [`TARGET`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// Pass everything through.
    None,
    /// Close the next response after [`CUT`] body bytes, then pass through.
    CutOnce,
    /// Like `CutOnce`, then `IgnoreRange`.
    CutThenIgnoreRange,
    /// Send [`CUT`] body bytes of the next response and then nothing, keeping the
    /// connection open.
    StallOnce,
    /// Drop the `Range` header of every request, so the archive sends the whole file.
    IgnoreRange,
    /// Flip one byte of every response body.
    Tamper,
}

#[derive(Debug, Default)]
struct Seen {
    /// `Range` header (or `None`) of every request for the target, in order.
    ranges: Vec<Option<String>>,
    /// Body bytes sent for the target.
    sent: u64,
}

struct Proxy {
    port: u16,
    fault: Arc<Mutex<Fault>>,
    seen: Arc<Mutex<Seen>>,
}

impl Proxy {
    fn start(archive: &Archive, fault: Fault) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let port = listener.local_addr().expect("its address").port();
        let fault = Arc::new(Mutex::new(fault));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let upstream = (archive.host.clone(), archive.port);
        let (f, s) = (fault.clone(), seen.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (f, s, upstream) = (f.clone(), s.clone(), upstream.clone());
                std::thread::spawn(move || {
                    let _ = relay(client, &upstream, &f, &s);
                });
            }
        });
        Proxy { port, fault, seen }
    }

    fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }

    fn ranges(&self) -> Vec<Option<String>> {
        self.seen.lock().unwrap().ranges.clone()
    }

    fn sent(&self) -> u64 {
        self.seen.lock().unwrap().sent
    }
}

/// Reads a request or response head (through the blank line).
fn head(stream: &mut BufReader<TcpStream>) -> std::io::Result<Vec<String>> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            return Ok(lines);
        }
        lines.push(line);
    }
}

/// One request: forwarded to the archive with `Connection: close`, its response relayed
/// back, broken as the fault says when it is for the target.
fn relay(
    client: TcpStream,
    upstream: &(String, u16),
    fault: &Mutex<Fault>,
    seen: &Mutex<Seen>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    let request = head(&mut reader)?;
    let path = request
        .first()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_owned();
    let range = request.iter().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("range")
            .then(|| value.trim().to_owned())
    });
    let target = path.contains(TARGET) && path.ends_with(".deb");
    let mut now = Fault::None;
    if target {
        let mut f = fault.lock().unwrap();
        now = *f;
        *f = match now {
            Fault::CutOnce | Fault::StallOnce => Fault::None,
            Fault::CutThenIgnoreRange => Fault::IgnoreRange,
            other => other,
        };
        seen.lock().unwrap().ranges.push(range.clone());
    }
    let mut up = TcpStream::connect((upstream.0.as_str(), upstream.1))?;
    let mut out = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n", upstream.0);
    if let Some(r) = range.as_ref().filter(|_| now != Fault::IgnoreRange) {
        out.push_str(&format!("Range: {r}\r\n"));
    }
    out.push_str("User-Agent: denv-test-proxy\r\nConnection: close\r\n\r\n");
    up.write_all(out.as_bytes())?;
    let mut up = BufReader::new(up);
    let response = head(&mut up)?;
    let mut back = String::new();
    for line in response
        .iter()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
    {
        back.push_str(line);
        back.push_str("\r\n");
    }
    back.push_str("Connection: close\r\n\r\n");
    client.write_all(back.as_bytes())?;
    let cut = matches!(
        now,
        Fault::CutOnce | Fault::StallOnce | Fault::CutThenIgnoreRange
    );
    let mut buf = vec![0u8; 1 << 14];
    let mut sent = 0u64;
    loop {
        let mut n = up.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if target && cut {
            n = n.min(usize::try_from(CUT - sent).unwrap_or(n));
        }
        if target && now == Fault::Tamper && sent <= 1000 && sent + n as u64 > 1000 {
            let at = usize::try_from(1000 - sent).unwrap_or(0);
            buf[at] ^= 0xff;
        }
        client.write_all(&buf[..n])?;
        sent += n as u64;
        if target {
            seen.lock().unwrap().sent += n as u64;
        }
        if target && cut && sent >= CUT {
            client.flush()?;
            if now == Fault::StallOnce {
                std::thread::sleep(Duration::from_secs(120));
            }
            return client.shutdown(Shutdown::Both);
        }
    }
    client.flush()
}

/// Fresh denv directories for one test, with the proxied channel in the user's config.
struct Sandbox {
    root: tempfile::TempDir,
    store: PathBuf,
}

struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Sandbox {
    fn new(archive: &Archive, proxy: &Proxy) -> Sandbox {
        let root = tempfile::tempdir().expect("a temporary directory");
        for sub in ["data", "cache", "config", "work"] {
            std::fs::create_dir_all(root.path().join(sub)).expect("a test directory");
        }
        std::fs::write(
            root.path().join("config/config.toml"),
            format!(
                "[channels]\nproxied = {{ suite = \"{}\", uri = \"http://127.0.0.1:{}{}\" }}\n",
                archive.suite, proxy.port, archive.path
            ),
        )
        .expect("config.toml");
        let store = root.path().join("store");
        Sandbox { root, store }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.root.path().join(sub)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(DENV);
        cmd.args(args)
            .current_dir(self.path("work"))
            .env_remove("NIX_PATH")
            .env_remove("NIX_STORE_DIR")
            .env("DENV_STORE", &self.store)
            .env("DENV_DATA_DIR", self.path("data"))
            .env("DENV_CACHE_DIR", self.path("cache"))
            .env("DENV_CONFIG_DIR", self.path("config"));
        cmd
    }

    fn denv(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("denv runs");
        Output {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Builds `hello` from the proxied channel and checks that it greets.
    fn build_hello(&self) -> Output {
        let out = self.denv(&["build", "--no-link", "-E", HELLO]);
        assert!(out.ok, "denv build failed:\n{}", out.stderr);
        let tree = PathBuf::from(out.stdout.trim());
        let greeting = Command::new(tree.join("bin/hello"))
            .output()
            .expect("hello runs");
        assert_eq!(String::from_utf8_lossy(&greeting.stdout), "Hello, world!\n");
        out
    }

    /// Whether the store holds hello's `.deb` (`HASH-hello-VERSION.deb`).
    fn has_hello_deb(&self) -> bool {
        std::fs::read_dir(&self.store).is_ok_and(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .any(|n| n.contains("-hello-") && n.ends_with(".deb"))
        })
    }
}

const HELLO: &str = "with import <denv> {}; pkgs.proxied.hello";

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn archive_a_dropped_connection_is_resumed_with_a_range_request() {
    let archive = archive();
    let proxy = Proxy::start(&archive, Fault::CutOnce);
    let sandbox = Sandbox::new(&archive, &proxy);
    let out = sandbox.build_hello();
    assert_eq!(
        proxy.ranges(),
        [None, Some(format!("bytes={CUT}-"))],
        "the second request continues where the cut one stopped"
    );
    // Not a terminal: one line per event, nothing redrawn.
    assert!(!out.stderr.contains('\r'), "{:?}", out.stderr);
    let fetched: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("fetched '"))
        .collect();
    assert!(
        fetched
            .iter()
            .any(|l| l.starts_with("fetched 'hello-") && l.contains(".deb' [")),
        "{}",
        out.stderr
    );
    let last = fetched.last().expect("a line per fetched file");
    let count = fetched.len();
    assert!(
        last.contains(&format!("[{count}/{count} fetched, 0 left, ")) && last.ends_with(" MiB]"),
        "{}",
        out.stderr
    );
}

#[test]
fn archive_a_killed_download_continues_from_its_partial_file_on_the_next_run() {
    let archive = archive();
    let proxy = Proxy::start(&archive, Fault::StallOnce);
    let sandbox = Sandbox::new(&archive, &proxy);
    let mut child = sandbox
        .command(&["build", "--no-link", "-E", HELLO])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("denv starts");
    wait_until("the first bytes of the .deb", || proxy.sent() >= CUT);
    // Let denv write what it received, then kill it outright.
    std::thread::sleep(Duration::from_millis(500));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(
        !sandbox.has_hello_deb(),
        "half a download reached the store"
    );
    sandbox.build_hello();
    assert!(sandbox.has_hello_deb());
    assert_eq!(
        proxy.ranges(),
        [None, Some(format!("bytes={CUT}-"))],
        "the next run asks only for the rest"
    );
}

#[test]
fn archive_a_server_ignoring_ranges_restarts_and_a_tampered_file_is_refused() {
    let archive = archive();
    // The range request after the cut is answered with the whole file (200): denv starts
    // over.
    let proxy = Proxy::start(&archive, Fault::CutThenIgnoreRange);
    let sandbox = Sandbox::new(&archive, &proxy);
    sandbox.build_hello();
    assert_eq!(proxy.ranges(), [None, Some(format!("bytes={CUT}-"))]);

    // A tampered download fails naming the file, and nothing of it stays to be resumed.
    proxy.set(Fault::Tamper);
    let fresh = Sandbox::new(&archive, &proxy);
    let out = fresh.denv(&["build", "--no-link", "-E", HELLO]);
    assert!(!out.ok, "a tampered .deb was accepted:\n{}", out.stderr);
    assert!(
        out.stderr.contains("hash mismatch in the download of '")
            && out.stderr.contains("hello_")
            && out.stderr.contains("the downloaded bytes were discarded"),
        "{}",
        out.stderr
    );
    assert!(!fresh.has_hello_deb(), "a tampered .deb reached the store");
    proxy.set(Fault::None);
    fresh.build_hello();
    assert!(fresh.has_hello_deb());
    let ranges = proxy.ranges();
    assert_eq!(ranges.last(), Some(&None), "started over: {ranges:?}");
}

/// Runs `denv build` with stderr on a pty and `TERM` set to `term`; returns everything
/// written to it.
fn on_a_terminal(sandbox: &Sandbox, term: &str) -> (bool, Vec<u8>) {
    use std::os::fd::{FromRawFd, OwnedFd};
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills two descriptors, each then owned exactly once.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "a pty");
    // SAFETY: as above.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut child = sandbox
        .command(&["build", "--no-link", "-E", HELLO])
        .env("TERM", term)
        .stdout(Stdio::null())
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("denv starts");
    let mut master = std::fs::File::from(master);
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        // A pty read ends with EIO once the last writer is gone.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    let ok = child.wait().expect("denv ends").success();
    (ok, reader.join().expect("the pty reader"))
}

#[test]
fn archive_the_progress_line_is_redrawn_in_place_on_a_terminal() {
    let archive = archive();
    let proxy = Proxy::start(&archive, Fault::None);
    let sandbox = Sandbox::new(&archive, &proxy);
    let (ok, screen) = on_a_terminal(&sandbox, "xterm");
    let text = String::from_utf8_lossy(&screen);
    assert!(ok, "denv build failed:\n{text}");
    let redraws: Vec<&str> = text.split("\r\x1b[K").skip(1).collect();
    let statuses: Vec<&&str> = redraws
        .iter()
        .filter(|s| s.starts_with('[') && s.contains(" fetched, ") && s.contains(" left, "))
        .collect();
    assert!(
        statuses.len() >= 2,
        "no status line redrawn in place:\n{text:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| s.contains("/") && s.trim_end().ends_with(" MiB]")),
        "{text:?}"
    );
    // The bytes received grow while files are left.
    assert!(statuses.iter().any(|s| s.contains(" 1 left, ")), "{text:?}");
    // The last status line is erased once nothing is left to fetch.
    let last = text.rfind(" left, ").expect("a status line");
    assert!(text[last..].contains("\r\x1b[K"), "{text:?}");
}

#[test]
fn archive_a_locked_deb_fetched_again_resumes_after_a_dropped_connection() {
    let archive = archive();
    let proxy = Proxy::start(&archive, Fault::None);
    let sandbox = Sandbox::new(&archive, &proxy);
    std::fs::write(
        sandbox.path("work/denv.toml"),
        format!(
            "[channels]\nnear = {{ suite = \"{}\", uri = \"http://127.0.0.1:{}{}\" }}\n\n\
             [packages]\nhello = {{ version = \"*\", channel = \"near\" }}\n",
            archive.suite, proxy.port, archive.path
        ),
    )
    .expect("denv.toml");
    let greet = |sandbox: &Sandbox| {
        let out = sandbox.denv(&["run", "--", "hello"]);
        assert!(out.ok, "denv run failed:\n{}", out.stderr);
        assert_eq!(out.stdout, "Hello, world!\n");
    };
    greet(&sandbox);
    assert!(sandbox.path("work/denv.lock").exists());
    // Another machine (an empty store) with the same lock fetches the pinned files.
    let lock = std::fs::read_to_string(sandbox.path("work/denv.lock")).expect("denv.lock");
    let other = Sandbox::new(&archive, &proxy);
    for file in ["denv.toml", "denv.lock"] {
        std::fs::copy(
            sandbox.path("work").join(file),
            other.path("work").join(file),
        )
        .expect("the project");
    }
    proxy.set(Fault::CutOnce);
    greet(&other);
    assert_eq!(
        std::fs::read_to_string(other.path("work/denv.lock")).expect("denv.lock"),
        lock
    );
    assert_eq!(
        proxy.ranges(),
        [None, None, Some(format!("bytes={CUT}-"))],
        "the pinned fetch continues where the cut one stopped"
    );
    assert!(other.has_hello_deb());
}

#[test]
fn archive_a_dumb_terminal_gets_plain_lines() {
    let archive = archive();
    let proxy = Proxy::start(&archive, Fault::None);
    let sandbox = Sandbox::new(&archive, &proxy);
    let (ok, screen) = on_a_terminal(&sandbox, "dumb");
    let text = String::from_utf8_lossy(&screen);
    assert!(ok, "denv build failed:\n{text}");
    // The pty turns each newline into CR LF; no other carriage return may appear.
    let plain = text.replace("\r\n", "\n");
    assert!(!plain.contains('\r'), "{text:?}");
    assert!(
        plain
            .lines()
            .any(|l| l.starts_with("fetched 'hello-") && l.contains(" left, ")),
        "{text:?}"
    );
}

#[test]
fn archive_ctrl_c_during_a_stalled_download_stops_at_once_and_the_next_run_resumes() {
    let archive = archive();
    let proxy = Proxy::start(&archive, Fault::StallOnce);
    let sandbox = Sandbox::new(&archive, &proxy);
    let child = sandbox
        .command(&["build", "--no-link", "-E", HELLO])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("denv starts");
    wait_until("the first bytes of the .deb", || proxy.sent() >= CUT);
    std::thread::sleep(Duration::from_millis(500));
    let pid = i32::try_from(child.id()).expect("a pid");
    // SAFETY: signals the child this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let asked = Instant::now();
    let out = child.wait_with_output().expect("denv ends");
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "denv took {:?} to stop",
        asked.elapsed()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: build interrupted"), "{stderr}");
    assert!(
        !sandbox.has_hello_deb(),
        "half a download reached the store"
    );
    sandbox.build_hello();
    assert_eq!(proxy.ranges(), [None, Some(format!("bytes={CUT}-"))]);
}
