//! The recipes behind `denv store …`, `denv gc` and `denv nix-store …`: open the store,
//! call one store operation, print its result.

use std::collections::BTreeSet;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::paths::{Dirs, Overrides};
use crate::store::nar::{self, NarError};
use crate::store::{GcOptions, GcReport, HashAlgo, HashFormat, Store, StoreError, StorePath};

/// Why a store command failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreCmdError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Nar(#[from] NarError),
    #[error(transparent)]
    Build(#[from] crate::build::BuildError),
    #[error("{0} damaged path(s) found")]
    Damaged(usize),
    #[error("cannot write to stdout")]
    Stdout(#[source] io::Error),
    #[error("no build log for '{0}'")]
    NoLog(String),
    #[error("'{0}' has no file name to use as the store path name")]
    NoName(PathBuf),
    #[error("{0}")]
    Usage(String),
    #[error("path '{path}' was modified! expected hash '{expected}', got '{got}'")]
    Modified {
        path: String,
        expected: String,
        got: String,
    },
}

pub type Result<T> = std::result::Result<T, StoreCmdError>;

/// Opens the store named by `--store`, else the configured one.
pub fn open_store(flag: Option<&Path>) -> std::result::Result<Store, StoreError> {
    let dir = match flag {
        Some(d) => d.to_path_buf(),
        None => Dirs::resolve(Overrides::from_env()).store_dir(),
    };
    Store::open(&dir)
}

pub fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(1 << 20, io::stdout().lock())
}

fn lines<'a>(store: &Store, paths: impl IntoIterator<Item = &'a StorePath>) -> Result<()> {
    let mut out = stdout();
    for p in paths {
        writeln!(out, "{}", store.dir().display(p)).map_err(StoreCmdError::Stdout)?;
    }
    out.flush().map_err(StoreCmdError::Stdout)
}

fn parse_all(store: &Store, paths: &[String]) -> Result<BTreeSet<StorePath>> {
    paths
        .iter()
        .map(|p| Ok(store.parse_user_path(p)?))
        .collect()
}

pub fn add(flag: Option<&Path>, paths: &[PathBuf], name: Option<&str>) -> Result<()> {
    let mut store = open_store(flag)?;
    let mut added = Vec::new();
    for p in paths {
        let n = match name {
            Some(n) => n.to_owned(),
            None => p
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| StoreCmdError::NoName(p.clone()))?
                .to_owned(),
        };
        added.push(store.add_path(p, &n)?);
    }
    lines(&store, &added)
}

pub fn dump(path: &Path) -> Result<()> {
    widen_stdout_pipe();
    let mut out = stdout();
    nar::dump_path(path, &mut out)?;
    out.flush().map_err(StoreCmdError::Stdout)
}

/// When stdout is a pipe, grows it to 1 MiB so a reader such as `sha256sum` is woken a
/// few times per megabyte instead of sixteen. Only an optimisation: failure is ignored.
fn widen_stdout_pipe() {
    // SAFETY: fcntl on the process's own stdout descriptor; F_SETPIPE_SZ fails harmlessly
    // (EBADF) when stdout is not a pipe.
    unsafe {
        libc::fcntl(libc::STDOUT_FILENO, libc::F_SETPIPE_SZ, 1 << 20);
    }
}

/// Prints the NAR hash of each path, one per line (SRI form with the algorithm's prefix,
/// other forms bare, as `nix hash path` prints them).
pub fn hash(paths: &[PathBuf], algo: HashAlgo, format: HashFormat) -> Result<()> {
    let mut out = BufWriter::new(stdout());
    for path in paths {
        let (hash, _size) = nar::hash_path(path, algo)?;
        writeln!(out, "{}", hash.encode(format)).map_err(StoreCmdError::Stdout)?;
    }
    out.flush().map_err(StoreCmdError::Stdout)
}

pub fn restore(path: &Path) -> Result<()> {
    let mut input = io::BufReader::with_capacity(1 << 20, io::stdin().lock());
    Ok(nar::restore(
        &mut input,
        path,
        nar::RestoreOptions::default(),
    )?)
}

pub fn path_info(flag: Option<&Path>, paths: &[String], json: bool, recursive: bool) -> Result<()> {
    let store = open_store(flag)?;
    let mut set = parse_all(&store, paths)?;
    if recursive {
        set = store.closure(set)?;
    }
    let dir = store.dir();
    let mut out = stdout();
    if json {
        let mut items = Vec::new();
        for p in &set {
            let info = store.info(p)?;
            // The shape of `nix path-info --json`: SRI hash, `deriver` only when known.
            let mut item = serde_json::json!({
                "path": dir.display(p),
                "narHash": info.nar_hash.to_typed_string(HashFormat::Sri),
                "narSize": info.nar_size,
                "references": info.references.iter().map(|r| dir.display(r)).collect::<Vec<_>>(),
                "registrationTime": info.registration_time,
            });
            if let (Some(d), Some(obj)) = (&info.deriver, item.as_object_mut()) {
                obj.insert("deriver".into(), dir.display(d).into());
            }
            items.push(item);
        }
        write!(out, "{}", serde_json::Value::Array(items)).map_err(StoreCmdError::Stdout)?;
    } else {
        for p in &set {
            let info = store.info(p)?;
            writeln!(
                out,
                "{}\t{}\t{}",
                dir.display(p),
                info.nar_size,
                info.nar_hash.to_typed_string(HashFormat::Nix32)
            )
            .map_err(StoreCmdError::Stdout)?;
        }
    }
    out.flush().map_err(StoreCmdError::Stdout)
}

pub fn references(flag: Option<&Path>, path: &str) -> Result<()> {
    let store = open_store(flag)?;
    let p = store.parse_user_path(path)?;
    let refs = store.info(&p)?.references;
    lines(&store, &refs)
}

pub fn referrers(flag: Option<&Path>, path: &str) -> Result<()> {
    let store = open_store(flag)?;
    let p = store.parse_user_path(path)?;
    store.info(&p)?;
    let refs = store.referrers(&p)?;
    lines(&store, &refs)
}

pub fn verify(flag: Option<&Path>, paths: &[String], repair: bool) -> Result<()> {
    let mut store = open_store(flag)?;
    let set = if paths.is_empty() {
        None
    } else {
        Some(parse_all(&store, paths)?)
    };
    let damage = store.verify(set.as_ref(), repair)?;
    for d in &damage {
        let fate = if d.repaired { " (removed)" } else { "" };
        crate::ui::warning(&format!(
            "path '{}': {}{fate}",
            store.dir().display(&d.path),
            d.reason
        ));
    }
    let unrepaired = damage.iter().filter(|d| !d.repaired).count();
    if unrepaired > 0 {
        return Err(StoreCmdError::Damaged(unrepaired));
    }
    Ok(())
}

pub fn delete(flag: Option<&Path>, paths: &[String]) -> Result<()> {
    let mut store = open_store(flag)?;
    let set = parse_all(&store, paths)?;
    let report = store.delete_paths(&set)?;
    print_gc_report(&store, &report, false)
}

/// `N store paths deleted, X MiB freed` (what Nix prints), after the deleted paths.
pub fn print_gc_report(store: &Store, report: &GcReport, dry_run: bool) -> Result<()> {
    let mut out = stdout();
    for p in &report.deleted {
        writeln!(out, "{}", store.dir().display(p)).map_err(StoreCmdError::Stdout)?;
    }
    let verb = if dry_run {
        "would be deleted"
    } else {
        "deleted"
    };
    writeln!(
        out,
        "{} store paths {verb}, {:.2} MiB {}",
        report.deleted.len(),
        report.freed as f64 / (1024.0 * 1024.0),
        if dry_run { "would be freed" } else { "freed" }
    )
    .map_err(StoreCmdError::Stdout)?;
    out.flush().map_err(StoreCmdError::Stdout)
}

pub fn gc(flag: Option<&Path>, options: GcOptions) -> Result<()> {
    let mut store = open_store(flag)?;
    let report = store.collect_garbage(options)?;
    print_gc_report(&store, &report, options.dry_run)
}

pub fn log(flag: Option<&Path>, path: &str) -> Result<()> {
    let store = open_store(flag)?;
    let p = store.parse_user_path(path)?;
    let drv = if p.is_derivation() {
        Some(p.clone())
    } else {
        store.query(&p)?.and_then(|i| i.deriver)
    };
    let file = drv.map(|d| store.log_file(&d));
    match file.and_then(|f| std::fs::read(f).ok()) {
        Some(bytes) => {
            let mut out = stdout();
            out.write_all(&bytes).map_err(StoreCmdError::Stdout)?;
            out.flush().map_err(StoreCmdError::Stdout)
        }
        None => Err(StoreCmdError::NoLog(store.dir().display(&p))),
    }
}

pub fn export(flag: Option<&Path>, paths: &[String], recursive: bool) -> Result<()> {
    let store = open_store(flag)?;
    let mut set = parse_all(&store, paths)?;
    if recursive {
        set = store.closure(set)?;
    }
    let mut out = stdout();
    store.export(&set, &mut out)?;
    out.flush().map_err(StoreCmdError::Stdout)
}

pub fn import(flag: Option<&Path>) -> Result<()> {
    let mut store = open_store(flag)?;
    let mut input = io::BufReader::with_capacity(1 << 20, io::stdin().lock());
    let paths = store.import(&mut input)?;
    lines(&store, &paths)
}

pub fn ls(flag: Option<&Path>, path: &str, long: bool) -> Result<()> {
    let store = open_store(flag)?;
    let p = store.parse_user_path(path)?;
    store.info(&p)?;
    let mut out = stdout();
    list_tree(&store.real_path(&p), "", long, &mut out)?;
    out.flush().map_err(StoreCmdError::Stdout)
}

fn list_tree(real: &Path, rel: &str, long: bool, out: &mut impl Write) -> Result<()> {
    let io_err = |e| StoreError::Io {
        path: real.to_path_buf(),
        source: e,
    };
    let meta = std::fs::symlink_metadata(real).map_err(io_err)?;
    let shown = if rel.is_empty() { "." } else { rel };
    let w = |out: &mut dyn Write, line: String| -> Result<()> {
        writeln!(out, "{line}").map_err(StoreCmdError::Stdout)
    };
    if meta.is_symlink() {
        let target = std::fs::read_link(real).map_err(io_err)?;
        if long {
            w(out, format!("l {:>12} {shown} -> {}", 0, target.display()))?;
        } else {
            w(out, shown.to_owned())?;
        }
    } else if meta.is_dir() {
        if long {
            w(out, format!("d {:>12} {shown}", 0))?;
        } else {
            w(out, shown.to_owned())?;
        }
        let mut names: Vec<_> = std::fs::read_dir(real)
            .map_err(io_err)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::result::Result<_, _>>()
            .map_err(io_err)?;
        names.sort();
        for n in names {
            let child = if rel.is_empty() {
                n.to_string_lossy().into_owned()
            } else {
                format!("{rel}/{}", n.to_string_lossy())
            };
            list_tree(&real.join(&n), &child, long, out)?;
        }
    } else {
        use std::os::unix::fs::MetadataExt;
        if long {
            let kind = if meta.mode() & 0o100 != 0 { 'x' } else { '-' };
            w(out, format!("{kind} {:>12} {shown}", meta.len()))?;
        } else {
            w(out, shown.to_owned())?;
        }
    }
    Ok(())
}

/// Maps a command's result to an exit code, reporting the error; a closed stdout
/// (`BrokenPipe`) is not a failure.
pub fn finish<E: std::error::Error + 'static>(result: std::result::Result<(), E>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(err) if is_broken_pipe(&err) => 0,
        Err(err) => {
            crate::ui::error(&err);
            super::super::EXIT_FAILURE
        }
    }
}

fn is_broken_pipe(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        cur = e.source();
    }
    false
}
