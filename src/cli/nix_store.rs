//! `nix-store` as Nix spells it (`denv nix-store …`, or the binary invoked by that name),
//! running against denv's store: one operation flag, its options, then arguments.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::EXIT_USAGE;
use super::store::finish;
use super::store::ops::{self, StoreCmdError, open_store, stdout};
use crate::store::{GcOptions, HashAlgo, HashFormat, IngestionMethod, StorePath};

const USAGE: &str = "usage: nix-store OPERATION [OPTIONS...] [ARGS...]
operations: --realise --add --add-fixed [--recursive] ALGO --dump --restore
            -q/--query (--references | --referrers | -R/--requisites | --deriver | --hash | --size)
            --verify-path --verify [--check-contents] [--repair] --export --import
            --gc [--print-dead] [--max-freed N] --delete";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Query {
    Outputs,
    References,
    Referrers,
    Requisites,
    Deriver,
    Hash,
    Size,
}

#[derive(Debug, Default)]
struct Parsed {
    op: Option<String>,
    query: Option<Query>,
    recursive: bool,
    repair: bool,
    print_dead: bool,
    max_freed: Option<u64>,
    store: Option<PathBuf>,
    rest: Vec<String>,
}

/// Runs with the arguments after the program name.
pub fn main(args: Vec<OsString>) -> u8 {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        let _ = writeln!(std::io::stdout(), "{USAGE}");
        return 0;
    }
    let parsed = match parse(args) {
        Ok(p) => p,
        Err(msg) => {
            crate::ui::error(&StoreCmdError::Usage(format!("{msg}\n{USAGE}")));
            return EXIT_USAGE;
        }
    };
    finish(run(parsed))
}

fn parse(args: Vec<OsString>) -> Result<Parsed, String> {
    let mut p = Parsed::default();
    let mut it = args.into_iter().map(|a| a.to_string_lossy().into_owned());
    let ops = [
        "--realise",
        "--add",
        "--add-fixed",
        "--dump",
        "--restore",
        "--query",
        "--verify-path",
        "--verify",
        "--export",
        "--import",
        "--gc",
        "--delete",
    ];
    while let Some(a) = it.next() {
        let mut set_op = |name: &str| -> Result<(), String> {
            match &p.op {
                Some(prev) => Err(format!(
                    "only one operation may be given ({prev} and {name})"
                )),
                None => {
                    p.op = Some(name.to_owned());
                    Ok(())
                }
            }
        };
        match a.as_str() {
            "-q" => set_op("--query")?,
            op if ops.contains(&op) => set_op(op)?,
            "--realise" | "-r" => set_op("--realise")?,
            "--references" => p.query = Some(Query::References),
            "--referrers" => p.query = Some(Query::Referrers),
            "--requisites" | "-R" => p.query = Some(Query::Requisites),
            "--deriver" | "-d" => p.query = Some(Query::Deriver),
            "--hash" => p.query = Some(Query::Hash),
            "--size" => p.query = Some(Query::Size),
            "--outputs" => p.query = Some(Query::Outputs),
            "--recursive" => p.recursive = true,
            "--repair" => p.repair = true,
            "--check-contents" => {}
            "--print-dead" => p.print_dead = true,
            "--max-freed" => {
                let v = it.next().ok_or("--max-freed needs a size")?;
                p.max_freed = Some(super::gc::parse_size(&v)?);
            }
            "--store" => p.store = Some(it.next().ok_or("--store needs a directory")?.into()),
            "--option" => {
                it.next();
                it.next();
            }
            "--" => p.rest.extend(it.by_ref()),
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(format!("unrecognised flag '{flag}'"));
            }
            _ => p.rest.push(a),
        }
    }
    if p.op.is_none() {
        return Err("no operation specified".into());
    }
    Ok(p)
}

fn run(p: Parsed) -> ops::Result<()> {
    let Parsed {
        op,
        query,
        recursive,
        repair,
        print_dead,
        max_freed,
        store,
        rest,
    } = p;
    let flag = store.as_deref();
    let one = |what: &str| -> ops::Result<PathBuf> {
        match rest.as_slice() {
            [x] => Ok(PathBuf::from(x)),
            _ => Err(StoreCmdError::Usage(format!(
                "{what} takes exactly one path"
            ))),
        }
    };
    match op.as_deref().unwrap_or_default() {
        "--add" => {
            let paths: Vec<PathBuf> = rest.iter().map(PathBuf::from).collect();
            ops::add(flag, &paths, None)
        }
        "--add-fixed" => add_fixed(flag, &rest, recursive),
        "--dump" => ops::dump(&one("--dump")?),
        "--restore" => ops::restore(&one("--restore")?),
        "--query" => query_op(flag, query.unwrap_or(Query::Outputs), &rest),
        "--verify-path" => verify_path(flag, &rest),
        "--verify" => ops::verify(flag, &[], repair),
        "--export" => ops::export(flag, &rest, false),
        "--import" => ops::import(flag),
        "--realise" => realise(flag, &rest),
        "--gc" => ops::gc(
            flag,
            GcOptions {
                dry_run: print_dead,
                max_freed,
            },
        ),
        _ => ops::delete(flag, &rest),
    }
}

/// Builds the given derivations (all their outputs) and prints the output paths; a path
/// that is not a derivation is printed when it is valid, as `nix-store --realise` does.
fn realise(flag: Option<&Path>, rest: &[String]) -> ops::Result<()> {
    let mut store = open_store(flag)?;
    let mut wanted = Vec::new();
    for r in rest {
        let path = store.parse_user_path(r)?;
        if !path.is_derivation() {
            store.info(&path)?;
        }
        wanted.push(path);
    }
    let goals: Vec<crate::build::Goal> = wanted
        .iter()
        .filter(|p| p.is_derivation())
        .map(|drv| crate::build::Goal {
            drv: drv.clone(),
            outputs: std::collections::BTreeSet::new(),
        })
        .collect();
    let options = crate::build::BuildOptions::default();
    let interrupt = crate::build::Interrupt::on_signals();
    let mut shown = super::build::Shown::new();
    let realised = crate::build::realise(&mut store, &goals, &options, &interrupt, &mut |e| {
        shown.event(e)
    })?;
    drop(shown);
    let mut out = stdout();
    for path in &wanted {
        let outputs: Vec<&StorePath> = match realised.get(path) {
            Some(outputs) => outputs.values().collect(),
            None => vec![path],
        };
        for output in outputs {
            writeln!(out, "{}", store.dir().display(output)).map_err(StoreCmdError::Stdout)?;
        }
    }
    out.flush().map_err(StoreCmdError::Stdout)
}

fn add_fixed(flag: Option<&Path>, rest: &[String], recursive: bool) -> ops::Result<()> {
    let (algo, paths) = rest
        .split_first()
        .ok_or_else(|| StoreCmdError::Usage("--add-fixed needs an algorithm".into()))?;
    let algo: HashAlgo = algo.parse().map_err(crate::store::StoreError::from)?;
    let method = if recursive {
        IngestionMethod::Recursive
    } else {
        IngestionMethod::Flat
    };
    let mut store = open_store(flag)?;
    let mut out = stdout();
    for p in paths {
        let path = Path::new(p);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| StoreCmdError::NoName(path.to_path_buf()))?;
        let added = store.add_fixed(path, name, method, algo)?;
        writeln!(out, "{}", store.dir().display(&added)).map_err(StoreCmdError::Stdout)?;
    }
    out.flush().map_err(StoreCmdError::Stdout)
}

fn query_op(flag: Option<&Path>, query: Query, rest: &[String]) -> ops::Result<()> {
    let store = open_store(flag)?;
    let mut paths = Vec::new();
    for r in rest {
        paths.push(store.parse_user_path(r)?);
    }
    let dir = store.dir();
    let mut out = stdout();
    let mut print = |line: String| writeln!(out, "{line}").map_err(StoreCmdError::Stdout);
    match query {
        Query::Outputs => {
            for p in &paths {
                store.info(p)?;
                print(dir.display(p))?;
            }
        }
        Query::References | Query::Referrers | Query::Requisites => {
            let mut set = std::collections::BTreeSet::<StorePath>::new();
            for p in &paths {
                match query {
                    Query::References => set.extend(store.info(p)?.references),
                    Query::Referrers => {
                        store.info(p)?;
                        set.extend(store.referrers(p)?);
                    }
                    _ => set.extend(store.closure([p.clone()])?),
                }
            }
            let ordered = if query == Query::Requisites {
                store.topo_sort(&set)?
            } else {
                set.into_iter().collect()
            };
            for p in &ordered {
                print(dir.display(p))?;
            }
        }
        Query::Deriver => {
            for p in &paths {
                let d = store.info(p)?.deriver;
                print(d.map_or_else(|| "unknown-deriver".to_owned(), |d| dir.display(&d)))?;
            }
        }
        Query::Hash => {
            for p in &paths {
                print(store.info(p)?.nar_hash.to_typed_string(HashFormat::Nix32))?;
            }
        }
        Query::Size => {
            for p in &paths {
                print(store.info(p)?.nar_size.to_string())?;
            }
        }
    }
    out.flush().map_err(StoreCmdError::Stdout)
}

fn verify_path(flag: Option<&Path>, rest: &[String]) -> ops::Result<()> {
    let store = open_store(flag)?;
    for r in rest {
        let p = store.parse_user_path(r)?;
        let info = store.info(&p)?;
        let mut h = crate::store::hash::Hasher::new(HashAlgo::Sha256);
        crate::store::nar::dump_path(&store.real_path(&p), &mut h)?;
        let got = h.finish();
        if got != info.nar_hash {
            return Err(StoreCmdError::Modified {
                path: store.dir().display(&p),
                expected: info.nar_hash.to_typed_string(HashFormat::Nix32),
                got: got.to_typed_string(HashFormat::Nix32),
            });
        }
    }
    Ok(())
}
