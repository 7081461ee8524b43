//! Instantiation and builds compared with real Nix, plus the builder's failure modes.
//!
//! How the oracle is used without ever letting Nix and denv write one store at once:
//! - paths only: `nix-instantiate --store dummy:// --eval` (writes nothing) against denv's
//!   evaluator with a read-only glue, for `/nix/store` and for another store dir;
//! - `.drv` bytes, fetchers and builds: Nix works in a fresh store directory `S`
//!   (`NIX_STORE_DIR=S`), we record what it produced, delete `S` entirely, then denv works
//!   in the same `S`, so the logical store path — and with it every hash — is the same.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use denv::environment::glue::{self, Glue, Input, Target};
use denv::eval::{Origin, StoreGlue};
use denv::store::{Hash, HashAlgo, HashFormat, Store, StoreDir};

fn denv() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_denv"));
    c.env_remove("NIX_STORE_DIR").env_remove("DENV_STORE");
    c
}

/// Runs a Nix program on the store rooted at `root` (`root/store`, `root/var`, …).
fn nix(program: &str, root: &Path) -> Command {
    let mut c = Command::new(program);
    c.env("NIX_STORE_DIR", root.join("store"))
        .env("NIX_STATE_DIR", root.join("var"))
        .env("NIX_LOG_DIR", root.join("log"))
        .env_remove("NIX_REMOTE")
        .args(["--option", "substituters", ""])
        // Builds run as the calling user: a fresh machine has no `nixbld` group.
        .args(["--option", "build-users-group", ""]);
    c
}

fn run(mut c: Command) -> Output {
    c.output().expect("spawn")
}

fn ok(c: Command) -> String {
    let out = run(c);
    assert!(
        out.status.success(),
        "command failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Deletes a store Nix wrote (its paths are read-only).
fn wipe(root: &Path) {
    let _ = Command::new("chmod")
        .arg("-R")
        .arg("u+w")
        .arg(root)
        .status();
    let _ = std::fs::remove_dir_all(root);
}

/// A project directory with the fixture files every test uses.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::create_dir(p.join("src")).expect("mkdir");
    std::fs::write(p.join("src/a.txt"), "source file\n").expect("write");
    std::fs::write(p.join("src/run.sh"), "#!/bin/sh\necho hi\n").expect("write");
    std::fs::set_permissions(
        p.join("src/run.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    std::fs::write(p.join("cases.nix"), CASES).expect("write");
    dir
}

/// Derivations covering what `derivationStrict` must get right.
const CASES: &str = r#"
let
  sh = "/bin/sh";
  system = builtins.currentSystem;
  plain = derivation { name = "plain"; inherit system; builder = sh;
    args = [ "-c" "echo plain > $out" ]; };
  multi = derivation { name = "multi"; inherit system; builder = sh;
    outputs = [ "out" "dev" "lib" ];
    args = [ "-c" "set -e; echo out > $out; /bin/mkdir $dev $lib; echo $out > $dev/ref; echo lib > $lib/l" ]; };
  dep = derivation { name = "dep"; inherit system; builder = sh;
    args = [ "-c" "set -e; /bin/mkdir $out; /bin/cat ${multi.dev}/ref ${plain} > $out/both" ]; };
  source = derivation { name = "source"; inherit system; builder = sh; src = ./src;
    args = [ "-c" "set -e; /bin/mkdir $out; /bin/cp $src/a.txt $out/; /bin/cat $src/run.sh > $out/run" ]; };
  text = builtins.toFile "note.txt" "refers to ${./src/a.txt} and ${builtins.toFile "inner" "x"}";
  withText = derivation { name = "with-text"; inherit system; builder = sh; inherit text;
    args = [ "-c" "/bin/cat $text > $out" ]; };
  flat = derivation { name = "flat"; inherit system; builder = sh;
    args = [ "-c" "printf fixed > $out" ];
    outputHashMode = "flat"; outputHashAlgo = "sha256";
    outputHash = "04rmhy6rn9kryhm4fn2r8ihwyhf0aacl7g4vmhvdvzkibi2r6alr"; };
  flatSri = derivation { name = "flat-sri"; inherit system; builder = sh;
    args = [ "-c" "printf fixed > $out" ];
    outputHash = "sha1-e8VVmR26tBqhmPvXeJnUmid9TW0="; };
  recursive = derivation { name = "recursive"; inherit system; builder = sh;
    args = [ "-c" "set -e; /bin/mkdir $out; printf x > $out/f" ];
    outputHashMode = "recursive"; outputHashAlgo = "sha256";
    outputHash = "1mh6p1ljhrgmvffjynxays2iv6x7v56ivaxgdnip8j97ycvz2wjc"; };
  recursive512 = derivation { name = "recursive512"; inherit system; builder = sh;
    args = [ "-c" "set -e; /bin/mkdir $out; printf x > $out/f" ];
    outputHashMode = "recursive"; outputHashAlgo = "sha512";
    outputHash = "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"; };
  awkward = derivation { name = "awk-ward.+_?="; inherit system; builder = sh;
    "quote\"d" = "a\"b\\c\nd\te$ {x} ü ${plain}"; empty = ""; n = null; t = true; f = false;
    i = -42; l = [ 1 "x" null false [ "nested" ] ]; p = ./src/a.txt;
    args = [ "-c" "echo '${plain}' > $out" "a b" "" ]; };
  ignoring = derivation { name = "ignoring"; inherit system; builder = sh; __ignoreNulls = true;
    gone = null; kept = "k"; args = [ "-c" "echo $kept > $out" ]; };
  passing = derivation { name = "passing"; inherit system; builder = sh;
    big = "passed as a file"; passAsFile = [ "big" ];
    args = [ "-c" "/bin/cat $bigPath > $out" ]; };
  allOutputs = derivation { name = "all-outputs"; inherit system; builder = sh;
    drv = multi.drvPath; args = [ "-c" "echo $drv > $out" ]; };
in { inherit plain multi dep source withText flat flatSri recursive recursive512 awkward ignoring passing allOutputs; }
"#;

const ATTRS: &[&str] = &[
    "plain",
    "multi",
    "dep",
    "source",
    "withText",
    "flat",
    "flatSri",
    "recursive",
    "recursive512",
    "awkward",
    "ignoring",
    "passing",
    "allOutputs",
];

/// `nix-instantiate --eval --strict` with the dummy store (writes nothing).
fn nix_eval(dir: &Path, store_dir: &str, expr: &str) -> String {
    let mut c = Command::new("nix-instantiate");
    c.current_dir(dir)
        .env("NIX_STORE_DIR", store_dir)
        .args(["--store", "dummy://", "--eval", "--strict", "-E", expr]);
    ok(c).trim_end().to_owned()
}

/// The same through denv's evaluator with a read-only glue.
fn denv_eval(dir: &Path, store_dir: &str, expr: &str) -> String {
    let glue = Rc::new(Glue::read_only(
        StoreDir::new(store_dir).expect("store dir"),
    ));
    let mut ev = glue::evaluator(glue, &[], &[], dir.to_path_buf());
    let v = match ev.eval_source(Origin::String, expr, dir) {
        Ok(v) => v,
        Err(e) => panic!("{}", ev.render_error(&e, true)),
    };
    match ev.print_value(&v, true) {
        Ok(s) => String::from_utf8_lossy(&s).into_owned(),
        Err(e) => panic!("{}", ev.render_error(&e, true)),
    }
}

fn compare_paths(store_dir: &str) {
    let p = project();
    // A `drvPath` in a string makes Nix read the derivation's closure from the store,
    // which its dummy store does not have: that case is compared in
    // `drv_files_are_byte_identical_to_nix`.
    for attr in ATTRS.iter().filter(|a| **a != "allOutputs") {
        let expr = format!(
            "let d = (import ./cases.nix).{attr}; in [ d.drvPath (map (o: d.${{o}}.outPath) (d.outputs or [ \"out\" ])) ]"
        );
        assert_eq!(
            denv_eval(p.path(), store_dir, &expr),
            nix_eval(p.path(), store_dir, &expr),
            "{attr}"
        );
    }
}

#[test]
fn derivation_and_output_paths_match_nix() {
    compare_paths("/nix/store");
}

#[test]
fn paths_match_nix_in_another_store_dir() {
    compare_paths("/tmp/elsewhere/store");
}

#[test]
fn string_context_matches_nix() {
    let p = project();
    for expr in [
        "builtins.getContext \"${(import ./cases.nix).dep}\"",
        "builtins.getContext (import ./cases.nix).multi.drvPath",
        "builtins.getContext \"${(import ./cases.nix).multi.dev} ${./src}\"",
        "builtins.getContext (builtins.toFile \"t\" \"${./src/a.txt}\")",
        "builtins.getContext (builtins.path { path = ./src; name = \"filtered\"; filter = p: t: baseNameOf p != \"run.sh\"; })",
        "builtins.getContext (builtins.path { path = ./src/a.txt; recursive = false; })",
        "builtins.storeDir",
    ] {
        assert_eq!(
            denv_eval(p.path(), "/nix/store", expr),
            nix_eval(p.path(), "/nix/store", expr),
            "{expr}"
        );
    }
}

#[test]
fn bad_derivations_are_refused() {
    let p = project();
    for (expr, wanted) in [
        (
            r#"(derivation { name = "x.drv"; system = "s"; builder = "b"; }).drvPath"#,
            "not allowed to end in '.drv'",
        ),
        (
            r#"(derivation { name = "a b"; system = "s"; builder = "b"; }).drvPath"#,
            "a b",
        ),
        (
            r#"(derivation { name = "x"; system = "s"; builder = "b"; outputs = [ "out" "out" ]; }).drvPath"#,
            "duplicate",
        ),
        (
            r#"(derivation { name = "x"; system = "s"; builder = "b"; outputHashMode = "odd"; outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; }).drvPath"#,
            "outputHashMode",
        ),
    ] {
        let glue = Rc::new(Glue::read_only(StoreDir::new("/nix/store").expect("dir")));
        let mut ev = glue::evaluator(glue, &[], &[], p.path().to_path_buf());
        let err = ev
            .eval_source(Origin::String, expr, p.path())
            .and_then(|v| ev.print_value(&v, true))
            .expect_err(expr);
        let text = ev.render_error(&err, false);
        assert!(text.contains(wanted), "{expr}: {text}");
    }
}

/// Every `.drv` below `store`, by name, with its bytes.
fn drv_files(store: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(store)
        .expect("read store")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".drv"))
        .map(|n| {
            let bytes = std::fs::read(store.join(&n)).expect("read drv");
            (n, bytes)
        })
        .collect()
}

#[test]
fn drv_files_are_byte_identical_to_nix() {
    let p = project();
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path().join("s");
    let mut c = nix("nix-instantiate", &root);
    c.current_dir(p.path()).arg("cases.nix");
    let nix_out = ok(c);
    let nix_drvs = drv_files(&root.join("store"));
    wipe(&root);

    let mut c = denv();
    c.current_dir(p.path())
        .env("DENV_STORE", root.join("store"))
        .args(["nix-instantiate", "cases.nix"]);
    let denv_out = ok(c);
    assert_eq!(denv_out, nix_out);
    assert_eq!(drv_files(&root.join("store")), nix_drvs);
}

/// `nix-store -q --hash` of each path, by path.
fn nix_hashes(root: &Path, paths: &str) -> Vec<String> {
    paths
        .lines()
        .map(|p| {
            let mut c = nix("nix-store", root);
            c.args(["-q", "--hash", p]);
            ok(c).trim().to_owned()
        })
        .collect()
}

fn nar_hashes(paths: &str) -> Vec<String> {
    paths
        .lines()
        .map(|p| {
            let mut h = denv::store::hash::Hasher::new(HashAlgo::Sha256);
            denv::store::nar::dump_path(Path::new(p), &mut h).expect("nar");
            h.finish().to_typed_string(HashFormat::Nix32)
        })
        .collect()
}

#[test]
fn builds_give_nix_output_paths_and_nar_hashes() {
    let p = project();
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path().join("s");
    let attrs = [
        "plain",
        "multi",
        "dep",
        "source",
        "withText",
        "flat",
        "flatSri",
        "recursive",
        "passing",
        "ignoring",
        "awkward",
    ];
    let mut c = nix("nix-build", &root);
    c.current_dir(p.path()).arg("cases.nix");
    for a in attrs {
        c.args(["-A", a]);
    }
    let nix_out = ok(c);
    let nix_nar = nix_hashes(&root, &nix_out);
    let nix_links = result_links(p.path());
    for name in nix_links.keys() {
        std::fs::remove_file(p.path().join(name)).expect("remove link");
    }
    wipe(&root);

    let mut c = denv();
    c.current_dir(p.path())
        .env("DENV_STORE", root.join("store"))
        .args(["build", "cases.nix", "-j", "2"]);
    for a in attrs {
        c.args(["-A", a]);
    }
    let denv_out = ok(c);
    assert_eq!(denv_out, nix_out);
    assert_eq!(nar_hashes(&denv_out), nix_nar);
    // nix-build's links: result, result-2, … (and -OUTPUT for other outputs).
    assert_eq!(result_links(p.path()), nix_links);
    let mut verify = denv();
    verify
        .env("DENV_STORE", root.join("store"))
        .args(["store", "verify"]);
    ok(verify);
}

#[test]
fn fetchers_and_builtin_fetchurl_match_nix() {
    let p = project();
    let data = p.path().join("data.txt");
    std::fs::write(&data, "downloaded\n").expect("write");
    let tar = Command::new("tar")
        .current_dir(p.path())
        .args(["czf", "src.tar.gz", "src"])
        .status()
        .expect("tar");
    assert!(tar.success());
    let sha = Hash::digest(HashAlgo::Sha256, b"downloaded\n").to_typed_string(HashFormat::Nix32);
    let expr = format!(
        r#"let
  url = "file://{data}";
  viaBuiltin = derivation {{ name = "fetched"; builder = "builtin:fetchurl"; system = "builtin";
    inherit url; outputHashMode = "flat"; outputHash = "{sha}"; }};
in [ (builtins.fetchurl url) (builtins.fetchurl {{ inherit url; sha256 = "{sha}"; name = "named"; }})
     (builtins.fetchTarball "file://{tarball}") viaBuiltin.drvPath viaBuiltin.outPath ]"#,
        data = data.display(),
        tarball = p.path().join("src.tar.gz").display(),
    );
    std::fs::write(p.path().join("fetch.nix"), &expr).expect("write");
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path().join("s");
    let mut c = nix("nix-instantiate", &root);
    c.current_dir(p.path())
        .args(["--eval", "--strict", "fetch.nix"]);
    let nix_out = ok(c);
    wipe(&root);

    let store = Store::open(&root.join("store")).expect("store");
    let glue = Rc::new(Glue::writing(store));
    let mut ev = glue::evaluator(glue.clone(), &[], &[], p.path().to_path_buf());
    let v = ev.eval_file(&p.path().join("fetch.nix")).expect("eval");
    let denv_out = ev.print_value(&v, true).expect("print");
    assert_eq!(format!("{}\n", String::from_utf8_lossy(&denv_out)), nix_out);
    assert_eq!(glue.store_dir(), root.join("store").to_string_lossy());
    drop(ev);

    let mut c = denv();
    c.current_dir(p.path())
        .env("DENV_STORE", root.join("store"))
        .args(["build", "--no-link", "-E"])
        .arg(format!(
            r#"derivation {{ name = "fetched"; builder = "builtin:fetchurl"; system = "builtin"; url = "file://{}"; outputHashMode = "flat"; outputHash = "{sha}"; }}"#,
            data.display()
        ));
    let out = ok(c);
    assert_eq!(
        std::fs::read_to_string(out.trim()).expect("read"),
        "downloaded\n"
    );
}

fn build_expr(store: &Path, dir: &Path, expr: &str, extra: &[&str]) -> Output {
    let mut c = denv();
    c.current_dir(dir)
        .env("DENV_STORE", store)
        .args(["build", "--no-link"])
        .args(extra)
        .args(["-E", expr]);
    run(c)
}

#[test]
fn fixed_output_mismatch_names_both_hashes_and_registers_nothing() {
    let p = project();
    let store = p.path().join("s/store");
    let expr = r#"derivation { name = "wrong"; system = builtins.currentSystem; builder = "/bin/sh";
      args = [ "-c" "printf other > $out" ]; outputHashMode = "flat";
      outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; }"#;
    let out = build_expr(&store, p.path(), expr, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    let got = Hash::digest(HashAlgo::Sha256, b"other").to_typed_string(HashFormat::Sri);
    assert!(
        stderr.contains(
            "  specified: sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n     got:    "
        ) && stderr.contains(&got),
        "{stderr}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&store)
        .expect("store")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-wrong"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn failing_builder_reports_status_and_log_tail() {
    let p = project();
    let store = p.path().join("s/store");
    let expr = r#"derivation { name = "fails"; system = builtins.currentSystem; builder = "/bin/sh";
      args = [ "-c" "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line $i; done; echo oops >&2; exit 3" ]; }"#;
    let out = build_expr(&store, p.path(), expr, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("-fails.drv' failed with exit code 3;"),
        "{stderr}"
    );
    assert!(
        stderr.contains("last 10 log lines:\n> line 4\n"),
        "{stderr}"
    );
    assert!(stderr.contains("> line 12\n> oops\n"), "{stderr}");
    assert!(!stderr.contains("> line 3\n"), "{stderr}");
    let drv = stderr
        .split('\'')
        .find(|s| s.ends_with("-fails.drv"))
        .expect("drv path in message");
    let mut log = denv();
    log.env("DENV_STORE", &store).args(["store", "log", drv]);
    let text = ok(log);
    assert!(text.starts_with("line 1\nline 2\n") && text.ends_with("line 12\noops\n"));
}

#[test]
fn sandbox_shows_only_inputs_and_no_network() {
    let p = project();
    let store = p.path().join("s/store");
    let expr = r#"let dep = derivation { name = "dep"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo d > $out" ]; };
      other = builtins.toFile "unrelated" "u"; in
      derivation { name = "probe"; system = builtins.currentSystem; builder = "/bin/sh"; inherit dep;
        unrelated = builtins.unsafeDiscardStringContext other;
        args = [ "-c" "set -e; /bin/ls $NIX_STORE > $TMPDIR/l; /usr/bin/wc -l < $TMPDIR/l > $out; test -e $unrelated && echo seen >> $out || echo hidden >> $out; /usr/bin/id -u >> $out; pwd >> $out; /bin/cat /etc/passwd | /usr/bin/head -1 >> $out" ]; }"#;
    let out = build_expr(&store, p.path(), expr, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let text = std::fs::read_to_string(&path).expect("output");
    assert_eq!(
        text,
        // The store shows the input, nothing else.
        "1\nhidden\n1000\n/build\nroot:x:0:0:Nix build user:/build:/noshell\n"
    );
}

#[test]
fn concurrent_builds_of_one_closure_build_it_once() {
    let p = project();
    let store = p.path().join("s/store");
    let counter = p.path().join("count");
    let expr = format!(
        r#"derivation {{ name = "slow"; system = builtins.currentSystem; builder = "/bin/sh";
          args = [ "-c" "echo built >> {}; /bin/sleep 1; echo done > $out" ]; }}"#,
        counter.display()
    );
    let spawn = || {
        let mut c = denv();
        c.current_dir(p.path())
            .env("DENV_STORE", &store)
            .args(["build", "--no-link", "--no-sandbox", "-E", &expr])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c.spawn().expect("spawn")
    };
    // Create the store first so both processes open the same one.
    let _ = Store::open(&store).expect("store");
    let a = spawn();
    let b = spawn();
    let a = a.wait_with_output().expect("wait");
    let b = b.wait_with_output().expect("wait");
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(
        std::fs::read_to_string(&counter).expect("counter"),
        "built\n"
    );
}

#[test]
fn killed_builds_leave_a_clean_store_and_the_next_build_succeeds() {
    let p = project();
    let store = p.path().join("s/store");
    let expr = r#"let step = n: prev: derivation { name = "step-${toString n}"; system = builtins.currentSystem;
        builder = "/bin/sh"; inherit prev;
        args = [ "-c" "set -e; /bin/mkdir $out; /bin/sleep 0.2; echo ${toString n} > $out/n; /bin/cp -r $prev $out/prev || true" ]; };
      in builtins.foldl' (acc: n: step n acc) "none" [ 1 2 3 4 5 ]"#;
    let _ = Store::open(&store).expect("store");
    for delay_ms in [150u64, 450, 700, 900] {
        let mut c = denv();
        c.current_dir(p.path())
            .env("DENV_STORE", &store)
            .args(["build", "--no-link", "-E", expr])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = c.spawn().expect("spawn");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let mut verify = denv();
        verify.env("DENV_STORE", &store).args(["store", "verify"]);
        ok(verify);
    }
    let out = build_expr(&store, p.path(), expr, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(
        std::fs::read_to_string(Path::new(&path).join("n")).expect("n"),
        "5\n"
    );
}

#[test]
fn interrupt_stops_builders_and_their_children() {
    let p = project();
    let store = p.path().join("s/store");
    let pid_file = p.path().join("pid");
    let expr = format!(
        r#"derivation {{ name = "sleeper"; system = builtins.currentSystem; builder = "/bin/sh";
          args = [ "-c" "/bin/sleep 60 & echo $! > {}; wait" ]; }}"#,
        pid_file.display()
    );
    let mut c = denv();
    c.current_dir(p.path())
        .env("DENV_STORE", &store)
        .args(["build", "--no-link", "--no-sandbox", "-E", &expr])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let child = c.spawn().expect("spawn");
    let start = Instant::now();
    while !pid_file.exists() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(100));
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .expect("pid")
        .trim()
        .parse()
        .expect("number");
    // SAFETY: sends SIGINT to the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    std::thread::sleep(Duration::from_millis(100));
    // A killed process whose parent is gone may stay a zombie until init reaps it.
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let running = state
        .rsplit(')')
        .next()
        .is_some_and(|rest| !rest.trim_start().starts_with('Z'));
    assert!(!running, "the builder's child survived: {state}");
}

#[test]
fn instantiate_writes_drvs_and_add_root_links_them() {
    let p = project();
    let store = p.path().join("s/store");
    let mut c = denv();
    c.current_dir(p.path()).env("DENV_STORE", &store).args([
        "nix-instantiate",
        "cases.nix",
        "-A",
        "dep",
        "--add-root",
        "drv-link",
    ]);
    let out = ok(c);
    let link = p.path().join("drv-link");
    assert_eq!(out, format!("{}\n", link.display()));
    let drv = std::fs::read_link(&link).expect("link");
    let drv = drv.to_string_lossy();
    assert!(drv.ends_with("-dep.drv"), "{drv}");
    let target = Target {
        input: Input::File(PathBuf::from("cases.nix")),
        attr_paths: vec!["dep".into()],
        auto_args: Vec::new(),
        include: Vec::new(),
        nix_path: Vec::new(),
        base_dir: p.path().to_path_buf(),
    };
    let store = Store::open(&store).expect("store");
    let (store, derivations) = glue::instantiate_into(store, &target, false).expect("instantiate");
    assert_eq!(store.dir().display(&derivations[0].drv_path), drv);
    assert!(store.is_valid(&derivations[0].drv_path).expect("valid"));
}

#[test]
fn only_fixed_output_builders_reach_the_network() {
    let p = project();
    let store = p.path().join("s/store");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            drop(conn);
        }
    });
    let probe = format!(
        "if (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null; then printf online > $out; else printf offline > $out; fi"
    );
    let sha = |s: &[u8]| Hash::digest(HashAlgo::Sha256, s).to_typed_string(HashFormat::Sri);
    for (fixed, wanted) in [(true, "online"), (false, "offline")] {
        let hash = if fixed {
            format!("outputHash = \"{}\";", sha(b"online"))
        } else {
            String::new()
        };
        let expr = format!(
            r#"derivation {{ name = "net"; system = builtins.currentSystem; builder = "/bin/bash";
              args = [ "-c" "{probe}" ]; {hash} }}"#
        );
        let out = build_expr(&store, p.path(), &expr, &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert_eq!(std::fs::read_to_string(&path).expect("output"), wanted);
    }
}

/// The `result*` links in `dir`, with their targets.
fn result_links(dir: &Path) -> BTreeMap<String, PathBuf> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("result"))
        .map(|n| {
            let target = std::fs::read_link(dir.join(&n)).expect("link");
            (n, target)
        })
        .collect()
}

#[test]
fn same_derivation_twice_with_other_outputs_links_like_nix_build() {
    let p = project();
    std::fs::write(
        p.path().join("default.nix"),
        r#"{ greeting ? "hi" }: {
  multi = derivation { name = "multi"; system = builtins.currentSystem; builder = "/bin/sh";
    outputs = [ "out" "dev" ]; args = [ "-c" "echo ${greeting} > $out; echo dev > $dev" ]; };
}"#,
    )
    .expect("write");
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path().join("s");
    let args = [
        "-A",
        "multi.dev",
        "-A",
        "multi",
        "--argstr",
        "greeting",
        "hello",
    ];
    let mut c = nix("nix-build", &root);
    c.current_dir(p.path()).args(args);
    let nix_out = ok(c);
    let nix_links = result_links(p.path());
    for name in nix_links.keys() {
        std::fs::remove_file(p.path().join(name)).expect("remove link");
    }
    wipe(&root);

    let mut c = denv();
    c.current_dir(p.path())
        .env("DENV_STORE", root.join("store"))
        .arg("build")
        .args(args);
    assert_eq!(ok(c), nix_out);
    assert_eq!(result_links(p.path()), nix_links);
}
