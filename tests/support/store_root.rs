//! Runs programs in a root that holds only the store: a private mount namespace whose root
//! directory shows the store (read-only, at its own path), `/dev`, `/proc`, an empty `/tmp`
//! and whatever a test adds — writable directories at their own paths (a data dir, a
//! project) and small files such as a generated `/etc/passwd`. Nothing of the host's
//! `/usr`, `/lib` or `/etc` is there to fall back on, so a program that runs here needs
//! nothing but the store.
//!
//! ```text
//! unshare --mount sh -c '
//!   mount --bind STORE ROOT/STORE; remount read-only        (every bind, in order)
//!   mount --rbind /dev ROOT/dev; mount --rbind /proc ROOT/proc
//!   exec env -i VARS unshare --root=ROOT --wd=DIR [--setuid U --setgid G] PROGRAM ARGS'
//! ```
//!
//! Every step up to the program is an `exec`, so the process a test spawns *is* the
//! program: a signal sent to it reaches a server directly. The mounts vanish with the
//! namespace. As root the namespace is a plain mount namespace and a program may run as
//! another uid; as another user it is a user namespace mapping that user to root, where
//! no other uid exists. When the kernel gives no mount namespace, [`StoreRoot::new`] says
//! so on stderr and gives `None`, and the caller skips the check.

#![allow(
    dead_code,
    reason = "each test crate includes this module and uses a different part of it"
)]

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A directory of the host shown in the root.
struct Bind {
    host: PathBuf,
    inside: PathBuf,
    writable: bool,
}

/// An unprivileged user that programs in the root run as.
struct User {
    uid: u32,
    gid: u32,
}

/// A root directory holding the store and what a test adds; see the module docs.
pub struct StoreRoot {
    dir: tempfile::TempDir,
    binds: Vec<Bind>,
    user: Option<User>,
    /// Whether this process is root (a plain mount namespace) or not (a user namespace).
    privileged: bool,
}

/// `text` as one word for a POSIX shell.
fn quote(text: &OsStr) -> String {
    format!("'{}'", text.to_string_lossy().replace('\'', r"'\''"))
}

impl StoreRoot {
    /// A root showing `store` read-only at its own path; `None`, after saying so on stderr,
    /// when this kernel gives no mount namespace.
    pub fn new(store: &Path) -> Option<StoreRoot> {
        Some(StoreRoot::bare()?.bind(store, store, false))
    }

    /// A root showing only `/dev`, `/proc` and `/tmp` until something is bound into it;
    /// `None`, after saying so on stderr, when this kernel gives no mount namespace.
    pub fn bare() -> Option<StoreRoot> {
        // SAFETY: geteuid has no preconditions.
        let privileged = unsafe { libc::geteuid() } == 0;
        let probe = Command::new("unshare")
            .args(namespace(privileged))
            .arg("true")
            .output();
        let refused = match &probe {
            Ok(out) if out.status.success() => None,
            Ok(out) => Some(String::from_utf8_lossy(&out.stderr).trim().to_owned()),
            Err(e) => Some(format!("unshare cannot run: {e}")),
        };
        if let Some(why) = refused {
            eprintln!(
                "SKIPPED: the check in a root holding only the store needs a mount \
                 namespace, which this kernel refuses here ({why})"
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("a directory for the root");
        // A user other than root must be able to walk from `/` to the store.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("a readable root directory");
        Some(StoreRoot {
            dir,
            binds: Vec::new(),
            user: None,
            privileged,
        })
    }

    /// Shows the host directory `host` at `inside` (writable or read-only).
    pub fn bind(mut self, host: &Path, inside: &Path, writable: bool) -> StoreRoot {
        assert!(inside.is_absolute(), "{} is not absolute", inside.display());
        self.binds.push(Bind {
            host: host.to_path_buf(),
            inside: inside.to_path_buf(),
            writable,
        });
        self
    }

    /// Shows `dir` (created if missing) writable at its own path; it belongs to the root's
    /// user, if there is one, when a program runs.
    pub fn writable(self, dir: &Path) -> StoreRoot {
        std::fs::create_dir_all(dir).expect("a writable directory for the root");
        self.bind(dir, dir, true)
    }

    /// Writes `contents` to `path` (absolute, as seen inside the root).
    pub fn file(self, path: &str, contents: &str) -> StoreRoot {
        let at = self.dir.path().join(path.trim_start_matches('/'));
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent).expect("a directory in the root");
        }
        std::fs::write(&at, contents).expect("a file in the root");
        self
    }

    /// Makes `path` (absolute, as seen inside the root) a symbolic link to `target`, such
    /// as `/bin/sh` to a shell of the store for programs that run `/bin/sh` by that name
    /// (the C library's `popen` and `system` do).
    pub fn link(self, path: &str, target: &Path) -> StoreRoot {
        let at = self.dir.path().join(path.trim_start_matches('/'));
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent).expect("a directory in the root");
        }
        std::os::unix::fs::symlink(target, &at).expect("a link in the root");
        self
    }

    /// Programs run as `name` (uid and gid `id`), named in a generated `/etc/passwd` and
    /// `/etc/group` (home `/tmp`). `None`, after saying so on stderr, when this process
    /// cannot switch users (it is not root).
    pub fn user(mut self, name: &str, id: u32) -> Option<StoreRoot> {
        if !self.privileged {
            eprintln!(
                "SKIPPED: running as uid {id} in a root holding only the store needs root \
                 (a user namespace maps only this user)"
            );
            return None;
        }
        self.user = Some(User { uid: id, gid: id });
        let passwd = format!(
            "root:x:0:0:root:/:/nonexistent\n{name}:x:{id}:{id}:{name}:/tmp:/nonexistent\n"
        );
        let group = format!("root:x:0:\n{name}:x:{id}:\n");
        Some(self.file("/etc/passwd", &passwd).file("/etc/group", &group))
    }

    /// The root directory, as the host sees it.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `program` (a path inside the root) to run there, with an empty environment but
    /// `HOME=/tmp` and `PATH=/nonexistent`, in `/`.
    pub fn command(&self, program: &Path) -> RootCommand<'_> {
        RootCommand {
            root: self,
            program: program.to_path_buf(),
            args: Vec::new(),
            env: vec![
                ("HOME".to_owned(), "/tmp".into()),
                ("PATH".to_owned(), "/nonexistent".into()),
            ],
            cwd: PathBuf::from("/"),
        }
    }

    /// `program ARGS` in the root, waited for.
    pub fn output(&self, program: &Path, args: &[&str]) -> Output {
        self.command(program).args(args).output()
    }

    /// Readies what the root holds on disk (its `/tmp`, the writable directories' owner)
    /// and returns the script that mounts the rest and runs the program (see the module
    /// docs).
    fn prepare(&self) -> String {
        let root = self.dir.path();
        let mut script = String::from("set -e\n");
        let at = |inside: &Path| root.join(inside.strip_prefix("/").unwrap_or(inside));
        for bind in &self.binds {
            let (host, target) = (
                quote(bind.host.as_os_str()),
                quote(at(&bind.inside).as_os_str()),
            );
            script.push_str(&format!(
                "mkdir -p {target}\nmount --bind {host} {target}\n"
            ));
            if !bind.writable {
                script.push_str(&format!("mount -o remount,bind,ro {target}\n"));
            }
            if let (true, Some(user)) = (bind.writable, &self.user) {
                std::os::unix::fs::chown(&bind.host, Some(user.uid), Some(user.gid))
                    .expect("a writable directory handed to the root's user");
            }
        }
        for special in ["/dev", "/proc"] {
            let target = quote(at(Path::new(special)).as_os_str());
            script.push_str(&format!(
                "mkdir -p {target}\nmount --rbind {special} {target}\n"
            ));
        }
        let tmp = at(Path::new("/tmp"));
        std::fs::create_dir_all(&tmp).expect("/tmp in the root");
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777))
            .expect("a /tmp anyone can write");
        script.push_str("exec env -i \"$@\"\n");
        script
    }
}

/// A program to run in a [`StoreRoot`], built like a [`Command`].
pub struct RootCommand<'a> {
    root: &'a StoreRoot,
    program: PathBuf,
    args: Vec<OsString>,
    env: Vec<(String, OsString)>,
    cwd: PathBuf,
}

impl RootCommand<'_> {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Sets `name` (replacing the default for HOME and PATH).
    pub fn env(mut self, name: &str, value: impl AsRef<OsStr>) -> Self {
        self.env.retain(|(n, _)| n != name);
        self.env
            .push((name.to_owned(), value.as_ref().to_os_string()));
        self
    }

    /// The working directory inside the root.
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.cwd = dir.to_path_buf();
        self
    }

    /// The host command: `unshare … sh -c SCRIPT sh VARS… unshare --root … PROGRAM ARGS`.
    pub fn command(&self) -> Command {
        let root = self.root;
        for host_dir in ["usr", "lib", "lib64"] {
            assert!(
                !root.path().join(host_dir).exists()
                    || root
                        .binds
                        .iter()
                        .any(|b| b.inside.starts_with(format!("/{host_dir}"))),
                "the root must hold nothing from the host, but it has /{host_dir}"
            );
        }
        let mut cmd = Command::new("unshare");
        cmd.args(namespace(root.privileged))
            .args(["sh", "-c"])
            .arg(root.prepare())
            .arg("sh");
        for (name, value) in &self.env {
            let mut pair = OsString::from(format!("{name}="));
            pair.push(value);
            cmd.arg(pair);
        }
        // After `env -i` no PATH is left to find it by.
        cmd.arg(which_unshare());
        let mut root_arg = OsString::from("--root=");
        root_arg.push(root.path());
        let mut wd_arg = OsString::from("--wd=");
        wd_arg.push(&self.cwd);
        cmd.arg(root_arg).arg(wd_arg);
        if let Some(user) = &root.user {
            cmd.args([
                "--setgid",
                &user.gid.to_string(),
                "--setuid",
                &user.uid.to_string(),
            ]);
        }
        cmd.arg(&self.program).args(&self.args).env_clear();
        cmd.env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
        );
        cmd
    }

    /// Runs the program and waits for it.
    pub fn output(&self) -> Output {
        self.command()
            .stdin(Stdio::null())
            .output()
            .expect("unshare runs")
    }
}

/// The `unshare` options for a private mount namespace: a user namespace too when this
/// process is not root.
fn namespace(privileged: bool) -> &'static [&'static str] {
    if privileged {
        &["--mount"]
    } else {
        &["--user", "--map-root-user", "--mount"]
    }
}

/// The host's `unshare`, by its full path.
fn which_unshare() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join("unshare"))
        .find(|p| p.is_file())
        .expect("unshare is on PATH")
}
