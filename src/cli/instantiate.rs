//! `nix-instantiate` without `--eval`: evaluate, write the `.drv` closure into the store
//! and print each derivation (`PATH.drv`, or `PATH.drv!OUTPUT` for another output), or
//! with `--add-root LINK` the links made to them (`LINK`, `LINK-2`, …), as Nix does.

use std::path::PathBuf;

use crate::environment::glue::{self, AutoArg, Input, Target};
use crate::paths::{Dirs, Overrides};
use crate::store::Store;

/// What `nix-instantiate` parsed.
pub(crate) struct Request {
    pub inputs: Vec<Input>,
    pub attr_paths: Vec<String>,
    pub auto_args: Vec<(String, AutoArg)>,
    pub include: Vec<String>,
    pub add_root: Option<PathBuf>,
    pub store: Option<PathBuf>,
    pub show_trace: bool,
}

/// Instantiates every input; returns the exit code.
pub(crate) fn run(req: Request) -> u8 {
    let Request {
        inputs,
        attr_paths,
        auto_args,
        include,
        add_root,
        store,
        show_trace,
    } = req;
    let base_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let nix_path: Vec<String> = std::env::var_os("NIX_PATH")
        .map(|p| {
            p.to_string_lossy()
                .split(':')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let dir = store.unwrap_or_else(|| Dirs::resolve(Overrides::from_env()).store_dir());
    let mut store = match Store::open(&dir) {
        Ok(s) => s,
        Err(e) => {
            crate::ui::error(&e);
            return super::EXIT_FAILURE;
        }
    };
    if add_root.is_none() {
        crate::ui::warning(
            "you did not specify '--add-root'; the result might be removed by the garbage collector",
        );
    }
    let mut root_nr = 0;
    for input in inputs {
        let target = Target {
            input,
            attr_paths: attr_paths.clone(),
            auto_args: auto_args.clone(),
            include: include.clone(),
            nix_path: nix_path.clone(),
            base_dir: base_dir.clone(),
        };
        let derivations;
        (store, derivations) = match glue::instantiate_into(store, &target, show_trace) {
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
        for d in derivations {
            let shown = match &add_root {
                Some(link) => {
                    root_nr += 1;
                    let mut name = base_dir.join(link).into_os_string();
                    if root_nr > 1 {
                        name.push(format!("-{root_nr}"));
                    }
                    let name = PathBuf::from(name);
                    if let Err(e) = store.add_perm_root(&d.drv_path, &name) {
                        crate::ui::error(&e);
                        return super::EXIT_FAILURE;
                    }
                    name.to_string_lossy().into_owned()
                }
                None => store.dir().display(&d.drv_path),
            };
            let suffix = if d.output == "out" {
                String::new()
            } else {
                format!("!{}", d.output)
            };
            if crate::ui::build::path_line(&format!("{shown}{suffix}")).is_err() {
                return 0;
            }
        }
    }
    0
}

/// The entry point for `nix-instantiate`'s flag parser (which shares its input types with
/// `denv eval`).
pub(crate) fn from_nix_instantiate(
    inputs: Vec<super::eval::Input>,
    attr_paths: Vec<String>,
    auto_args: Vec<(String, super::eval::AutoArg)>,
    include: Vec<String>,
    add_root: Option<String>,
    store: Option<String>,
    show_trace: bool,
) -> u8 {
    let mut converted = Vec::new();
    for input in inputs {
        converted.push(match input {
            super::eval::Input::Expr(e) => Input::Expr(e),
            super::eval::Input::File(f) => Input::File(f),
            super::eval::Input::Stdin => {
                let mut text = String::new();
                if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                    crate::ui::error(&e);
                    return super::EXIT_FAILURE;
                }
                Input::Expr(text)
            }
        });
    }
    run(Request {
        inputs: converted,
        attr_paths,
        auto_args: auto_args
            .into_iter()
            .map(|(n, a)| {
                let a = match a {
                    super::eval::AutoArg::Expr(e) => AutoArg::Expr(e),
                    super::eval::AutoArg::Str(s) => AutoArg::Str(s),
                };
                (n, a)
            })
            .collect(),
        include,
        add_root: add_root.map(PathBuf::from),
        store: store.map(PathBuf::from),
        show_trace,
    })
}
