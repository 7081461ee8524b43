//! The build sandbox: the builder runs in its own user, mount, IPC and UTS namespaces
//! (and network namespace, except for fixed-output derivations), chrooted into a
//! directory that shows only the build directory (`/build`), the store paths of the
//! inputs' closure, the host's `sandbox-paths`, a few devices and a minimal `/etc`.
//!
//! ```text
//! parent: STORE/.tmp-…/ (chroot root, same filesystem as the store)
//!           build/  STORE…/<input>…  bin lib lib64 usr  dev/{null,zero,…}  etc/{passwd,…}
//! child:  unshare ─► uid 1000 ↦ the caller ─► private mounts ─► bind everything ─► chroot
//! ```
//!
//! Outputs are created inside the chroot's store directory and moved into the real store
//! when they are registered. Everything the child does after `fork` is a plain system call
//! on data prepared before it.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::{BuildError, BuildEvent, BuildOptions, SandboxMode, io_at};
use crate::store::{Derivation, Store, StoreDir, StorePath};

/// The uid and gid builders have inside the sandbox (as in Nix).
const SANDBOX_UID: u32 = 1000;
const SANDBOX_GID: u32 = 100;

const DEVICES: [&str; 6] = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
];

/// Sandboxing for one `realise`.
pub(super) struct Sandbox {
    paths: Vec<PathBuf>,
}

/// The sandbox of one build.
pub(super) struct BuildSandbox {
    root: PathBuf,
    store_dir: String,
    inputs: Vec<PathBuf>,
    paths: Vec<PathBuf>,
    network: bool,
}

/// What the child does between `fork` and `exec`, prepared in the parent.
pub(super) struct ChildSetup {
    flags: libc::c_int,
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
    binds: Vec<(CString, CString)>,
    root: CString,
    proc_dir: CString,
    build: CString,
    private_network: bool,
}

impl Sandbox {
    /// Sandboxing if asked for and possible; otherwise one warning and `None`.
    pub fn choose(
        opts: &BuildOptions,
        _store: &Store,
        events: &mut dyn FnMut(BuildEvent),
    ) -> Option<Sandbox> {
        if opts.sandbox == SandboxMode::Off {
            return None;
        }
        if namespaces_work() {
            Some(Sandbox {
                paths: opts.sandbox_paths.clone(),
            })
        } else {
            events(BuildEvent::Warning(
                "this kernel does not let denv create namespaces; building without a sandbox"
                    .into(),
            ));
            None
        }
    }

    /// Prepares the sandbox of one build whose inputs' closure is `inputs`.
    pub fn for_build(
        &self,
        store: &Store,
        _drv_path: &StorePath,
        drv: &Derivation,
        inputs: &BTreeSet<StorePath>,
    ) -> Result<BuildSandbox, BuildError> {
        let root = store.temp_name();
        fs::create_dir(&root).map_err(io_at(&root))?;
        Ok(BuildSandbox {
            root,
            store_dir: store.dir().as_str().to_owned(),
            inputs: inputs.iter().map(|p| store.real_path(p)).collect(),
            paths: self.paths.clone(),
            network: drv.fixed_output().is_some(),
        })
    }

    /// Nothing is shared between builds; kept for symmetry with `choose`.
    pub fn cleanup(&self) {}
}

fn cstr(p: &Path) -> Result<CString, BuildError> {
    CString::new(p.as_os_str().as_bytes()).map_err(|e| BuildError::Io {
        path: p.to_path_buf(),
        source: std::io::Error::other(e),
    })
}

/// Creates an empty file or directory at `target` to mount `source` on.
fn mount_point(source: &Path, target: &Path) -> Result<(), BuildError> {
    let meta = fs::metadata(source).map_err(io_at(source))?;
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(io_at(parent))?;
    }
    if meta.is_dir() {
        fs::create_dir_all(target).map_err(io_at(target))?;
    } else {
        fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(target)
            .map_err(io_at(target))?;
    }
    Ok(())
}

impl BuildSandbox {
    /// The chroot directory (removed once the build's outputs are registered).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the builder's output `path` appears on the host.
    pub fn output_location(&self, dir: &StoreDir, path: &StorePath) -> PathBuf {
        self.inside(&dir.display(path))
    }

    fn inside(&self, abs: &str) -> PathBuf {
        self.root.join(abs.trim_start_matches('/'))
    }

    /// Fills the chroot for a build whose directory is `tmp`.
    pub fn prepare(
        &self,
        tmp: &Path,
        _outputs: &BTreeMap<String, PathBuf>,
    ) -> Result<ChildSetup, BuildError> {
        let mut binds: Vec<(PathBuf, PathBuf)> = Vec::new();
        let store = self.inside(&self.store_dir);
        fs::create_dir_all(&store).map_err(io_at(&store))?;
        let build = self.root.join("build");
        fs::create_dir(&build).map_err(io_at(&build))?;
        binds.push((tmp.to_path_buf(), build.clone()));
        for input in &self.inputs {
            let target = self.inside(&input.to_string_lossy());
            let meta = fs::symlink_metadata(input).map_err(io_at(input))?;
            if meta.file_type().is_symlink() {
                let link = fs::read_link(input).map_err(io_at(input))?;
                std::os::unix::fs::symlink(link, &target).map_err(io_at(&target))?;
            } else {
                mount_point(input, &target)?;
                binds.push((input.clone(), target));
            }
        }
        for host in self
            .paths
            .iter()
            .map(PathBuf::as_path)
            .chain(DEVICES.iter().map(Path::new))
        {
            let Ok(meta) = fs::symlink_metadata(host) else {
                continue;
            };
            let target = self.inside(&host.to_string_lossy());
            if meta.file_type().is_symlink() {
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent).map_err(io_at(parent))?;
                }
                let link = fs::read_link(host).map_err(io_at(host))?;
                std::os::unix::fs::symlink(link, &target).map_err(io_at(&target))?;
            } else {
                mount_point(host, &target)?;
                binds.push((host.to_path_buf(), target));
            }
        }
        let dev = self.root.join("dev");
        for (name, target) in [
            ("fd", "/proc/self/fd"),
            ("stdin", "/proc/self/fd/0"),
            ("stdout", "/proc/self/fd/1"),
            ("stderr", "/proc/self/fd/2"),
        ] {
            let _ = std::os::unix::fs::symlink(target, dev.join(name));
        }
        let proc_dir = self.root.join("proc");
        fs::create_dir(&proc_dir).map_err(io_at(&proc_dir))?;
        let etc = self.root.join("etc");
        fs::create_dir_all(&etc).map_err(io_at(&etc))?;
        let files = [
            (
                "passwd",
                format!(
                    "root:x:0:0:Nix build user:/build:/noshell\nnixbld:x:{SANDBOX_UID}:{SANDBOX_GID}:Nix build user:/build:/noshell\nnobody:x:65534:65534:Nobody:/:/noshell\n"
                ),
            ),
            (
                "group",
                format!("root:x:0:\nnixbld:!:{SANDBOX_GID}:\nnogroup:x:65534:\n"),
            ),
            ("hosts", "127.0.0.1 localhost\n::1 localhost\n".to_owned()),
        ];
        for (name, text) in files {
            let f = etc.join(name);
            fs::write(&f, text).map_err(io_at(&f))?;
        }
        if self.network {
            for f in ["/etc/resolv.conf", "/etc/services"] {
                let host = Path::new(f);
                if host.exists() {
                    let target = self.inside(f);
                    mount_point(host, &target)?;
                    binds.push((host.to_path_buf(), target));
                }
            }
        }
        let mut flags = libc::CLONE_NEWUSER
            | libc::CLONE_NEWNS
            | libc::CLONE_NEWPID
            | libc::CLONE_NEWIPC
            | libc::CLONE_NEWUTS;
        if !self.network {
            flags |= libc::CLONE_NEWNET;
        }
        // SAFETY: getuid/getgid cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        Ok(ChildSetup {
            flags,
            uid_map: format!("{SANDBOX_UID} {uid} 1\n").into_bytes(),
            gid_map: format!("{SANDBOX_GID} {gid} 1\n").into_bytes(),
            binds: binds
                .iter()
                .map(|(s, t)| Ok((cstr(s)?, cstr(t)?)))
                .collect::<Result<_, BuildError>>()?,
            root: cstr(&self.root)?,
            proc_dir: cstr(&proc_dir)?,
            build: cstr(Path::new("/build"))?,
            private_network: !self.network,
        })
    }
}

fn check(ret: libc::c_int) -> std::io::Result<()> {
    if ret < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Writes `data` to a /proc file given as a NUL-terminated byte string.
fn write_proc(file: &[u8], data: &[u8]) -> std::io::Result<()> {
    // SAFETY: `file` is NUL-terminated; open/write/close are async-signal-safe.
    unsafe {
        let fd = libc::open(file.as_ptr().cast(), libc::O_WRONLY | libc::O_CLOEXEC);
        check(fd)?;
        let n = libc::write(fd, data.as_ptr().cast(), data.len());
        libc::close(fd);
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

impl ChildSetup {
    /// Enters the sandbox; runs in the child between `fork` and `exec`.
    pub fn enter(&self) -> std::io::Result<()> {
        // SAFETY: plain system calls on NUL-terminated strings prepared before the fork.
        unsafe {
            check(libc::unshare(self.flags))?;
            write_proc(b"/proc/self/setgroups\0", b"deny")?;
            write_proc(b"/proc/self/uid_map\0", &self.uid_map)?;
            write_proc(b"/proc/self/gid_map\0", &self.gid_map)?;
            // The builder must be the first process of the new PID namespace (so it can
            // have its own /proc): fork once more, and let this process only wait and
            // pass the builder's status on.
            let pid = libc::fork();
            if pid < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if pid > 0 {
                relay_status(pid);
            }
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
            check(libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))?;
            for (i, (src, dst)) in self.binds.iter().enumerate() {
                check(libc::mount(
                    src.as_ptr(),
                    dst.as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND | libc::MS_REC,
                    std::ptr::null(),
                ))?;
                // Everything but the build directory (the first bind) is read-only; a
                // mount whose flags are locked may refuse, and stays as it is.
                if i > 0 {
                    libc::mount(
                        std::ptr::null(),
                        dst.as_ptr(),
                        std::ptr::null(),
                        libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY,
                        std::ptr::null(),
                    );
                }
            }
            check(libc::mount(
                c"proc".as_ptr(),
                self.proc_dir.as_ptr(),
                c"proc".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                std::ptr::null(),
            ))?;
            let _ = libc::sethostname(c"localhost".as_ptr(), 9);
            if self.private_network {
                loopback_up();
            }
            check(libc::chroot(self.root.as_ptr()))?;
            check(libc::chdir(self.build.as_ptr()))?;
        }
        Ok(())
    }
}

/// In the process between denv and the builder: closes every descriptor but the
/// standard ones (so denv learns when the builder has started), waits for the builder
/// and exits as it did.
fn relay_status(pid: libc::pid_t) -> ! {
    // SAFETY: close_range, waitpid and _exit are async-signal-safe system calls.
    unsafe {
        libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
        let mut status = 0;
        loop {
            let r = libc::waitpid(pid, &mut status, 0);
            if r == pid {
                break;
            }
            if r < 0 && *libc::__errno_location() != libc::EINTR {
                libc::_exit(1);
            }
        }
        if libc::WIFEXITED(status) {
            libc::_exit(libc::WEXITSTATUS(status));
        }
        libc::_exit(128 + libc::WTERMSIG(status));
    }
}

/// Brings up `lo` in a fresh network namespace (best effort, as a build can live without).
fn loopback_up() {
    // SAFETY: a socket and an ioctl on a zeroed, correctly sized ifreq.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return;
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        req.ifr_ifru.ifru_flags = (libc::IFF_UP | libc::IFF_LOOPBACK | libc::IFF_RUNNING) as i16;
        libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        libc::close(fd);
    }
}

/// Whether this process may create the namespaces the sandbox needs: a forked child tries.
fn namespaces_work() -> bool {
    // SAFETY: the child only calls unshare and _exit.
    unsafe {
        let pid = libc::fork();
        if pid < 0 {
            return false;
        }
        if pid == 0 {
            let ok = libc::unshare(
                libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWNET | libc::CLONE_NEWIPC,
            ) == 0;
            libc::_exit(if ok { 0 } else { 1 });
        }
        let mut status = 0;
        if libc::waitpid(pid, &mut status, 0) != pid {
            return false;
        }
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
    }
}
