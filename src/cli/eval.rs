//! `denv eval`: evaluate a Nix expression or file and print the value, as
//! `nix-instantiate --eval` does. Also the evaluation core shared with the
//! `nix-instantiate` front end.
//!
//! Evaluation is read-only: it writes nothing and creates no directory.

use std::io::Read;
use std::path::PathBuf;
use std::rc::Rc;

use crate::eval::{EvalError, EvalOptions, Evaluator, Origin, RealFs, SearchPathEntry, Value};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Evaluate everything, not only the outermost value.
    #[arg(long)]
    strict: bool,
    /// Print the value as JSON.
    #[arg(long, conflicts_with_all = ["xml", "raw"])]
    json: bool,
    /// Print the value as XML.
    #[arg(long, conflicts_with = "raw")]
    xml: bool,
    /// Print a string value without quotes or escapes.
    #[arg(long)]
    raw: bool,
    /// Evaluate this expression instead of a file.
    #[arg(short = 'E', long = "expr", value_name = "EXPR")]
    expr: Option<String>,
    /// Select this attribute path from the value.
    #[arg(short = 'A', long = "attr", value_name = "ATTRPATH")]
    attr: Vec<String>,
    /// Pass NAME = EXPR to the function the file evaluates to.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    arg: Vec<String>,
    /// Pass NAME = STRING to the function the file evaluates to.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
    argstr: Vec<String>,
    /// Add a search-path entry (`PATH` or `NAME=PATH`) for `<NAME>` lookups.
    #[arg(short = 'I', value_name = "PATH")]
    include: Vec<String>,
    /// Show the evaluation trace on errors.
    #[arg(long)]
    show_trace: bool,
    /// The file to evaluate (`-` for standard input; default `default.nix`).
    file: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let Args {
        strict,
        json,
        xml,
        raw,
        expr,
        attr,
        arg,
        argstr,
        include,
        show_trace,
        file,
    } = args;
    let source = match (expr, file) {
        (Some(e), _) => Input::Expr(e),
        (None, Some(f)) if f.as_os_str() == "-" => Input::Stdin,
        (None, Some(f)) => Input::File(f),
        (None, None) => Input::File(PathBuf::from("default.nix")),
    };
    let output = if json {
        Output::Json
    } else if xml {
        Output::Xml { location: true }
    } else if raw {
        Output::Raw
    } else {
        Output::Nix
    };
    let mut auto_args = Vec::new();
    for pair in arg.chunks(2) {
        if let [name, value] = pair {
            auto_args.push((name.clone(), AutoArg::Expr(value.clone())));
        }
    }
    for pair in argstr.chunks(2) {
        if let [name, value] = pair {
            auto_args.push((name.clone(), AutoArg::Str(value.clone())));
        }
    }
    let request = Request {
        inputs: vec![source],
        attr_paths: attr,
        auto_args,
        include,
        strict,
        output,
        show_trace,
    };
    run_request(&request)
}

/// What to evaluate.
#[derive(Debug, Clone)]
pub(crate) enum Input {
    Expr(String),
    File(PathBuf),
    Stdin,
}

/// How to print the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    Nix,
    Json,
    /// XML, with or without source locations.
    Xml {
        location: bool,
    },
    Raw,
}

/// An argument for the auto-called top-level function.
#[derive(Debug, Clone)]
pub(crate) enum AutoArg {
    Expr(String),
    Str(String),
}

/// One evaluation from the command line.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub inputs: Vec<Input>,
    pub attr_paths: Vec<String>,
    pub auto_args: Vec<(String, AutoArg)>,
    pub include: Vec<String>,
    pub strict: bool,
    pub output: Output,
    pub show_trace: bool,
}

/// Builds the evaluator for a command-line evaluation.
pub(crate) fn make_evaluator(include: &[String]) -> Evaluator {
    let cwd = std::env::current_dir().unwrap_or_default();
    // Relative `-I` directories are taken relative to the working directory, as Nix does.
    let mut search_path: Vec<SearchPathEntry> = include
        .iter()
        .map(|s| {
            let mut e = SearchPathEntry::parse(s);
            if !e.path.starts_with('/') && !e.path.contains("://") {
                e.path = cwd.join(&e.path).to_string_lossy().into_owned();
            }
            e
        })
        .collect();
    if let Some(nix_path) = std::env::var_os("NIX_PATH") {
        let nix_path = nix_path.to_string_lossy().into_owned();
        search_path.extend(
            nix_path
                .split(':')
                .filter(|s| !s.is_empty())
                .map(SearchPathEntry::parse),
        );
    }
    let store_dir = crate::paths::Dirs::resolve(crate::paths::Overrides::from_env())
        .store_dir()
        .to_string_lossy()
        .into_owned();
    let options = EvalOptions {
        search_path,
        builtin_search_path: crate::environment::denv::builtin_search_path(),
        ..EvalOptions::default()
    };
    let io = crate::environment::denv::eval_io(Rc::new(RealFs), &options.base_dir);
    let glue = crate::environment::glue::for_evaluation(&store_dir);
    let mut ev = Evaluator::new(io, glue, options);
    ev.set_trace_sink(Box::new(crate::ui::trace));
    ev
}

/// Runs a request, printing values on stdout and errors on stderr; returns the exit code.
pub(crate) fn run_request(req: &Request) -> u8 {
    match crate::eval::run_on_eval_stack(|| run_request_here(req)) {
        Ok(code) => code,
        Err(e) => {
            crate::ui::error(&e);
            super::EXIT_FAILURE
        }
    }
}

fn run_request_here(req: &Request) -> u8 {
    let mut ev = make_evaluator(&req.include);
    for input in &req.inputs {
        match evaluate_input(&mut ev, req, input) {
            Ok(texts) => {
                for text in texts {
                    if crate::ui::stdout(&text).is_err() {
                        return 0;
                    }
                }
            }
            Err(err) => {
                crate::ui::diagnostic(&ev.render_error(&err, req.show_trace));
                return super::EXIT_FAILURE;
            }
        }
    }
    0
}

fn evaluate_input(
    ev: &mut Evaluator,
    req: &Request,
    input: &Input,
) -> Result<Vec<Vec<u8>>, EvalError> {
    let cwd = ev.options().base_dir.clone();
    let root = match input {
        Input::Expr(e) => ev.eval_source(Origin::String, e, &cwd)?,
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| EvalError::msg(format!("reading standard input: {e}")))?;
            ev.eval_source_bytes(Origin::Stdin, &bytes, &cwd)?
        }
        Input::File(f) => ev.eval_file(f)?,
    };
    let auto = auto_args(ev, &req.auto_args, &cwd)?;
    let paths: Vec<String> = if req.attr_paths.is_empty() {
        vec![String::new()]
    } else {
        req.attr_paths.clone()
    };
    let mut out = Vec::new();
    for path in paths {
        let v = select_attr_path(ev, &root, &path, &auto)?;
        // As in Nix, the selected value is called only when arguments were given.
        let v = if req.auto_args.is_empty() {
            v
        } else {
            auto_call(ev, &v, &auto)?
        };
        out.push(format_value(ev, &v, req.strict, req.output)?);
    }
    Ok(out)
}

/// Prints a value in the requested format, with the trailing newline Nix prints. Bytes:
/// strings are written as the bytes they hold.
pub(crate) fn format_value(
    ev: &mut Evaluator,
    v: &Value,
    strict: bool,
    output: Output,
) -> Result<Vec<u8>, EvalError> {
    match output {
        Output::Nix => {
            let mut out = ev.print_value(v, strict)?;
            out.push(b'\n');
            Ok(out)
        }
        Output::Raw => {
            let v = ev.force(v)?;
            let s = ev.coerce_to_string(&v, crate::eval::Coercion::INTERPOLATE)?;
            Ok(s.as_bytes().to_vec())
        }
        Output::Json => {
            let v = if strict {
                ev.force_deep(v)?
            } else {
                ev.force(v)?
            };
            crate::eval::builtins::serde::to_json(ev, &v, strict)
        }
        Output::Xml { location } => {
            let v = if strict {
                ev.force_deep(v)?
            } else {
                ev.force(v)?
            };
            crate::eval::builtins::serde::to_xml(ev, &v, strict, location)
        }
    }
}

fn auto_args(
    ev: &mut Evaluator,
    args: &[(String, AutoArg)],
    cwd: &std::path::Path,
) -> Result<Value, EvalError> {
    let mut attrs = crate::eval::Attrs::new();
    for (name, arg) in args {
        let value = match arg {
            AutoArg::Str(s) => Value::string(s.as_str()),
            AutoArg::Expr(e) => ev.eval_source(Origin::String, e, cwd)?,
        };
        let sym = ev.intern(name);
        attrs.insert(sym, crate::eval::Pos::NONE, value);
    }
    Ok(Value::attrs(attrs))
}

/// Calls a function whose parameter is a set pattern with the `--arg`s, as Nix does for
/// the top-level value; anything else is returned as it is.
pub(crate) fn auto_call(ev: &mut Evaluator, v: &Value, args: &Value) -> Result<Value, EvalError> {
    let v = ev.force(v)?;
    ev.auto_call(&v, args)
}

/// Follows `-A a.b.0` through sets and lists, auto-calling functions on the way.
pub(crate) fn select_attr_path(
    ev: &mut Evaluator,
    root: &Value,
    path: &str,
    args: &Value,
) -> Result<Value, EvalError> {
    let mut v = ev.force(root)?;
    if path.is_empty() {
        return Ok(v);
    }
    for part in path.split('.') {
        v = auto_call(ev, &v, args)?;
        v = match &v {
            Value::List(items) if part.parse::<usize>().is_ok() => {
                let i = part.parse::<usize>().unwrap_or(0);
                match items.get(i) {
                    Some(item) => ev.force(item)?,
                    None => {
                        return Err(EvalError::msg(format!(
                            "list index {i} in selection path '{path}' is out of range"
                        )));
                    }
                }
            }
            Value::Attrs(a) => {
                let sym = ev.intern(part);
                match a.get(sym) {
                    Some(found) => ev.force(&found.clone())?,
                    None => {
                        return Err(EvalError::msg(format!(
                            "attribute '{part}' in selection path '{path}' not found"
                        )));
                    }
                }
            }
            other => {
                return Err(EvalError::msg(format!(
                    "the expression selected by the selection path '{path}' should be a set but is {}",
                    other.type_desc()
                )));
            }
        };
    }
    Ok(v)
}
