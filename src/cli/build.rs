//! `denv build`: evaluate a Nix expression, build its derivations, link `./result`
//! (as `nix-build` does) and print the output paths.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Parser;

use crate::build::{BuildEvent, BuildOptions, Interrupt, SandboxMode};
use crate::environment::glue::{self, AutoArg, Input, Target};
use crate::paths::{Dirs, Overrides};
use crate::store::{Store, StorePath};

#[derive(Debug, Parser)]
pub struct Args {
    /// The file to evaluate (default: ./default.nix).
    file: Option<PathBuf>,
    /// Evaluate this expression instead of a file.
    #[arg(short = 'E', long = "expr", conflicts_with = "file")]
    expr: Option<String>,
    /// Build this attribute of the result (repeatable).
    #[arg(short = 'A', long = "attr")]
    attr: Vec<String>,
    /// Pass NAME = EXPR to the top-level function.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    arg: Vec<String>,
    /// Pass NAME = "STRING" to the top-level function.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
    argstr: Vec<String>,
    /// Add a search path entry (`-I nixpkgs=/path`).
    #[arg(short = 'I', long = "include")]
    include: Vec<String>,
    /// Where to create the result link (default: ./result).
    #[arg(short = 'o', long = "out-link", conflicts_with = "no_link")]
    out_link: Option<PathBuf>,
    /// Do not create a result link.
    #[arg(long)]
    no_link: bool,
    /// Build this many derivations at once.
    #[arg(short = 'j', long = "max-jobs", default_value_t = 1)]
    jobs: usize,
    /// The store directory to use.
    #[arg(long)]
    store: Option<PathBuf>,
    /// Build without the namespace sandbox.
    #[arg(long)]
    no_sandbox: bool,
    /// Show the evaluation trace of errors.
    #[arg(long)]
    show_trace: bool,
}

/// Pairs of `--arg NAME VALUE` flattened by clap.
fn pairs(flat: &[String], make: fn(String) -> AutoArg) -> Vec<(String, AutoArg)> {
    flat.chunks(2)
        .filter_map(|c| match c {
            [n, v] => Some((n.clone(), make(v.clone()))),
            _ => None,
        })
        .collect()
}

pub fn run(args: Args) -> u8 {
    let Args {
        file,
        expr,
        attr,
        arg,
        argstr,
        include,
        out_link,
        no_link,
        jobs,
        store,
        no_sandbox,
        show_trace,
    } = args;
    let base_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let input = match expr {
        Some(e) => Input::Expr(e),
        None => Input::File(file.unwrap_or_else(|| PathBuf::from("default.nix"))),
    };
    let mut auto_args = pairs(&arg, AutoArg::Expr);
    auto_args.extend(pairs(&argstr, AutoArg::Str));
    let nix_path: Vec<String> = std::env::var_os("NIX_PATH")
        .map(|p| {
            p.to_string_lossy()
                .split(':')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let target = Target {
        input,
        attr_paths: attr,
        auto_args,
        include,
        nix_path,
        base_dir,
    };
    let store_dir = store.unwrap_or_else(|| Dirs::resolve(Overrides::from_env()).store_dir());
    let store = match Store::open(&store_dir) {
        Ok(s) => s,
        Err(e) => {
            crate::ui::error(&e);
            return super::EXIT_FAILURE;
        }
    };
    let opts = BuildOptions {
        jobs,
        sandbox: if no_sandbox {
            SandboxMode::Off
        } else {
            SandboxMode::Auto
        },
        ..BuildOptions::default()
    };
    let interrupt = Interrupt::on_signals();
    let mut shown = Shown::new();
    let result = glue::build(store, &target, show_trace, &opts, &interrupt, &mut |e| {
        shown.event(e)
    });
    drop(shown);
    let (mut store, built) = match result {
        Ok(r) => r,
        Err(glue::RealiseError::Instantiate(e)) => {
            crate::ui::build::rendered(&e.to_string());
            return super::EXIT_FAILURE;
        }
        Err(e) => {
            crate::ui::error(&e);
            return super::EXIT_FAILURE;
        }
    };
    let link = if no_link {
        None
    } else {
        Some(out_link.unwrap_or_else(|| PathBuf::from("result")))
    };
    // As nix-build: in the order named; each derivation numbered by its first mention
    // (result, result-2, …), each output other than `out` suffixed (`result-dev`).
    let mut numbers: BTreeMap<StorePath, usize> = BTreeMap::new();
    for b in &built {
        let next = numbers.len();
        let counter = *numbers.entry(b.drv_path.clone()).or_insert(next);
        if let Some(base) = &link {
            let mut name = base.as_os_str().to_owned();
            if counter > 0 {
                name.push(format!("-{}", counter + 1));
            }
            if b.output != "out" {
                name.push(format!("-{}", b.output));
            }
            if let Err(e) = store.add_perm_root(&b.path, &PathBuf::from(name)) {
                crate::ui::error(&e);
                return super::EXIT_FAILURE;
            }
        }
        if crate::ui::build::path_line(&store.dir().display(&b.path)).is_err() {
            return 0;
        }
    }
    0
}

/// Shows what the builder reports on stderr: its lines, and a status line while files
/// are downloaded (erased when the view is dropped).
pub(super) struct Shown {
    view: crate::ui::progress::BuildView,
}

impl Shown {
    pub(super) fn new() -> Shown {
        Shown {
            view: crate::ui::progress::BuildView::stderr(),
        }
    }

    pub(super) fn event(&mut self, event: BuildEvent) {
        let view = &mut self.view;
        match event {
            BuildEvent::Planned { downloads, .. } => view.planned(&downloads),
            BuildEvent::Started { drv } => view.started(&drv),
            BuildEvent::Downloading { drv, done, total } => view.progress(&drv, done, total),
            BuildEvent::Log { line, .. } => view.line(&line),
            BuildEvent::Warning(w) => view.warning(&w),
            BuildEvent::Built { drv } | BuildEvent::BuiltElsewhere { drv } => view.fetched(&drv),
        }
    }
}
