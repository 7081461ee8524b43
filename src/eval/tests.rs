//! Evaluator tests: whole expressions in, printed values or rendered errors out. The
//! expected texts are what `nix-instantiate --eval` prints for the same input.

use std::path::Path;
use std::rc::Rc;

use super::glue::{DerivationRequest, DerivationResult, NoStore, StoreGlue};
use super::{EvalOptions, Evaluator, Origin, RealFs, run_on_eval_stack};

fn evaluator_with(store: Rc<dyn StoreGlue>) -> Evaluator {
    let options = EvalOptions {
        base_dir: "/tmp".into(),
        ..EvalOptions::default()
    };
    Evaluator::new(Rc::new(RealFs), store, options)
}

/// Evaluates `src` and prints it like `--strict` (or renders the error).
fn run(src: &str, strict: bool) -> String {
    let src = src.to_string();
    run_on_eval_stack(move || {
        let mut ev = evaluator_with(Rc::new(NoStore::new("/store")));
        let result = ev
            .eval_source(Origin::String, &src, Path::new("/tmp"))
            .and_then(|v| ev.print_value(&v, strict));
        match result {
            Ok(text) => String::from_utf8_lossy(&text).into_owned(),
            Err(e) => ev.render_error(&e, false),
        }
    })
    .unwrap_or_default()
}

fn strict(src: &str) -> String {
    run(src, true)
}

#[test]
fn laziness_shows_unevaluated_values_as_code() {
    assert_eq!(
        run(
            "{ a = 1; b = x: x; c = [ (1 + 1) ]; d = builtins.add 1; }",
            false
        ),
        "{ a = 1; b = <CODE>; c = <CODE>; d = <CODE>; }"
    );
    assert_eq!(
        strict("{ b = x: x; c = builtins.add; d = builtins.add 1; }"),
        "{ b = <LAMBDA>; c = <PRIMOP>; d = <PRIMOP-APP>; }"
    );
}

#[test]
fn shared_values_print_as_repeated() {
    assert_eq!(strict("let x = [ 1 ]; in [ x x ]"), "[ [ 1 ] «repeated» ]");
    assert_eq!(strict("let x = [ ]; in [ x x ]"), "[ [ ] [ ] ]");
}

#[test]
fn recursive_sets_lets_and_nested_paths() {
    assert_eq!(
        strict("rec { a = 1; b = a + 1; c = { d.e = b; d.f = [ 1 2 ]; }; }"),
        "{ a = 1; b = 2; c = { d = { e = 2; f = [ 1 2 ]; }; }; }"
    );
    assert_eq!(strict("let a = b; b = 1; in a"), "1");
    assert_eq!(strict("let { a = 1; body = a + 1; }"), "2");
    assert_eq!(
        strict("{ a.b = 1; a = { c = 2; }; }"),
        "{ a = { b = 1; c = 2; }; }"
    );
}

#[test]
fn with_never_shadows_static_bindings() {
    assert_eq!(strict("let a = 3; in with { a = 1; }; a"), "3");
    assert_eq!(strict("with { a = 1; }; with { a = 2; }; a"), "2");
    assert_eq!(strict("with { true = false; }; true"), "true");
}

#[test]
fn duplicate_attribute_is_reported_at_the_second_definition() {
    assert_eq!(
        strict("{ a = 1; a.b = 2; }"),
        "error: attribute 'a.b' already defined at (string):1:3\n\n       at «string»:1:10:\n\n            1| { a = 1; a.b = 2; }\n             |          ^\n"
    );
}

#[test]
fn undefined_variable_is_a_compile_error() {
    assert_eq!(
        strict("let f = x: y; in 1"),
        "error: undefined variable 'y'\n\n       at «string»:1:12:\n\n            1| let f = x: y; in 1\n             |            ^\n"
    );
}

#[test]
fn self_dependent_thunk_is_infinite_recursion() {
    assert!(strict("let x = x; in x").starts_with("error: infinite recursion encountered"));
    assert!(strict("let x = { a = x.a; }; in x.a").starts_with("error: infinite recursion"));
}

#[test]
fn deep_non_tail_recursion_succeeds() {
    assert_eq!(
        strict("let f = n: if n == 0 then 0 else n + f (n - 1); in f 100000"),
        "5000050000"
    );
}

#[test]
fn unbounded_recursion_is_a_stack_overflow_error() {
    assert_eq!(
        strict("let f = n: 1 + f (n + 1); in f 0"),
        "error: stack overflow (possible infinite recursion)\n"
    );
}

#[test]
fn try_eval_catches_throw_and_assert_only() {
    assert_eq!(
        strict(
            "[ (builtins.tryEval (throw \"x\")) (builtins.tryEval (assert false; 1)) (builtins.tryEval 2) ]"
        ),
        "[ { success = false; value = false; } { success = false; value = false; } { success = true; value = 2; } ]"
    );
    assert!(strict("builtins.tryEval (abort \"x\")").starts_with("error: evaluation aborted"));
}

#[test]
fn interpolation_and_to_string_coerce_differently() {
    assert!(strict("\"${1}\"").starts_with("error: cannot coerce an integer to a string"));
    assert_eq!(
        strict("toString [ 1 [ ] null true false 1.5 \"a\" [ 2 ] ]"),
        "\"1  1  1.500000 a 2\""
    );
}

#[test]
fn integer_overflow_is_an_error() {
    assert_eq!(
        strict("9223372036854775807 + 1"),
        "error: integer overflow in adding 9223372036854775807 + 1\n\n       at «string»:1:23:\n\n            1| 9223372036854775807 + 1\n             |                       ^\n"
    );
}

#[test]
fn context_survives_interpolation_and_can_be_discarded() {
    let with_ctx = "builtins.appendContext \"x\" { \"/store/aaa-x\" = { path = true; }; }";
    assert_eq!(
        strict(&format!("builtins.getContext \"${{{with_ctx}}}-y\"")),
        "{ \"/store/aaa-x\" = { path = true; }; }"
    );
    assert_eq!(
        strict(&format!(
            "builtins.hasContext (builtins.unsafeDiscardStringContext ({with_ctx}))"
        )),
        "false"
    );
}

/// A store that answers derivations with fixed paths, to check the `derivation` wrapper.
struct FixedStore;

impl StoreGlue for FixedStore {
    fn store_dir(&self) -> &str {
        "/store"
    }
    fn add_path(
        &self,
        req: super::glue::AddPath<'_>,
        _filter: Option<super::glue::PathFilter<'_>>,
    ) -> Result<String, super::EvalError> {
        Ok(format!("/store/src-{}", req.name))
    }
    fn to_file(
        &self,
        name: &str,
        _text: &[u8],
        _context: &super::Context,
    ) -> Result<String, super::EvalError> {
        Ok(format!("/store/file-{name}"))
    }
    fn derivation_strict(
        &self,
        req: DerivationRequest,
    ) -> Result<DerivationResult, super::EvalError> {
        let env: Vec<String> = req.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        Ok(DerivationResult {
            drv_path: format!("/store/{}-{}.drv", env.join(";").len(), req.name),
            outputs: req
                .outputs
                .iter()
                .map(|o| (o.clone(), format!("/store/{}-{o}", req.name)))
                .collect(),
        })
    }
    fn store_path(&self, path: &str) -> Result<String, super::EvalError> {
        Ok(path.to_string())
    }
    fn fetch(&self, req: super::glue::FetchRequest<'_>) -> Result<String, super::EvalError> {
        Err(super::EvalError::msg(format!("no network for {}", req.url)))
    }
    fn fetch_git(
        &self,
        req: &super::glue::GitRequest,
    ) -> Result<super::glue::GitTree, super::EvalError> {
        Err(super::EvalError::msg(format!("no git for {}", req.url)))
    }
}

#[test]
fn derivation_wraps_derivation_strict_per_output() {
    let out = run_on_eval_stack(|| {
        let mut ev = evaluator_with(Rc::new(FixedStore));
        let src = r#"
          let d = derivation { name = "hello"; system = "x"; builder = "/bin/sh";
                               outputs = [ "out" "dev" ]; flag = true; n = null; };
          in [ d.type d.outPath d.dev.outPath d.outputName d.dev.outputName
               (builtins.length d.all) (d == d.out) d.drvPath
               (builtins.attrNames (builtins.getContext "${d}"))
               (builtins.getContext d.drvPath) ]
        "#;
        let v = ev.eval_source(Origin::String, src, Path::new("/tmp"));
        match v.and_then(|v| ev.print_value(&v, true)) {
            Ok(t) => String::from_utf8_lossy(&t).into_owned(),
            Err(e) => ev.render_error(&e, false),
        }
    })
    .unwrap_or_default();
    assert_eq!(
        out,
        "[ \"derivation\" \"/store/hello-out\" \"/store/hello-dev\" \"out\" \"dev\" 2 true \"/store/61-hello.drv\" [ \"/store/61-hello.drv\" ] { \"/store/61-hello.drv\" = { allOutputs = true; }; } ]"
    );
}
