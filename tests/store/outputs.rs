//! A derivation's outputs become valid together: when one of them cannot be registered,
//! none of them is valid afterwards, whatever order they would have been registered in.

use std::path::Path;

use denv::store::{BuiltOutput, Store, StorePath};

use super::oracle::{denv, stdout_of};

/// `dev` is an ordinary output; `out` refers to `dev` (so it would be registered after it)
/// and holds a named pipe, which no store path may contain.
const TWO_OUTPUTS: &str = r#"derivation {
  name = "split"; system = builtins.currentSystem; builder = "/bin/sh";
  outputs = [ "out" "dev" ];
  args = [ "-c" "set -e; /bin/mkdir $dev $out; echo header > $dev/h; echo $dev > $out/uses-dev; /usr/bin/mkfifo $out/pipe" ];
}"#;

fn output_paths(store: &Path, dir: &Path) -> (String, String) {
    let expr = format!("let d = {TWO_OUTPUTS}; in [ d.out.outPath d.dev.outPath ]");
    let out = stdout_of(
        denv(store)
            .current_dir(dir)
            .args(["eval", "--strict", "--json", "-E", &expr])
            .output()
            .unwrap(),
    );
    let paths: Vec<String> = serde_json::from_str(&out).unwrap();
    (paths[0].clone(), paths[1].clone())
}

#[test]
fn outputs_of_a_failed_registration_are_all_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s/store");
    let built = denv(&store)
        .current_dir(tmp.path())
        .args(["build", "--no-link", "--no-sandbox", "-E", TWO_OUTPUTS])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert_eq!(built.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("pipe"), "{stderr}");
    let (out, dev) = output_paths(&store, tmp.path());
    for path in [&out, &dev] {
        let info = denv(&store)
            .args(["store", "path-info", path])
            .output()
            .unwrap();
        assert_eq!(
            info.status.code(),
            Some(1),
            "{path} is valid after a failed build: {}",
            String::from_utf8_lossy(&info.stdout)
        );
        assert!(!Path::new(path).exists(), "{path} was left on disk");
    }
    stdout_of(denv(&store).args(["store", "verify"]).output().unwrap());
}

/// The same at the store's level: a second output that cannot be archived keeps the first,
/// already hashed and moved into place, from becoming valid.
#[test]
fn register_outputs_is_all_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("s/store")).unwrap();
    let good = StorePath::from_base_name("0000000000000000000000000000000a-good").unwrap();
    let bad = StorePath::from_base_name("0000000000000000000000000000000b-bad").unwrap();
    let _gc = store.gc_shared().unwrap();
    let good_at = store.temp_name();
    std::fs::create_dir(&good_at).unwrap();
    std::fs::write(good_at.join("f"), "fine").unwrap();
    let bad_at = store.temp_name();
    std::fs::create_dir(&bad_at).unwrap();
    let fifo = std::ffi::CString::new(bad_at.join("pipe").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let outputs = [
        BuiltOutput {
            built: good_at.clone(),
            path: good.clone(),
        },
        BuiltOutput {
            built: bad_at,
            path: bad.clone(),
        },
    ];
    assert!(
        store
            .register_outputs(&outputs, &Default::default(), None)
            .is_err()
    );
    assert!(!store.is_valid(&good).unwrap());
    assert!(!store.is_valid(&bad).unwrap());
    // Without the bad one, the good one registers.
    let infos = store
        .register_outputs(&outputs[..1], &Default::default(), None)
        .unwrap();
    assert_eq!(infos.len(), 1);
    assert!(store.is_valid(&good).unwrap());
    assert_eq!(
        std::fs::read_to_string(store.real_path(&good).join("f")).unwrap(),
        "fine"
    );
}
