//! Phase one: path computation, NAR and derivations equal real Nix's.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use denv::store::derivation::{DerivationError, DrvLoader, FsLoader, instantiate};
use denv::store::nar::Dumper;
use denv::store::{
    Derivation, DerivationRequest, DrvHashes, FixedOutputHash, Hash, HashAlgo, IngestionMethod,
    StoreDir, StorePath, address,
};

use super::oracle::{NixStore, denv, stdout_of};

/// A tree with executables, symlinks (dangling too), empty files and odd names.
pub fn awkward_tree(root: &Path) {
    fs::create_dir_all(root.join("bin")).unwrap();
    fs::create_dir_all(root.join("empty-dir")).unwrap();
    fs::create_dir_all(root.join("deep/er/est")).unwrap();
    fs::write(root.join("empty"), b"").unwrap();
    fs::write(root.join("bin/tool"), b"#!/bin/sh\necho tool\n").unwrap();
    fs::set_permissions(root.join("bin/tool"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(root.join("only-user-x"), b"x").unwrap();
    fs::set_permissions(root.join("only-user-x"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::write(root.join("group-x-only"), b"x").unwrap();
    fs::set_permissions(root.join("group-x-only"), fs::Permissions::from_mode(0o654)).unwrap();
    fs::write(root.join("deep/er/est/seven"), b"1234567").unwrap();
    fs::write(root.join("deep/er/eight"), b"12345678").unwrap();
    for name in [
        "Zed",
        "a b",
        "tab\there",
        "new\nline",
        "ünï",
        "-dash",
        ".dot",
        "B",
        "a",
    ] {
        fs::write(root.join(name), name.as_bytes()).unwrap();
    }
    std::os::unix::fs::symlink("bin/tool", root.join("link")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", root.join("dangling")).unwrap();
    std::os::unix::fs::symlink("empty-dir", root.join("dir-link")).unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
    fs::write(root.join("big"), big).unwrap();
}

fn nar_sha256(path: &Path) -> Hash {
    let mut h = denv::store::hash::Hasher::new(HashAlgo::Sha256);
    Dumper::new().dump(path, &mut h, None).unwrap();
    h.finish()
}

fn flat_hash(path: &Path, algo: HashAlgo) -> Hash {
    Hash::digest(algo, &fs::read(path).unwrap())
}

#[test]
fn worked_examples_in_nix_store() {
    let dir = StoreDir::new("/nix/store").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("hello.txt");
    fs::write(&f, b"hello world\n").unwrap();
    let p =
        address::source_path(&dir, "hello.txt", &nar_sha256(&f), &BTreeSet::new(), false).unwrap();
    assert_eq!(
        dir.display(&p),
        "/nix/store/z45ailnkm27lnvhimqkhy08f6sh5m17d-hello.txt"
    );
}

#[test]
fn store_hash_prints_what_nix_hash_path_prints() {
    let nix = NixStore::new();
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    awkward_tree(&tree);
    let file = tree.join("bin/tool");
    for (algo, format, nix_format) in [
        ("sha256", "sri", "--sri"),
        ("sha256", "nix32", "--base32"),
        ("sha512", "base16", "--base16"),
        ("sha1", "base64", "--base64"),
        ("md5", "base16", "--base16"),
    ] {
        let theirs = nix
            .command("nix")
            .args([
                "--extra-experimental-features",
                "nix-command",
                "hash",
                "path",
            ])
            .args(["--type", algo, nix_format])
            .arg(&tree)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            theirs.status.success(),
            "{}",
            String::from_utf8_lossy(&theirs.stderr)
        );
        let ours = denv(&tmp.path().join("store"))
            .args(["store", "hash", "--type", algo, "--format", format])
            .arg(&tree)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            ours.status.success(),
            "{}",
            String::from_utf8_lossy(&ours.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "{algo} {format}"
        );
    }
    // Hashing writes nothing: the store directory is never created.
    assert!(!tmp.path().join("store").exists());
    let bad = denv(&tmp.path().join("store"))
        .args(["store", "hash", "--type", "sha3"])
        .arg(&tree)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown hash algorithm 'sha3'"));
}

#[test]
fn dump_equals_nix_store_dump() {
    let nix = NixStore::new();
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    awkward_tree(&tree);
    for sub in ["", "bin/tool", "empty", "link", "deep", "dangling"] {
        let p = if sub.is_empty() {
            tree.clone()
        } else {
            tree.join(sub)
        };
        let theirs = nix
            .command("nix-store")
            .arg("--dump")
            .arg(&p)
            .output()
            .unwrap();
        assert!(theirs.status.success());
        let ours = denv(&tmp.path().join("store"))
            .args(["store", "dump"])
            .arg(&p)
            .output()
            .unwrap();
        assert!(
            ours.status.success(),
            "{}",
            String::from_utf8_lossy(&ours.stderr)
        );
        assert!(ours.stdout == theirs.stdout, "NAR of {sub:?} differs");
    }
    // Restoring Nix's NAR with denv gives a tree Nix archives identically.
    let nar = nix
        .command("nix-store")
        .arg("--dump")
        .arg(&tree)
        .output()
        .unwrap()
        .stdout;
    let restored = tmp.path().join("restored");
    let mut child = denv(&tmp.path().join("store"))
        .args(["store", "restore"])
        .arg(&restored)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&nar).unwrap();
    assert!(child.wait().unwrap().success());
    let again = nix
        .command("nix-store")
        .arg("--dump")
        .arg(&restored)
        .output()
        .unwrap();
    assert!(again.stdout == nar, "restored tree archives differently");
    // A truncated archive is refused with exit code 1.
    let mut child = denv(&tmp.path().join("store"))
        .args(["store", "restore"])
        .arg(tmp.path().join("truncated"))
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&nar[..nar.len() - 8])
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
}

#[test]
fn add_and_add_fixed_paths_equal_nix() {
    let nix = NixStore::new();
    let dir = StoreDir::from_path(&nix.store_dir()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    awkward_tree(&tree);
    let file = tmp.path().join("hello.txt");
    fs::write(&file, b"hello world\n").unwrap();
    let exe = tree.join("bin/tool");
    for path in [&tree, &file, &exe] {
        let theirs = nix.run("nix-store", &["--add", path.to_str().unwrap()]);
        let name = path.file_name().unwrap().to_str().unwrap();
        let ours =
            address::source_path(&dir, name, &nar_sha256(path), &BTreeSet::new(), false).unwrap();
        assert_eq!(dir.display(&ours), theirs, "--add {name}");
    }
    for algo in [
        HashAlgo::Sha1,
        HashAlgo::Sha256,
        HashAlgo::Sha512,
        HashAlgo::Md5,
    ] {
        for recursive in [false, true] {
            let target = if recursive { &tree } else { &file };
            let mut args = vec!["--add-fixed"];
            if recursive {
                args.push("--recursive");
            }
            args.extend([algo.name(), target.to_str().unwrap()]);
            let theirs = nix.run("nix-store", &args);
            let (method, hash) = if recursive {
                let mut h = denv::store::hash::Hasher::new(algo);
                Dumper::new().dump(target, &mut h, None).unwrap();
                (IngestionMethod::Recursive, h.finish())
            } else {
                (IngestionMethod::Flat, flat_hash(target, algo))
            };
            let name = target.file_name().unwrap().to_str().unwrap();
            let fixed = FixedOutputHash { method, hash };
            let ours =
                address::fixed_output_path(&dir, name, &fixed, &BTreeSet::new(), false).unwrap();
            assert_eq!(dir.display(&ours), theirs, "--add-fixed {args:?}");
        }
    }
}

const DRVS_NIX: &str = r#"
let
  sh = "/bin/sh";
  src = ./hello.txt;
  text = builtins.toFile "greeting" "hi there\n";
  multi = derivation {
    name = "multi"; system = "x86_64-linux"; builder = sh;
    args = [ "-c" "echo > $out; echo > $dev; echo > $doc" ];
    outputs = [ "out" "dev" "doc" ];
    awkward = "quote\" backslash\\ newline\n cr\r tab\t dollar$ unicode é \u{1}";
  };
  flat = derivation {
    name = "flat"; system = "x86_64-linux"; builder = sh;
    outputHashMode = "flat"; outputHashAlgo = "sha1";
    outputHash = "22596363b3de40b06f981fb85d82312e8c0ed511";
  };
  rec256 = derivation {
    name = "rec256"; system = "x86_64-linux"; builder = sh;
    outputHashMode = "recursive";
    outputHash = "sha256-uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=";
  };
  rec512 = derivation {
    name = "rec512"; system = "x86_64-linux"; builder = sh;
    outputHashMode = "recursive"; outputHashAlgo = "sha512";
    outputHash = "abababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababab";
  };
  flat256 = derivation {
    name = "flat256"; system = "x86_64-linux"; builder = sh;
    outputHashAlgo = "sha256";
    outputHash = "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s";
  };
  top = derivation {
    name = "top"; system = "x86_64-linux"; builder = "${multi.dev}/bin/build";
    args = [ "${src}" text "${flat}" "${multi}" ];
    deps = [ rec256 rec512 flat256 multi.doc ];
    outputs = [ "bin" "out" ];
  };
in [ multi flat rec256 rec512 flat256 top ]
"#;

/// Rebuilds the request the evaluator would have made for a derivation Nix wrote.
fn request_from(drv: &Derivation) -> DerivationRequest {
    let mut env = drv.env.clone();
    for o in drv.outputs.keys() {
        env.remove(o);
    }
    DerivationRequest {
        name: drv.env["name"].clone(),
        system: drv.platform.clone(),
        builder: drv.builder.clone(),
        args: drv.args.clone(),
        env,
        outputs: drv.outputs.keys().cloned().collect(),
        fixed: drv.fixed_output().cloned(),
        input_drvs: drv.input_drvs.clone(),
        input_srcs: drv.input_srcs.clone(),
    }
}

fn check_drvs_against_nix(nix: &NixStore) {
    let dir = StoreDir::from_path(&nix.store_dir()).unwrap();
    let work = tempfile::tempdir().unwrap();
    fs::write(work.path().join("hello.txt"), b"hello world\n").unwrap();
    fs::write(work.path().join("drvs.nix"), DRVS_NIX).unwrap();
    let drv_paths = nix.run(
        "nix-instantiate",
        &[work.path().join("drvs.nix").to_str().unwrap()],
    );
    let outs = nix.run(
        "nix-instantiate",
        &[
            "--eval",
            "--strict",
            "--json",
            "-E",
            &format!(
                "map (d: d.outPath) (import {})",
                work.path().join("drvs.nix").display()
            ),
        ],
    );
    let outs: Vec<String> = serde_json::from_str(&outs).unwrap();
    let loader = FsLoader { dir: dir.clone() };
    let mut hashes = DrvHashes::new();
    let mut checked = 0;
    for (line, out_path) in drv_paths.lines().zip(&outs) {
        // `top` lists `bin` first, so Nix prints `….drv!bin` and its outPath is `bin`'s.
        let (drv_path, first_output) = line.split_once('!').unwrap_or((line, "out"));
        let path = dir.parse(drv_path).unwrap();
        let theirs = fs::read_to_string(dir.to_path(&path)).unwrap();
        let parsed = loader.load(&path).unwrap();
        assert_eq!(
            parsed.to_aterm(&dir, false, None),
            theirs,
            "re-print {drv_path}"
        );
        let inst = instantiate(&dir, request_from(&parsed), &mut hashes, &loader).unwrap();
        assert_eq!(inst.aterm, theirs, "ATerm of {drv_path}");
        assert_eq!(dir.display(&inst.drv_path), drv_path);
        assert_eq!(&dir.display(&inst.outputs[first_output]), out_path);
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn drv_files_and_output_paths_equal_nix_instantiate() {
    check_drvs_against_nix(&NixStore::new());
}

struct Refuse;
impl DrvLoader for Refuse {
    fn load(&self, path: &StorePath) -> Result<Derivation, DerivationError> {
        panic!("{path} should have been memoised")
    }
}

/// The evaluator's view: build requests by hand, inputs only through the memo, and
/// compare with `nix-instantiate --store dummy://` on `/nix/store`.
#[test]
fn evaluator_style_chain_in_nix_store_equals_nix() {
    let dir = StoreDir::new("/nix/store").unwrap();
    let expr = r#"
      let a = derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh";
                           outputs = [ "out" "lib" ]; v = "x\ty"; };
          b = derivation { name = "b"; system = "x86_64-linux"; builder = "/bin/sh";
                           args = [ "-c" "${a.lib}/x" ]; a = a; };
      in [ a.drvPath a.lib.outPath b.drvPath b.outPath ]"#;
    let out = stdout_of(
        std::process::Command::new("nix-instantiate")
            .args([
                "--store", "dummy://", "--eval", "--strict", "--json", "-E", expr,
            ])
            .env_remove("NIX_STORE_DIR")
            .output()
            .unwrap(),
    );
    let want: Vec<String> = serde_json::from_str(&out).unwrap();
    let env = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let mut hashes = DrvHashes::new();
    let a = instantiate(
        &dir,
        DerivationRequest {
            name: "a".into(),
            system: "x86_64-linux".into(),
            builder: "/bin/sh".into(),
            args: vec![],
            env: env(&[
                ("name", "a"),
                ("system", "x86_64-linux"),
                ("builder", "/bin/sh"),
                ("outputs", "out lib"),
                ("v", "x\ty"),
            ]),
            outputs: vec!["out".into(), "lib".into()],
            fixed: None,
            input_drvs: BTreeMap::new(),
            input_srcs: BTreeSet::new(),
        },
        &mut hashes,
        &Refuse,
    )
    .unwrap();
    let a_out = dir.display(&a.outputs["out"]);
    let a_lib = dir.display(&a.outputs["lib"]);
    let b = instantiate(
        &dir,
        DerivationRequest {
            name: "b".into(),
            system: "x86_64-linux".into(),
            builder: "/bin/sh".into(),
            args: vec!["-c".into(), format!("{a_lib}/x")],
            env: env(&[
                ("name", "b"),
                ("system", "x86_64-linux"),
                ("builder", "/bin/sh"),
                ("a", &a_out),
            ]),
            outputs: vec!["out".into()],
            fixed: None,
            input_drvs: [(
                a.drv_path.clone(),
                ["out".to_owned(), "lib".to_owned()].into(),
            )]
            .into(),
            input_srcs: BTreeSet::new(),
        },
        &mut hashes,
        &Refuse,
    )
    .unwrap();
    assert_eq!(
        vec![
            dir.display(&a.drv_path),
            a_lib,
            dir.display(&b.drv_path),
            dir.display(&b.outputs["out"]),
        ],
        want
    );
}

#[test]
fn text_paths_equal_builtins_to_file() {
    let dir = StoreDir::new("/nix/store").unwrap();
    let out = stdout_of(
        std::process::Command::new("nix-instantiate")
            .args([
                "--store",
                "dummy://",
                "--eval",
                "--strict",
                "--json",
                "-E",
                r#"let a = builtins.toFile "a" "x\n"; in [ a (builtins.toFile "b" "ref ${a} \t") ]"#,
            ])
            .env_remove("NIX_STORE_DIR")
            .output()
            .unwrap(),
    );
    let want: Vec<String> = serde_json::from_str(&out).unwrap();
    let a = address::text_path(&dir, "a", b"x\n", &BTreeSet::new()).unwrap();
    let contents = format!("ref {} \t", dir.display(&a));
    let b = address::text_path(&dir, "b", contents.as_bytes(), &[a.clone()].into()).unwrap();
    assert_eq!(vec![dir.display(&a), dir.display(&b)], want);
}
