//! `builtins.fetchGit` of local repositories against real Nix: every attribute, the store
//! path and the warning on stderr must be Nix's, evaluation must write nothing, and a build
//! must find the fetched tree in the store.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::oracle::{NixStore, denv, stdout_of};

/// Runs `git` in `dir` with a fixed identity, dates and no user or system configuration,
/// so commits hash the same in every run.
fn git(dir: &Path, args: &[&str], date: &str) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "init.defaultBranch=master",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada")
        .env("GIT_AUTHOR_EMAIL", "ada@example.invalid")
        .env("GIT_COMMITTER_NAME", "Ada")
        .env("GIT_COMMITTER_EMAIL", "ada@example.invalid")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("run git");
    stdout_of(out)
}

const FIRST: &str = "2021-01-02T03:04:05Z";
const SECOND: &str = "2022-06-07T08:09:10Z";
const THIRD: &str = "2023-11-12T13:14:15Z";

/// A repository with two commits on `master` and a third on branch `feature`, checked out
/// on `master`.
fn repo(root: &Path) -> PathBuf {
    let repo = root.join("repo");
    fs::create_dir_all(repo.join("src")).unwrap();
    git(&repo, &["init", "-q"], FIRST);
    fs::write(repo.join("README"), "first\n").unwrap();
    fs::write(repo.join("src/main.c"), "int main() { return 0; }\n").unwrap();
    git(&repo, &["add", "."], FIRST);
    git(&repo, &["commit", "-q", "-m", "first"], FIRST);
    fs::write(repo.join("README"), "second\n").unwrap();
    git(&repo, &["commit", "-q", "-am", "second"], SECOND);
    git(&repo, &["checkout", "-q", "-b", "feature"], THIRD);
    fs::write(repo.join("feature.txt"), "only on the branch\n").unwrap();
    git(&repo, &["add", "feature.txt"], THIRD);
    git(&repo, &["commit", "-q", "-m", "third"], THIRD);
    git(&repo, &["checkout", "-q", "master"], THIRD);
    repo
}

/// Every attribute of the result (the path apart, so `--json` shows the set), its names
/// and the context of `outPath`.
fn probe(arg: &str) -> String {
    format!(
        "let r = builtins.fetchGit ({arg}); in builtins.removeAttrs r [ \"outPath\" ] // \
         {{ path = r.outPath; names = builtins.attrNames r; \
            context = builtins.attrNames (builtins.getContext r.outPath); }}"
    )
}

fn utf8(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct Compared {
    json: serde_json::Value,
    stderr: String,
}

/// Evaluates `expr` with denv (first: it must not write the path) and then with Nix in
/// the same store directory, and asserts that stdout, stderr and exit code agree.
fn compare(nix: &NixStore, expr: &str) -> Compared {
    let args = ["--eval", "--strict", "--json", "-E", expr];
    let before = listing(&nix.store_dir());
    let ours: Output = denv(&nix.store_dir())
        .env("XDG_CACHE_HOME", nix.root.path().join("cache"))
        .arg("nix-instantiate")
        .args(args)
        .output()
        .unwrap();
    let ours_json: serde_json::Value = serde_json::from_slice(&ours.stdout)
        .unwrap_or_else(|e| panic!("denv: {e}: {} {}", utf8(&ours.stdout), utf8(&ours.stderr)));
    assert_eq!(
        listing(&nix.store_dir()),
        before,
        "evaluation wrote into the store"
    );
    let theirs = nix_instantiate(nix, &args);
    assert_eq!(
        (utf8(&ours.stdout), utf8(&ours.stderr), ours.status.code()),
        (
            utf8(&theirs.stdout),
            utf8(&theirs.stderr),
            theirs.status.code()
        ),
        "denv and Nix differ on {expr}"
    );
    Compared {
        json: ours_json,
        stderr: utf8(&ours.stderr),
    }
}

/// The names in a store directory (none when it does not exist yet).
/// Real `nix-instantiate ARGS` against `nix`'s store, with its own cache directory.
fn nix_instantiate(nix: &NixStore, args: &[&str]) -> Output {
    nix.command("nix-instantiate")
        .env("XDG_CACHE_HOME", nix.root.path().join("cache"))
        .args(args)
        .output()
        .unwrap()
}

fn listing(dir: &Path) -> Vec<std::ffi::OsString> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.file_name())).collect())
        .unwrap_or_default();
    names.sort();
    names
}

fn str_at<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn clean_repository_head_rev_and_ref_equal_nix() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repo(tmp.path());
    let nix = NixStore::new();
    let head = git(&repo, &["rev-parse", "HEAD"], FIRST);
    let first = git(&repo, &["rev-parse", "HEAD~1"], FIRST);
    let feature = git(&repo, &["rev-parse", "feature"], FIRST);
    let r = repo.display();

    // HEAD of the checked-out branch, given as a path value.
    let got = compare(&nix, &probe(&format!("{r}")));
    assert_eq!(str_at(&got.json, "rev"), head);
    assert_eq!(str_at(&got.json, "shortRev"), &head[..7]);
    assert_eq!(got.json["revCount"], 2);
    assert_eq!(str_at(&got.json, "lastModifiedDate"), "20220607080910");
    assert!(str_at(&got.json, "path").ends_with("-source"));
    assert_eq!(got.stderr, "");
    assert_eq!(
        fs::read_to_string(Path::new(str_at(&got.json, "path")).join("README")).unwrap(),
        "second\n"
    );
    // The same as a `file://` URL string.
    let same = compare(&nix, &probe(&format!("\"file://{r}\"")));
    assert_eq!(same.json, got.json);

    // The first commit by `rev`.
    let old = compare(
        &nix,
        &probe(&format!("{{ url = \"{r}\"; rev = \"{first}\"; }}")),
    );
    assert_eq!(str_at(&old.json, "rev"), first);
    assert_eq!(old.json["revCount"], 1);
    assert_eq!(old.json["lastModified"], 1_609_556_645);
    assert_ne!(str_at(&old.json, "narHash"), str_at(&got.json, "narHash"));

    // A branch by `ref`, under another name, with every optional flag Nix accepts.
    let branch = compare(
        &nix,
        &probe(&format!(
            "{{ url = \"file://{r}\"; ref = \"feature\"; name = \"named\"; allRefs = true; submodules = false; }}"
        )),
    );
    assert_eq!(str_at(&branch.json, "rev"), feature);
    assert_eq!(branch.json["revCount"], 3);
    assert!(str_at(&branch.json, "path").ends_with("-named"));
    assert!(
        Path::new(str_at(&branch.json, "path"))
            .join("feature.txt")
            .exists()
    );

    // A checkout with submodules (there are none) gives the same tree as the archive.
    let sub = compare(
        &nix,
        &probe(&format!("{{ url = \"{r}\"; submodules = true; }}")),
    );
    assert_eq!(sub.json["submodules"], true);
    assert_eq!(str_at(&sub.json, "narHash"), str_at(&got.json, "narHash"));
}

#[test]
fn dirty_working_tree_takes_tracked_files_and_warns_like_nix() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repo(tmp.path());
    fs::write(repo.join("README"), "changed, not committed\n").unwrap();
    fs::write(repo.join("untracked"), "never fetched\n").unwrap();
    fs::create_dir(repo.join("empty-dir")).unwrap();
    let nix = NixStore::new();
    let got = compare(&nix, &probe(&repo.display().to_string()));
    assert_eq!(
        got.stderr,
        format!("warning: Git tree '{}' is dirty\n", repo.display())
    );
    assert_eq!(str_at(&got.json, "rev"), "0".repeat(40));
    assert_eq!(str_at(&got.json, "shortRev"), "0000000");
    assert_eq!(got.json["revCount"], 0);
    assert_eq!(got.json["lastModified"], 1_654_589_350);
    let path = PathBuf::from(str_at(&got.json, "path"));
    assert_eq!(
        fs::read_to_string(path.join("README")).unwrap(),
        "changed, not committed\n"
    );
    assert!(!path.join("untracked").exists());
    assert!(!path.join("empty-dir").exists());
    assert!(!path.join(".git").exists());
    // Naming a ref ignores the working tree.
    let committed = compare(
        &nix,
        &probe(&format!(
            "{{ url = \"{}\"; ref = \"master\"; }}",
            repo.display()
        )),
    );
    assert_eq!(committed.stderr, "");
    assert_eq!(committed.json["revCount"], 2);
}

/// A repository holding an executable and symlinks, fetched by evaluation (compared with
/// Nix) and used as a build input by `denv build`.
#[test]
fn executables_and_symlinks_survive_and_a_build_uses_the_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("tools");
    fs::create_dir_all(repo.join("bin")).unwrap();
    git(&repo, &["init", "-q"], FIRST);
    fs::write(repo.join("bin/hello"), "#!/bin/sh\necho hello from git\n").unwrap();
    fs::set_permissions(repo.join("bin/hello"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(repo.join("data"), "plain data\n").unwrap();
    std::os::unix::fs::symlink("bin/hello", repo.join("run")).unwrap();
    std::os::unix::fs::symlink("/nonexistent", repo.join("dangling")).unwrap();
    git(&repo, &["add", "."], FIRST);
    git(&repo, &["commit", "-q", "-m", "tools"], FIRST);

    let nix = NixStore::new();
    let got = compare(&nix, &probe(&repo.display().to_string()));
    let src = PathBuf::from(str_at(&got.json, "path"));
    assert_ne!(
        fs::metadata(src.join("bin/hello"))
            .unwrap()
            .permissions()
            .mode()
            & 0o111,
        0
    );
    assert_eq!(
        fs::read_link(src.join("run")).unwrap(),
        Path::new("bin/hello")
    );

    // denv's own store: the build copies the tree in and the builder runs from it.
    let store = tmp.path().join("s/store");
    let expr = format!(
        "derivation {{ name = \"uses-git\"; system = builtins.currentSystem; builder = \"/bin/sh\"; \
           src = builtins.fetchGit {}; \
           args = [ \"-c\" \"set -e; /bin/mkdir $out; $src/run > $out/said; /bin/cat $src/data >> $out/said; echo $src > $out/src\" ]; }}",
        repo.display()
    );
    let built = stdout_of(
        denv(&store)
            .current_dir(tmp.path())
            .args(["build", "--no-link", "-E", &expr])
            .output()
            .unwrap(),
    );
    let out = Path::new(built.trim());
    assert_eq!(
        fs::read_to_string(out.join("said")).unwrap(),
        "hello from git\nplain data\n"
    );
    let ours_src = fs::read_to_string(out.join("src")).unwrap();
    let ours_src = ours_src.trim();
    assert!(ours_src.starts_with(store.to_str().unwrap()), "{ours_src}");
    assert!(ours_src.ends_with("-source"), "{ours_src}");
    let info = stdout_of(
        denv(&store)
            .args(["nix-store", "-q", "--hash", ours_src])
            .output()
            .unwrap(),
    );
    let nar = got.json["narHash"].as_str().unwrap().to_owned();
    let nix_hash = nix.run("nix-store", &["-q", "--hash", src.to_str().unwrap()]);
    assert_eq!(info, nix_hash, "NAR hash (Nix reports {nar})");
    stdout_of(denv(&store).args(["store", "verify"]).output().unwrap());
}

/// Wrong arguments and expectations fail with Nix's words (the first line of stderr; the
/// lines after it show the position, each in its own way).
#[test]
fn mistakes_are_reported_as_nix_reports_them() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repo(tmp.path());
    let r = repo.display();
    let nix = NixStore::new();
    let cases = [
        format!("builtins.fetchGit {{ url = {r}; depth = 1; }}"),
        format!("builtins.fetchGit {{ url = {r}; rev = 1; }}"),
        format!("builtins.fetchGit {{ url = {r}; rev = \"abc\"; }}"),
        format!("builtins.fetchGit {{ url = {r}; revCount = \"x\"; }}"),
        format!("builtins.fetchGit {{ url = {r}; submodules = \"yes\"; }}"),
        format!("builtins.fetchGit {{ url = {r}; x = [ ]; }}"),
        format!("builtins.fetchGit {{ url = {r}; type = \"git\"; }}"),
        format!("builtins.fetchGit {{ url = {r}; ref = \"a..b\"; }}"),
        "builtins.fetchGit { ref = \"master\"; }".to_owned(),
        format!(
            "(builtins.fetchGit {{ url = {r}; rev = \"0000000000000000000000000000000000000001\"; }}).rev"
        ),
        format!("(builtins.fetchGit {{ url = {r}; ref = \"master\"; lastModified = 5; }}).rev"),
        format!(
            "(builtins.fetchGit {{ url = {r}; ref = \"master\"; narHash = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"; }}).rev"
        ),
    ];
    for expr in cases {
        let args = ["--eval", "-E", expr.as_str()];
        let ours = denv(&nix.store_dir())
            .arg("nix-instantiate")
            .args(args)
            .output()
            .unwrap();
        let theirs = nix_instantiate(&nix, &args);
        let first = |o: &Output| utf8(&o.stderr).lines().next().unwrap_or("").to_owned();
        assert_eq!(ours.status.code(), Some(1), "{expr}");
        // Nix exits with 102 on a NAR hash mismatch; denv's evaluation errors all exit 1.
        assert!(!theirs.status.success(), "{expr}");
        assert_eq!(first(&ours), first(&theirs), "{expr}");
    }
}

/// What an evaluation reports as read (for the evaluation cache): an unpinned fetch depends
/// on HEAD, the branch and, without `ref`, the tracked files; a pinned `rev` on nothing.
#[test]
fn unpinned_fetches_report_the_files_they_depend_on() {
    use denv::environment::glue::{Glue, Input, Target, instantiate};
    use denv::store::StoreDir;

    let tmp = tempfile::tempdir().unwrap();
    let repo = repo(tmp.path());
    let first = git(&repo, &["rev-parse", "HEAD~1"], FIRST);
    let read = |expr: String| {
        let target = Target {
            input: Input::Expr(expr),
            attr_paths: vec![],
            auto_args: vec![],
            include: vec![],
            nix_path: vec![],
            base_dir: tmp.path().to_path_buf(),
        };
        let glue = Glue::read_only(StoreDir::new("/nix/store").unwrap());
        match instantiate(glue, &target, false) {
            Ok(i) => i.files_read,
            Err(e) => panic!("{e}"),
        }
    };
    let r = repo.display();
    let head = read(format!("(builtins.fetchGit {r}).rev"));
    for f in [
        ".git/HEAD",
        ".git/refs/heads/master",
        "README",
        "src/main.c",
    ] {
        assert!(head.contains(&repo.join(f)), "{f} not in {head:?}");
    }
    let branch = read(format!(
        "(builtins.fetchGit {{ url = {r}; ref = \"feature\"; }}).rev"
    ));
    assert!(
        branch.contains(&repo.join(".git/refs/heads/feature")),
        "{branch:?}"
    );
    assert!(!branch.contains(&repo.join("README")), "{branch:?}");
    let pinned = read(format!(
        "(builtins.fetchGit {{ url = {r}; rev = \"{first}\"; }}).rev"
    ));
    assert!(!pinned.iter().any(|f| f.starts_with(&repo)), "{pinned:?}");
}
