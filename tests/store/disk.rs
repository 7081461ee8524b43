//! Phase two: denv's own store — export/import with real Nix both ways, crash safety,
//! concurrent adds, garbage collection.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use denv::store::hash::Hasher;
use denv::store::nar::Dumper;
use denv::store::{HashAlgo, Store, StoreDir, StorePath, address};

use super::oracle::{denv, stdout_of};
use super::paths_vs_nix::awkward_tree;

/// A Nix store whose logical directory is `logical` but whose files live under `real`.
fn nix_at(logical: &Path, real: &Path) -> String {
    format!(
        "local?store={}&real={}/store&state={}/state&log={}/log",
        logical.display(),
        real.display(),
        real.display(),
        real.display()
    )
}

fn nix_store(url: &str, args: &[&str]) -> Command {
    let mut c = Command::new("nix-store");
    c.arg("--store")
        .arg(url)
        .args(args)
        .env_remove("NIX_STORE_DIR");
    c
}

fn run_denv(store: &Path, args: &[&str]) -> String {
    stdout_of(denv(store).args(args).output().unwrap())
}

#[test]
fn export_import_round_trips_with_nix_both_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let logical = tmp.path().join("shared/store");
    let nix_a = nix_at(&logical, &tmp.path().join("nix-a"));
    let work = tmp.path().join("work");
    fs::create_dir_all(&work).unwrap();
    fs::write(work.join("hello.txt"), b"hello world\n").unwrap();
    fs::write(
        work.join("d.nix"),
        r#"let dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh";
                                src = ./hello.txt; t = builtins.toFile "t" "text\n"; };
           in derivation { name = "top"; system = "x86_64-linux"; builder = "/bin/sh";
                           args = [ "-c" "${dep}" ]; }"#,
    )
    .unwrap();
    let top = stdout_of(
        Command::new("nix-instantiate")
            .args(["--store", &nix_a])
            .arg(work.join("d.nix"))
            .env_remove("NIX_STORE_DIR")
            .output()
            .unwrap(),
    );
    let closure = stdout_of(nix_store(&nix_a, &["-qR", &top]).output().unwrap());
    let closure: Vec<&str> = closure.lines().collect();
    assert_eq!(closure.len(), 4, "{closure:?}");
    let exported = nix_store(&nix_a, &["--export"])
        .args(&closure)
        .output()
        .unwrap();
    assert!(exported.status.success());

    // Nix → denv.
    let mut child = denv(&logical)
        .args(["store", "import"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&exported.stdout)
        .unwrap();
    let imported = stdout_of(child.wait_with_output().unwrap());
    assert_eq!(
        imported.lines().collect::<BTreeSet<_>>(),
        closure.iter().copied().collect::<BTreeSet<_>>()
    );
    run_denv(&logical, &["store", "verify"]);
    for q in ["--references", "--hash", "--size", "--requisites"] {
        let theirs = stdout_of(nix_store(&nix_a, &["-q", q, &top]).output().unwrap());
        let ours = run_denv(&logical, &["nix-store", "-q", q, &top]);
        let sorted = |s: &str| s.lines().map(str::to_owned).collect::<BTreeSet<_>>();
        assert_eq!(sorted(&ours), sorted(&theirs), "-q {q}");
    }
    assert_eq!(
        fs::read(&top).unwrap(),
        fs::read(
            tmp.path()
                .join("nix-a/store")
                .join(Path::new(&top).file_name().unwrap())
        )
        .unwrap()
    );

    // denv → Nix: the imported closure plus a tree only denv has.
    let tree = tmp.path().join("tree");
    awkward_tree(&tree);
    let added = run_denv(&logical, &["store", "add", tree.to_str().unwrap()]);
    let ours_export = denv(&logical)
        .args(["store", "export", "-r", &top, &added])
        .output()
        .unwrap();
    assert!(ours_export.status.success());
    let nix_b = nix_at(&logical, &tmp.path().join("nix-b"));
    let mut child = nix_store(&nix_b, &["--import"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&ours_export.stdout)
        .unwrap();
    let into_nix = stdout_of(child.wait_with_output().unwrap());
    assert_eq!(into_nix.lines().count(), 5);
    for p in into_nix.lines() {
        stdout_of(nix_store(&nix_b, &["--verify-path", p]).output().unwrap());
        let theirs_hash = stdout_of(nix_store(&nix_b, &["-q", "--hash", p]).output().unwrap());
        let ours_hash = run_denv(&logical, &["nix-store", "-q", "--hash", p]);
        assert_eq!(ours_hash, theirs_hash, "{p}");
        let ours_refs = run_denv(&logical, &["nix-store", "-q", "--references", p]);
        let theirs_refs = stdout_of(
            nix_store(&nix_b, &["-q", "--references", p])
                .output()
                .unwrap(),
        );
        assert_eq!(ours_refs, theirs_refs, "{p}");
    }
}

/// Tree sizes chosen so one add takes a noticeable fraction of a second.
fn big_tree(root: &Path) {
    for d in 0..10 {
        let dir = root.join(format!("d{d}"));
        fs::create_dir_all(&dir).unwrap();
        for f in 0..50 {
            let data: Vec<u8> = (0..40_000u32).map(|i| (i ^ (d * 50 + f)) as u8).collect();
            fs::write(dir.join(format!("f{f}")), data).unwrap();
        }
    }
}

#[test]
fn sigkill_during_add_leaves_store_consistent() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    big_tree(&tree);
    let store = tmp.path().join("s/store");
    // How long one complete add takes, measured in a scratch store.
    let scratch = tmp.path().join("scratch/store");
    let start = Instant::now();
    run_denv(&scratch, &["store", "add", tree.to_str().unwrap()]);
    let full = start.elapsed();
    let dir = StoreDir::from_path(&store).unwrap();
    let mut h = Hasher::new(HashAlgo::Sha256);
    Dumper::new().dump(&tree, &mut h, None).unwrap();
    let expected =
        address::source_path(&dir, "tree", &h.finish(), &BTreeSet::new(), false).unwrap();
    let expected = dir.display(&expected);
    // Deterministic spread of kill points over the whole add, from "at once" to "late".
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for round in 0..12 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let fraction = (seed >> 33) as f64 / (1u64 << 31) as f64;
        let delay = full.mul_f64(fraction * 1.1);
        let mut child = denv(&store)
            .args(["store", "add", tree.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        run_denv(&store, &["store", "verify"]);
        let valid = denv(&store)
            .args(["store", "path-info", &expected])
            .output()
            .unwrap()
            .status
            .success();
        if !printed.is_empty() {
            assert_eq!(printed, expected);
            assert!(valid, "round {round}: printed but not valid");
        }
        if valid {
            // Complete and read-only.
            let nar = run_denv(&store, &["nix-store", "-q", "--hash", &expected]);
            assert!(nar.starts_with("sha256:"));
        }
    }
    assert_eq!(
        run_denv(&store, &["store", "add", tree.to_str().unwrap()]),
        expected
    );
    run_denv(&store, &["store", "verify"]);
    // Whatever the kills left behind is invalid, and the collector removes it.
    run_denv(&store, &["gc"]);
    assert_eq!(fs::read_dir(&store).unwrap().count(), 0);
}

#[test]
fn concurrent_adds_of_one_path_write_it_once() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    big_tree(&tree);
    let store = tmp.path().join("s/store");
    let children: Vec<_> = (0..4)
        .map(|_| {
            denv(&store)
                .args(["store", "add", tree.to_str().unwrap()])
                .env("RUST_LOG", "denv::store=debug")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut printed = BTreeSet::new();
    let mut installs = 0;
    let mut reuses = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        printed.insert(String::from_utf8(out.stdout).unwrap());
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        installs += err.matches("installed and registered").count();
        reuses += err.matches("already valid, reusing it").count();
    }
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert_eq!((installs, reuses), (1, 3));
    run_denv(&store, &["store", "verify"]);
    let entries: Vec<_> = fs::read_dir(&store).unwrap().collect();
    assert_eq!(entries.len(), 1, "temp names left behind");
}

#[test]
fn gc_keeps_rooted_closures_and_frees_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let store_dir = tmp.path().join("s/store");
    let link = tmp.path().join("result");
    let (lib, app, orphan, orphan_dep, kept_by_process);
    {
        let mut store = Store::open(&store_dir).unwrap();
        lib = store
            .add_text("lib", b"library\n", &BTreeSet::new())
            .unwrap();
        let lib_full = store.dir().display(&lib);
        app = store
            .add_text(
                "app",
                format!("uses {lib_full}\n").as_bytes(),
                &[lib.clone()].into(),
            )
            .unwrap();
        orphan_dep = store
            .add_text("orphan-dep", b"x", &BTreeSet::new())
            .unwrap();
        let dep_full = store.dir().display(&orphan_dep);
        orphan = store
            .add_text("orphan", dep_full.as_bytes(), &[orphan_dep.clone()].into())
            .unwrap();
        store.add_perm_root(&app, &link).unwrap();
        kept_by_process = store.add_text("busy", b"in use", &BTreeSet::new()).unwrap();
    }
    let valid = |p: &StorePath| {
        denv(&store_dir)
            .args(["store", "path-info"])
            .arg(store_dir.join(p.base_name()))
            .output()
            .unwrap()
            .status
            .success()
    };
    // A live process's temporary root protects its path.
    let mut holder = Store::open(&store_dir).unwrap();
    holder
        .add_text("busy", b"in use", &BTreeSet::new())
        .unwrap();
    let dry = run_denv(&store_dir, &["gc", "--dry-run"]);
    assert!(
        dry.ends_with("2 store paths would be deleted, 0.01 MiB would be freed"),
        "{dry}"
    );
    assert!(valid(&orphan));
    let out = run_denv(&store_dir, &["gc"]);
    assert!(out.contains(&orphan.to_string()) && out.contains(&orphan_dep.to_string()));
    assert!(
        out.ends_with("2 store paths deleted, 0.01 MiB freed"),
        "{out}"
    );
    assert!(valid(&app) && valid(&lib) && valid(&kept_by_process));
    assert!(!valid(&orphan) && !valid(&orphan_dep));
    assert!(!store_dir.join(orphan.base_name()).exists());
    // A referenced path cannot be deleted on its own.
    let refused = denv(&store_dir)
        .args(["store", "delete"])
        .arg(store_dir.join(lib.base_name()))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    drop(holder);
    // Removing the link removes the root; the process root is gone with its store handle.
    fs::remove_file(&link).unwrap();
    let out = run_denv(&store_dir, &["gc"]);
    assert!(
        out.ends_with("3 store paths deleted, 0.01 MiB freed"),
        "{out}"
    );
    assert_eq!(fs::read_dir(&store_dir).unwrap().count(), 0);
}

/// The front end by its multi-call name answers like real `nix-store` on the same
/// logical store directory.
#[test]
fn multi_call_nix_store_matches_real_nix_store() {
    let tmp = tempfile::tempdir().unwrap();
    let logical = tmp.path().join("shared/store");
    let nix = nix_at(&logical, &tmp.path().join("nix"));
    let tree = tmp.path().join("tree");
    awkward_tree(&tree);
    let file = tree.join("bin/tool");
    let link = tmp.path().join("nix-store");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_denv"), &link).unwrap();
    let ours = |args: &[&str]| {
        stdout_of(
            Command::new(&link)
                .args(args)
                .env("DENV_STORE", &logical)
                .env("DENV_DATA_DIR", tmp.path().join("data"))
                .output()
                .unwrap(),
        )
    };
    let theirs = |args: &[&str]| stdout_of(nix_store(&nix, args).output().unwrap());
    let (t, f) = (tree.to_str().unwrap(), file.to_str().unwrap());
    for args in [
        vec!["--add", t, f],
        vec!["--add-fixed", "sha1", f],
        vec!["--add-fixed", "--recursive", "sha512", t],
    ] {
        let paths = ours(&args);
        assert_eq!(paths, theirs(&args), "{args:?}");
        for p in paths.lines() {
            for q in ["--hash", "--size", "--references", "--deriver"] {
                assert_eq!(ours(&["-q", q, p]), theirs(&["-q", q, p]), "-q {q} {p}");
            }
            assert_eq!(
                denv(&logical)
                    .args(["nix-store", "--dump", p])
                    .output()
                    .unwrap()
                    .stdout,
                nix_store(&nix, &["--dump", p]).output().unwrap().stdout
            );
        }
    }
}

/// What the builder does: lock the output, write it, register it with references found
/// by scanning and its deriver; the collector then keeps the deriver of a rooted output.
#[test]
fn registered_build_output_has_scanned_references_and_keeps_its_deriver() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("s/store")).unwrap();
    let dep = store
        .add_text("dep", b"dependency", &BTreeSet::new())
        .unwrap();
    let unused = store
        .add_text("unused", b"not mentioned", &BTreeSet::new())
        .unwrap();
    let drv = store
        .add_text("out.drv", b"Derive(...)", &[dep.clone()].into())
        .unwrap();
    let out = StorePath::from_base_name("0000000000000000000000000000000a-out").unwrap();
    let dir = store.dir().clone();
    {
        let _gc = store.gc_shared().unwrap();
        let _lock = store.lock_path(&out).unwrap();
        let build = store.temp_name();
        fs::create_dir(&build).unwrap();
        fs::write(build.join("uses"), format!("{}\n", dir.display(&dep))).unwrap();
        fs::write(build.join("self"), format!("{}/bin", dir.display(&out))).unwrap();
        let info = store
            .register_built(
                &build,
                &out,
                &[dep.clone(), unused.clone()].into(),
                Some(&drv),
            )
            .unwrap();
        assert_eq!(info.references, [dep.clone(), out.clone()].into());
        assert_eq!(info.deriver.as_ref(), Some(&drv));
    }
    assert!(store.real_path(&out).join("uses").exists());
    let root = tmp.path().join("result");
    store.add_perm_root(&out, &root).unwrap();
    drop(store);
    let gc = run_denv(&tmp.path().join("s/store"), &["gc"]);
    assert!(
        gc.ends_with("1 store paths deleted, 0.00 MiB freed"),
        "{gc}"
    );
    assert!(gc.contains(&unused.to_string()));
    let store_dir = tmp.path().join("s/store");
    let store = Store::open(&store_dir).unwrap();
    assert!(store.is_valid(&drv).unwrap() && store.is_valid(&dep).unwrap());
    assert_eq!(store.outputs_of(&drv).unwrap(), [out].into());
    let _ = run_denv(&store_dir, &["store", "verify"]);
}

/// A path on disk that the database does not know is invalid: an add replaces it.
#[test]
fn unregistered_leftover_at_a_path_is_replaced_by_the_next_add() {
    let tmp = tempfile::tempdir().unwrap();
    let store_dir = tmp.path().join("s/store");
    let file = tmp.path().join("hello.txt");
    fs::write(&file, b"hello world\n").unwrap();
    let path = run_denv(&store_dir, &["store", "add", file.to_str().unwrap()]);
    run_denv(&store_dir, &["store", "delete", &path]);
    fs::create_dir(&path).unwrap();
    fs::write(Path::new(&path).join("junk"), b"half-written").unwrap();
    let missing = denv(&store_dir)
        .args(["store", "path-info", &path])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        run_denv(&store_dir, &["store", "add", file.to_str().unwrap()]),
        path
    );
    assert_eq!(fs::read(&path).unwrap(), b"hello world\n");
    run_denv(&store_dir, &["store", "verify"]);
}

#[test]
fn gc_max_stops_once_enough_is_freed() {
    let tmp = tempfile::tempdir().unwrap();
    let store_dir = tmp.path().join("s/store");
    for i in 0..3 {
        let f = tmp.path().join(format!("f{i}"));
        fs::write(&f, vec![b'x'; 10_000]).unwrap();
        run_denv(&store_dir, &["store", "add", f.to_str().unwrap()]);
    }
    let out = run_denv(&store_dir, &["gc", "--max", "1"]);
    assert!(
        out.ends_with("1 store paths deleted, 0.01 MiB freed"),
        "{out}"
    );
    let out = run_denv(&store_dir, &["gc", "--max", "1K"]);
    assert!(
        out.ends_with("1 store paths deleted, 0.01 MiB freed"),
        "{out}"
    );
    let out = run_denv(&store_dir, &["gc"]);
    assert!(
        out.ends_with("1 store paths deleted, 0.01 MiB freed"),
        "{out}"
    );
    let bad = denv(&store_dir)
        .args(["gc", "--max", "3X"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// `builtins.path { filter }`: the filtered tree lands at the path Nix computes.
#[test]
fn filtered_add_equals_builtins_path_with_filter() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    awkward_tree(&tree);
    let store_dir = tmp.path().join("s/store");
    let mut store = Store::open(&store_dir).unwrap();
    let ours = store
        .add_path_filtered(
            &tree,
            "filtered",
            Box::new(|p: &Path, meta: &fs::Metadata| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                name != "big" && name != "er" && !meta.is_symlink()
            }),
        )
        .unwrap();
    let expr = format!(
        r#"builtins.path {{ path = {}; name = "filtered";
             filter = p: t: let n = baseNameOf p; in n != "big" && n != "er" && t != "symlink"; }}"#,
        tree.display()
    );
    let theirs = stdout_of(
        Command::new("nix-instantiate")
            .args(["--store", "dummy://", "--eval", "--strict", "-E", &expr])
            .env("NIX_STORE_DIR", store.dir().as_str())
            .output()
            .unwrap(),
    );
    assert_eq!(format!("\"{}\"", store.dir().display(&ours)), theirs);
    let real = store.real_path(&ours);
    assert!(real.join("bin/tool").exists() && !real.join("big").exists());
    assert!(!real.join("deep/er").exists() && real.join("deep").exists());
    drop(store);
    run_denv(&store_dir, &["store", "verify"]);
}
