//! Packages that need more than relocation, as a user meets them through `denv run -p`:
//! cowsay (a Perl script: its wrapper sets PERL5LIB and COWPATH), PostgreSQL (programs in a
//! versioned directory, a `psql` that Debian points at a host launcher), Redis (the
//! server is a link into another package) and MariaDB (its basedir, compiled in as /usr,
//! given by a wrapper after `--no-defaults`). Each program must resolve into the store, not
//! to a host program of the same name, and the servers run again in a root that holds only
//! the store (Postgres and MariaDB as an unprivileged user named in a generated
//! `/etc/passwd`). These tests need the Debian archive that the machine's apt
//! configuration lists.

#[path = "support/store_root.rs"]
mod store_root;

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use store_root::StoreRoot;

const DENV: &str = env!("CARGO_BIN_EXE_denv");

/// A directory holding every denv directory of one test, readable by any user (a server
/// started as an unprivileged user runs programs from its store).
struct State {
    dir: tempfile::TempDir,
}

impl State {
    fn new() -> State {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("a readable state directory");
        State { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn store(&self) -> PathBuf {
        self.path().join("data/store")
    }

    /// `denv ARGS`, failing the test with its stderr when it fails.
    fn denv(&self, args: &[&str]) -> String {
        let out = Command::new(DENV)
            .args(args)
            .current_dir(self.path())
            .env("DENV_DATA_DIR", self.path().join("data"))
            .env("DENV_CACHE_DIR", self.path().join("cache"))
            .env("DENV_CONFIG_DIR", self.path().join("config"))
            .env_remove("DENV_STORE")
            .env_remove("NIX_STORE_DIR")
            .output()
            .expect("denv runs");
        assert!(
            out.status.success(),
            "denv {args:?} failed (archive_ tests need the Debian archive listed in /etc/apt):\n{}",
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Where each program resolves on the `PATH` of `denv run -p PACKAGE`, after checking
    /// that it is a program of the store, wherever its links lead.
    fn programs_of(&self, package: &str, programs: &[&str]) -> Vec<PathBuf> {
        let script: String = programs
            .iter()
            .map(|p| format!("command -v {p} || echo missing {p}\n"))
            .collect();
        let out = self.denv(&["run", "-p", package, "--", "sh", "-c", &script]);
        let store = self.store().canonicalize().expect("the store exists");
        let found: Vec<PathBuf> = out.lines().map(PathBuf::from).collect();
        assert_eq!(found.len(), programs.len(), "{out}");
        for path in &found {
            let real = path.canonicalize().unwrap_or_else(|e| panic!("{out}: {e}"));
            assert!(
                path.starts_with(&store) && real.starts_with(&store),
                "{} ({}) is not a program of the store {}",
                path.display(),
                real.display(),
                store.display()
            );
        }
        found
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A TCP port nothing listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// `program ARGS` with an empty environment.
fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env_clear()
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

/// Servers that refuse root (Postgres) are started through `setpriv` as `nobody` when the
/// tests run as root.
fn unprivileged(program: &Path) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// Makes `dir` (created) owned by the user [`unprivileged`] runs as.
fn owned_by_server(dir: &Path) {
    std::fs::create_dir_all(dir).expect("a server directory");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(dir, Some(65534), Some(65534)).expect("chown to nobody");
    }
}

/// A server process, stopped when the test ends however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.0.id()) {
            // SAFETY: signalling a child this test started.
            unsafe { libc::kill(pid, libc::SIGINT) };
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `probe` until it succeeds, or fails the test after 20 s.
fn wait_until(what: &str, mut probe: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !probe() {
        assert!(Instant::now() < deadline, "{what} did not become ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

const COW_MOO: &str = r" _____
< moo >
 -----
        \   ^__^
         \  (oo)\_______
            (__)\       )\/\
                ||----w |
                ||     ||
";

#[test]
fn archive_cowsay_runs_with_the_stores_perl_and_cows() {
    let state = State::new();
    let out = state.denv(&["run", "-p", "cowsay", "--", "cowsay", "moo"]);
    assert_eq!(out, COW_MOO);
    let found = state.programs_of("cowsay", &["cowsay", "cowthink"]);
    // The wrapper is run by the store's shell and runs the store's perl.
    let wrapper = std::fs::read_to_string(&found[0]).expect("cowsay is a script");
    let store = state.store().canonicalize().unwrap();
    let shebang = wrapper.lines().next().unwrap_or_default();
    assert!(
        shebang.starts_with(&format!("#!{}/", store.display())),
        "{wrapper}"
    );
    let cowthink = run(&found[1], &["hmm"]);
    let shown = text(&cowthink.stdout);
    assert!(
        shown.starts_with(" _____\n( hmm )\n") && shown.contains("o   ^__^"),
        "{shown}{}",
        text(&cowthink.stderr)
    );
    // Another cow, found through COWPATH in the store.
    let tux = run(&found[0], &["-f", "tux", "moo"]);
    assert!(
        text(&tux.stdout).contains("|o_o |"),
        "{}{}",
        text(&tux.stdout),
        text(&tux.stderr)
    );
}

#[test]
fn archive_postgres_from_the_profile_creates_a_cluster_and_answers_psql() {
    let state = State::new();
    let programs = ["initdb", "postgres", "pg_isready", "psql"];
    let found = state.programs_of("postgresql-15", &programs);
    let [initdb, postgres, pg_isready, psql] = [&found[0], &found[1], &found[2], &found[3]];
    // Debian's psql is a link to a host launcher; the profile's is the client itself.
    let psql_real = psql.canonicalize().unwrap();
    assert!(
        psql_real.ends_with("usr/lib/postgresql/15/bin/psql"),
        "{}",
        psql_real.display()
    );
    let data = state.path().join("pg/data");
    let sockets = state.path().join("pg/sock");
    owned_by_server(&data);
    owned_by_server(&sockets);
    let init = unprivileged(initdb)
        .args(["-D", data.to_str().unwrap()])
        .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
        .arg("--locale=C")
        .env_clear()
        .output()
        .expect("initdb runs");
    assert!(init.status.success(), "initdb: {}", text(&init.stderr));
    assert!(data.join("PG_VERSION").is_file(), "initdb made no cluster");
    let port = free_port().to_string();
    let _server = Server(
        unprivileged(postgres)
            .args([
                "-D",
                data.to_str().unwrap(),
                "-k",
                sockets.to_str().unwrap(),
            ])
            .args(["-p", &port, "-c", "listen_addresses=127.0.0.1"])
            .env_clear()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts"),
    );
    wait_until("postgres", || {
        run(pg_isready, &pg_client(&port, &[])).status.success()
    });
    let query = run(psql, &pg_client(&port, &["-Atc", "select 1"]));
    assert_eq!(text(&query.stdout), "1\n", "{}", text(&query.stderr));

    postgres_alone(&state, [initdb, postgres, pg_isready, psql]);
}

/// The arguments of a PostgreSQL client talking to the server on `port` over TCP.
fn pg_client<'a>(port: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["-h", "127.0.0.1", "-p", port, "-U", "postgres"];
    args.extend_from_slice(rest);
    args
}

/// `initdb` and `postgres` as an unprivileged user, and `psql`, all in a root that holds
/// only the store and the cluster's directory: `psql` answers `select 1`.
fn postgres_alone(state: &State, [initdb, postgres, pg_isready, psql]: [&PathBuf; 4]) {
    let cluster = state.path().join("pg-alone");
    let Some(root) = StoreRoot::new(&state.store()) else {
        return;
    };
    // initdb starts `postgres` through the C library's `popen`, which runs `/bin/sh`: the
    // root gets that name as a link to the shell of the server's own tree.
    let store = state.store().canonicalize().unwrap();
    let real = initdb.canonicalize().unwrap();
    let tree = real
        .strip_prefix(&store)
        .ok()
        .and_then(|rel| rel.components().next())
        .map(|top| store.join(top))
        .expect("initdb is in the store");
    let shell = tree.join("bin/sh");
    assert!(shell.exists(), "{} has no bin/sh", tree.display());
    let Some(root) = root
        .writable(&cluster)
        .link("/bin/sh", &shell)
        .user("tester", 4242)
    else {
        return;
    };
    let data = cluster.join("data");
    let init = root
        .command(initdb)
        .args(["-D", data.to_str().unwrap()])
        .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
        .arg("--locale=C")
        .output();
    assert!(
        init.status.success(),
        "initdb in a root holding only the store: {}{}",
        text(&init.stdout),
        text(&init.stderr)
    );
    assert!(data.join("PG_VERSION").is_file(), "initdb made no cluster");
    let port = free_port().to_string();
    let _server = Server(
        root.command(postgres)
            .args(["-D", data.to_str().unwrap(), "-k", "/tmp"])
            .args(["-p", &port, "-c", "listen_addresses=127.0.0.1"])
            .command()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts in the root"),
    );
    wait_until("postgres in a root holding only the store", || {
        root.output(pg_isready, &pg_client(&port, &[]))
            .status
            .success()
    });
    let query = root.output(psql, &pg_client(&port, &["-Atc", "select 1"]));
    assert_eq!(text(&query.stdout), "1\n", "{}", text(&query.stderr));
}

#[test]
fn archive_redis_server_from_the_profile_answers_ping() {
    let state = State::new();
    let found = state.programs_of("redis-server", &["redis-server", "redis-cli"]);
    let dir = state.path().join("redis");
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port().to_string();
    let _server = Server(
        Command::new(&found[0])
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--daemonize", "no", "--dir", dir.to_str().unwrap()])
            .env_clear()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts"),
    );
    let mut last = String::new();
    wait_until("redis-server", || {
        last = text(&run(&found[1], &["-p", &port, "ping"]).stdout);
        last == "PONG\n"
    });
    assert_eq!(last, "PONG\n");

    // Again in a root that holds only the store and the server's directory.
    let Some(root) = StoreRoot::new(&state.store()) else {
        return;
    };
    let dir = state.path().join("redis-alone");
    let root = root.writable(&dir);
    let port = free_port().to_string();
    let _alone = Server(
        root.command(&found[0])
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--daemonize", "no", "--dir", dir.to_str().unwrap()])
            .command()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts in the root"),
    );
    wait_until("redis-server in a root holding only the store", || {
        last = text(&root.output(&found[1], &["-p", &port, "ping"]).stdout);
        last == "PONG\n"
    });
    assert_eq!(last, "PONG\n");
}

#[test]
fn archive_python3_offers_its_programs_but_not_its_closures_base_system() {
    let state = State::new();
    // Offered: the package's programs and those of its direct dependencies.
    state.programs_of("python3", &["python3", "python3.11", "pydoc3"]);
    // The closure carries dash, tar and dpkg (in the tree, for its own scripts), but they
    // must not shadow the host's programs of those names.
    let store = state.store().canonicalize().unwrap();
    let tree = std::fs::read_dir(&store)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.contains("-python3-3.") && !name.ends_with("-unpacked") && p.is_dir()
        })
        .expect("the python3 tree is in the store");
    for base in ["bin/dash", "bin/tar", "usr/bin/dpkg"] {
        assert!(
            tree.join(base).exists(),
            "{base} is not in {}",
            tree.display()
        );
    }
    let script = "for p in dash tar dpkg; do command -v $p || echo none; done";
    let inside = state.denv(&["run", "-p", "python3", "--", "sh", "-c", script]);
    for (line, program) in inside.lines().zip(["dash", "tar", "dpkg"]) {
        assert!(
            !line.starts_with(&*store.to_string_lossy()),
            "`{program}` on PATH is the store's: {line}"
        );
    }
    assert_eq!(inside.lines().count(), 3, "{inside}");
}

/// The arguments of a MariaDB client talking to the server on `port` over TCP as root.
fn over_tcp<'a>(port: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--no-defaults", "-h", "127.0.0.1", "-P", port, "-u", "root"];
    args.extend_from_slice(rest);
    args
}

#[test]
fn archive_mariadb_initialises_and_answers_a_query() {
    let state = State::new();
    let programs = [
        "mariadb-install-db",
        "mariadbd",
        "mariadb",
        "mariadb-admin",
        "my_print_defaults",
        "resolveip",
    ];
    let found = state.programs_of("mariadb-server", &programs);
    let [install_db, mariadbd, mariadb, admin] = [&found[0], &found[1], &found[2], &found[3]];
    let store = state.store().canonicalize().unwrap();
    // The server's wrapper keeps `--no-defaults` first (mariadbd ignores it anywhere
    // else) and adds a basedir in the store, where the server finds its plugins, error
    // messages and character sets.
    let defaults = run(mariadbd, &["--no-defaults", "--print-defaults"]);
    let shown = text(&defaults.stdout);
    let mut lines = shown.lines();
    assert!(
        lines
            .next()
            .is_some_and(|l| l.ends_with("would have been started with the following arguments:")),
        "{shown}{}",
        text(&defaults.stderr)
    );
    let basedir = lines.next().unwrap_or_default().trim_end();
    assert!(
        basedir.starts_with(&format!("--basedir={}/", store.display()))
            && basedir.ends_with("/usr"),
        "{shown}"
    );

    let data = state.path().join("mdb/data");
    let sockets = state.path().join("mdb/sock");
    owned_by_server(&data);
    owned_by_server(&sockets);
    let data_arg = format!("--datadir={}", data.display());
    let init = unprivileged(install_db)
        .args(["--no-defaults", &data_arg])
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
        .env_clear()
        .output()
        .expect("mariadb-install-db runs");
    assert!(
        init.status.success() && data.join("mysql/global_priv.frm").is_file(),
        "mariadb-install-db made no system tables:\n{}{}",
        text(&init.stdout),
        text(&init.stderr)
    );

    let port = free_port().to_string();
    let socket = sockets.join("mysqld.sock");
    let server = Server(
        unprivileged(mariadbd)
            .args(["--no-defaults", &data_arg])
            .arg(format!("--socket={}", socket.display()))
            .args(["--port", &port, "--bind-address=127.0.0.1"])
            .env_clear()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd starts"),
    );
    let query = |sql: &str| run(mariadb, &over_tcp(&port, &["-N", "-B", "-e", sql]));
    let mut last = String::new();
    wait_until("mariadbd", || {
        let out = query("select 1");
        last = format!("{}{}", text(&out.stdout), text(&out.stderr));
        out.status.success()
    });
    assert_eq!(last, "1\n");
    // The running server took its plugins from the store, not from the host's /usr.
    let dirs = query("select @@basedir, @@plugin_dir");
    let tree = basedir.trim_start_matches("--basedir=");
    assert_eq!(
        text(&dirs.stdout),
        format!("{tree}\t{tree}/lib/mysql/plugin/\n"),
        "{}",
        text(&dirs.stderr)
    );
    // The server's own socket answers too.
    let socket_arg = format!("--socket={}", socket.display());
    let local = run(
        mariadb,
        &[
            "--no-defaults",
            &socket_arg,
            "-u",
            "root",
            "-N",
            "-B",
            "-e",
            "select 2",
        ],
    );
    assert_eq!(text(&local.stdout), "2\n", "{}", text(&local.stderr));
    // mariadbd ignores SIGINT: the store's admin tool stops it.
    let stop = run(admin, &over_tcp(&port, &["shutdown"]));
    assert!(stop.status.success(), "{}", text(&stop.stderr));
    drop(server);

    mariadb_alone(&state, [install_db, mariadbd, mariadb, admin], tree);
}

/// `mariadb-install-db` and `mariadbd` as an unprivileged user, and the store's client, all
/// in a root that holds only the store, the server's directory and an `/etc/hosts` (the
/// install script looks the host up): the client answers `select 1`, and the server's
/// plugins are those of `tree` (its basedir in the store).
fn mariadb_alone(state: &State, [install_db, mariadbd, mariadb, admin]: [&PathBuf; 4], tree: &str) {
    let dir = state.path().join("mdb-alone");
    let Some(root) = StoreRoot::new(&state.store()) else {
        return;
    };
    let Some(root) = root
        .writable(&dir)
        .file("/etc/hosts", "127.0.0.1 localhost\n")
        .user("tester", 4242)
    else {
        return;
    };
    let data_arg = format!("--datadir={}", dir.join("data").display());
    let init = root
        .command(install_db)
        .args(["--no-defaults", &data_arg])
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
        .output();
    assert!(
        init.status.success() && dir.join("data/mysql/global_priv.frm").is_file(),
        "mariadb-install-db in a root holding only the store:\n{}{}",
        text(&init.stdout),
        text(&init.stderr)
    );
    let port = free_port().to_string();
    let server = Server(
        root.command(mariadbd)
            .args(["--no-defaults", &data_arg, "--socket=/tmp/mysqld.sock"])
            .args(["--port", &port, "--bind-address=127.0.0.1"])
            .command()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd starts in the root"),
    );
    let query = |sql: &str| root.output(mariadb, &over_tcp(&port, &["-N", "-B", "-e", sql]));
    let mut last = String::new();
    wait_until("mariadbd in a root holding only the store", || {
        let out = query("select 1, @@plugin_dir");
        last = format!("{}{}", text(&out.stdout), text(&out.stderr));
        out.status.success()
    });
    assert_eq!(last, format!("1\t{tree}/lib/mysql/plugin/\n"));
    let stop = root.output(admin, &over_tcp(&port, &["shutdown"]));
    assert!(stop.status.success(), "{}", text(&stop.stderr));
    drop(server);
}
