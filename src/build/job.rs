//! One build job, run on a worker thread: a builtin builder inside denv, or an external
//! builder in a fresh temporary build directory, its own session and process group, with
//! only the environment [`super::env`] makes. Its stdout and stderr go to the log file
//! (and, line by line, to the scheduler); when it exits, whatever it left running in its
//! process group is killed.

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::Sender;

use super::sandbox::BuildSandbox;
use super::{BuildError, builtins, env, io_at, outputs};
use crate::store::{Derivation, StoreDir, StorePath};

/// Everything a worker needs; no store handle (the store stays on the scheduler's thread).
pub(super) struct Job {
    pub drv_path: StorePath,
    pub drv: Derivation,
    pub dir: StoreDir,
    /// Where each output goes on disk.
    pub outputs: BTreeMap<String, PathBuf>,
    pub log_file: PathBuf,
    pub cores: usize,
    pub log_tail: usize,
    /// Set up namespaces for this build.
    pub sandbox: Option<BuildSandbox>,
    /// The HTTP client of the whole realisation (builtin downloads).
    pub http: ureq::Agent,
    /// Where unfinished downloads keep their bytes (beside the store, never in it).
    pub partial_dir: PathBuf,
}

/// What a worker tells the scheduler.
pub(super) enum Message {
    /// The builder runs as process group `pgid`.
    Started { drv: StorePath, pgid: i32 },
    /// A line of output.
    Log { drv: StorePath, line: String },
    /// A download's bytes so far and its total when known.
    Progress {
        drv: StorePath,
        done: u64,
        total: Option<u64>,
    },
    /// The job ended.
    Done {
        drv: StorePath,
        result: Result<(), BuildError>,
    },
}

impl Job {
    fn display(&self) -> String {
        self.dir.display(&self.drv_path)
    }

    /// Runs the job and reports on `tx`.
    pub fn run(self, tx: Sender<Message>) {
        let result = self.execute(&tx);
        let _ = tx.send(Message::Done {
            drv: self.drv_path.clone(),
            result,
        });
    }

    fn execute(&self, tx: &Sender<Message>) -> Result<(), BuildError> {
        if let Some(parent) = self.log_file.parent() {
            fs::create_dir_all(parent).map_err(io_at(parent))?;
        }
        if let Some(name) = self.drv.builder.strip_prefix("builtin:") {
            let mut log = fs::File::create(&self.log_file).map_err(io_at(&self.log_file))?;
            let progress = |done, total| {
                let _ = tx.send(Message::Progress {
                    drv: self.drv_path.clone(),
                    done,
                    total,
                });
            };
            builtins::run(name, self, &mut log, &progress)?;
        } else {
            self.external(tx)?;
        }
        for (name, path) in &self.outputs {
            if fs::symlink_metadata(path).is_err() {
                return Err(BuildError::MissingOutput {
                    drv: self.display(),
                    output: name.clone(),
                    path: path.display().to_string(),
                });
            }
        }
        if let Some(fixed) = self.drv.fixed_output()
            && let Some(out) = self.outputs.get("out")
        {
            outputs::check_fixed(&self.display(), fixed, out)?;
        }
        Ok(())
    }

    fn external(&self, tx: &Sender<Message>) -> Result<(), BuildError> {
        let tmp = BuildDir::create(&self.drv.name)?;
        let build_top = match &self.sandbox {
            Some(_) => "/build".to_owned(),
            None => tmp.path().to_string_lossy().into_owned(),
        };
        let vars = env::builder_env(&self.dir, &self.drv, tmp.path(), &build_top, self.cores)?;
        let (reader, writer) = pipe().map_err(io_at(tmp.path()))?;
        let writer2 = writer.try_clone().map_err(io_at(tmp.path()))?;
        let mut cmd = Command::new(&self.drv.builder);
        cmd.args(&self.drv.args)
            .env_clear()
            .envs(&vars)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(writer2);
        let child_setup = match &self.sandbox {
            Some(sb) => Some(sb.prepare(tmp.path(), &self.outputs)?),
            None => {
                cmd.current_dir(tmp.path());
                None
            }
        };
        // SAFETY: the closure only makes async-signal-safe calls (setsid, sigprocmask and
        // the sandbox's raw syscalls on data prepared before the fork).
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // A builder never outlives denv, even when denv is killed outright.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
                super::interrupt::unblock_in_child();
                // Nothing denv has open reaches the builder (descriptors inherited from
                // denv's own parent included).
                libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, CLOSE_RANGE_CLOEXEC);
                if let Some(setup) = &child_setup {
                    setup.enter()?;
                }
                Ok(())
            });
        }
        let spawned = cmd.spawn();
        drop(cmd);
        let mut child = spawned.map_err(|source| BuildError::Spawn {
            drv: self.display(),
            source,
        })?;
        let pgid = i32::try_from(child.id()).unwrap_or(0);
        let _ = tx.send(Message::Started {
            drv: self.drv_path.clone(),
            pgid,
        });
        let log_file = self.log_file.clone();
        let drv = self.drv_path.clone();
        let tx2 = tx.clone();
        let keep = self.log_tail;
        let logger = std::thread::spawn(move || copy_log(reader, &log_file, &drv, &tx2, keep));
        let status = child.wait().map_err(io_at(tmp.path()));
        if pgid > 0 {
            // SAFETY: kills the builder's own process group, nothing else.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
        let tail = logger.join().unwrap_or_default();
        let status = status?;
        if !status.success() {
            let how = match (status.code(), status.signal()) {
                (Some(code), _) => format!("failed with exit code {code}"),
                (None, Some(sig)) => format!("failed due to signal {sig}"),
                _ => "failed".to_owned(),
            };
            return Err(BuildError::Failed {
                drv: self.display(),
                status: how,
                tail,
            });
        }
        Ok(())
    }
}

/// `close_range` flag: mark close-on-exec instead of closing.
const CLOSE_RANGE_CLOEXEC: libc::c_uint = 4;

/// The temporary build directory, `TMPDIR/nix-build-NAME.drv-N` as Nix names it;
/// removed on drop.
struct BuildDir {
    path: PathBuf,
}

impl BuildDir {
    fn create(name: &str) -> Result<BuildDir, BuildError> {
        use std::os::unix::fs::DirBuilderExt;
        let base = std::env::temp_dir();
        let mut n = 0u32;
        loop {
            let path = base.join(format!("nix-build-{name}.drv-{n}"));
            match fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(BuildDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(io_at(&path)(e)),
            }
        }
    }

    fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for BuildDir {
    fn drop(&mut self) {
        let _ = outputs::remove_tree(&self.path);
    }
}

/// A pipe (both ends close-on-exec; the child's copies become its stdout and stderr).
fn pipe() -> std::io::Result<(fs::File, std::os::fd::OwnedFd)> {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 fills the two descriptors, which are then owned exactly once.
    unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok((fs::File::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])))
    }
}

/// Copies the builder's output to the log file and the scheduler; returns the last lines.
fn copy_log(
    reader: fs::File,
    log_file: &std::path::Path,
    drv: &StorePath,
    tx: &Sender<Message>,
    keep: usize,
) -> Vec<String> {
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut log = fs::File::create(log_file).ok();
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if let Some(f) = log.as_mut() {
            let _ = f.write_all(&buf);
        }
        let line = String::from_utf8_lossy(&buf)
            .trim_end_matches(['\n', '\r'])
            .to_owned();
        if tail.len() == keep {
            tail.pop_front();
        }
        tail.push_back(line.clone());
        let _ = tx.send(Message::Log {
            drv: drv.clone(),
            line,
        });
    }
    tail.into_iter().collect()
}
