//! `denv nix-instantiate` and the multi-call name `nix-instantiate`: Nix's front end with
//! its own flags (`--eval`, `--strict`, `--json`, `--xml`, `--parse`, `-E`, `-A`,
//! `--arg`, `--argstr`, `-I`, `-`), mapped onto the evaluation core of `denv eval`.
//!
//! Exit codes are Nix's: 0 success, 1 evaluation or parse error, 1 for bad flags too
//! (Nix reports usage errors as errors).

use std::ffi::OsString;
use std::path::PathBuf;

use super::eval::{AutoArg, Input, Output, Request, run_request};

/// Settings parsed from nix-instantiate's flags.
#[derive(Debug, Default)]
struct Flags {
    eval: bool,
    parse: bool,
    strict: bool,
    json: bool,
    xml: bool,
    from_expr: bool,
    show_trace: bool,
    no_location: bool,
    attr_paths: Vec<String>,
    auto_args: Vec<(String, AutoArg)>,
    include: Vec<String>,
    files: Vec<String>,
    add_root: Option<String>,
    store: Option<String>,
}

fn usage_error(msg: &str) -> u8 {
    crate::ui::diagnostic(&format!(
        "error: {msg}\nTry 'nix-instantiate --help' for more information.\n"
    ));
    super::EXIT_FAILURE
}

/// Runs nix-instantiate with the arguments after the program name.
pub fn main(args: Vec<OsString>) -> u8 {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut flags = Flags::default();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let need = |n: usize, it: &mut std::vec::IntoIter<String>| -> Option<Vec<String>> {
            let v: Vec<String> = it.by_ref().take(n).collect();
            (v.len() == n).then_some(v)
        };
        match a.as_str() {
            "--eval" | "--eval-only" => flags.eval = true,
            "--parse" | "--parse-only" => flags.parse = true,
            "--strict" => flags.strict = true,
            "--json" => flags.json = true,
            "--xml" => flags.xml = true,
            "-E" | "--expr" => flags.from_expr = true,
            "--show-trace" => flags.show_trace = true,
            "--no-location" => flags.no_location = true,
            "--readonly-mode" | "-r" | "--read-write-mode" | "--dry-run" | "--indirect" => {}
            "-A" | "--attr" => match need(1, &mut it) {
                Some(v) => flags.attr_paths.extend(v),
                None => return usage_error(&format!("flag '{a}' requires 1 argument")),
            },
            "--arg" | "--argstr" => match need(2, &mut it) {
                Some(v) => {
                    let value = if a == "--arg" {
                        AutoArg::Expr(v[1].clone())
                    } else {
                        AutoArg::Str(v[1].clone())
                    };
                    flags.auto_args.push((v[0].clone(), value));
                }
                None => return usage_error(&format!("flag '{a}' requires 2 arguments")),
            },
            "-I" | "--include" => match need(1, &mut it) {
                Some(v) => flags.include.extend(v),
                None => return usage_error(&format!("flag '{a}' requires 1 argument")),
            },
            "--option" => {
                if need(2, &mut it).is_none() {
                    return usage_error("flag '--option' requires 2 arguments");
                }
            }
            "--store" | "--add-root" => match need(1, &mut it) {
                Some(mut v) if a == "--store" => flags.store = v.pop(),
                Some(mut v) => flags.add_root = v.pop(),
                None => return usage_error(&format!("flag '{a}' requires 1 argument")),
            },
            s if s.starts_with('-') && s != "-" => {
                return usage_error(&format!("unrecognised flag '{s}'"));
            }
            _ => flags.files.push(a),
        }
    }
    run(flags)
}

fn run(flags: Flags) -> u8 {
    let Flags {
        eval,
        parse,
        strict,
        json,
        xml,
        from_expr,
        show_trace,
        no_location,
        attr_paths,
        auto_args,
        include,
        files,
        add_root,
        store,
    } = flags;
    let inputs: Vec<Input> = if from_expr {
        files.into_iter().map(Input::Expr).collect()
    } else if files.is_empty() {
        vec![Input::File(PathBuf::from("default.nix"))]
    } else {
        files
            .into_iter()
            .map(|f| {
                if f == "-" {
                    Input::Stdin
                } else {
                    Input::File(PathBuf::from(f))
                }
            })
            .collect()
    };
    if parse {
        return parse_only(&inputs, &include, show_trace);
    }
    if !eval {
        return super::instantiate::from_nix_instantiate(
            inputs, attr_paths, auto_args, include, add_root, store, show_trace,
        );
    }
    let output = if json {
        Output::Json
    } else if xml {
        Output::Xml {
            location: !no_location,
        }
    } else {
        Output::Nix
    };
    run_request(&Request {
        inputs,
        attr_paths,
        auto_args,
        include,
        strict,
        output,
        show_trace,
    })
}

/// `--parse`: parses (and checks) each input and prints its expression.
fn parse_only(inputs: &[Input], include: &[String], show_trace: bool) -> u8 {
    let mut ev = super::eval::make_evaluator(include);
    let cwd = ev.options().base_dir.clone();
    for input in inputs {
        let result = match input {
            Input::Expr(e) => ev.parse_to_text(crate::eval::Origin::String, e, &cwd),
            Input::Stdin => {
                let mut text = String::new();
                let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text);
                ev.parse_to_text(crate::eval::Origin::Stdin, &text, &cwd)
            }
            Input::File(f) => ev.parse_file_to_text(f),
        };
        match result {
            Ok(text) => {
                if crate::ui::stdout(format!("{text}\n").as_bytes()).is_err() {
                    return 0;
                }
            }
            Err(err) => {
                crate::ui::diagnostic(&ev.render_error(&err, show_trace));
                return super::EXIT_FAILURE;
            }
        }
    }
    0
}
