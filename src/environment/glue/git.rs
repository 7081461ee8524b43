//! `builtins.fetchGit` for local repositories, fetched as Nix 2.8 fetches them, with the
//! host's `git` program doing the Git side.
//!
//! ```text
//! url ─► a local working tree? ──no──► refused (bare and remote repositories)
//!   │ no ref, no rev, and tracked files changed since HEAD?
//!   ├─yes─► warning; the working tree's tracked files (`git ls-files`), rev unknown
//!   └─no──► ref (HEAD's branch unless given) ─► rev ─► `git archive REV`, unpacked
//!                                               (a checkout with submodules if asked)
//! tree ─► recursive sha256 path named `name`: computed (evaluation) or added (instantiation)
//! ```
//!
//! The answer is what Nix reports: revision, revision count, commit time and NAR hash; a
//! dirty tree has no revision. A clean tree is remembered for the rest of the evaluation.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::BufWriter;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::{Glue, GlueError, io_at};
use crate::eval::glue::{GitRequest, GitTree};
use crate::store::address;
use crate::store::hash::Hasher;
use crate::store::nar::{Dumper, PathFilter};
use crate::store::{FixedOutputHash, Hash, HashAlgo, HashFormat, IngestionMethod, StorePath};

/// Fetched clean trees of this evaluation, by request.
pub(super) type Fetched = HashMap<GitRequest, GitTree>;

pub(super) fn fetch_git(glue: &Glue, req: &GitRequest) -> Result<GitTree, GlueError> {
    if let Some(tree) = glue.memory.borrow().git.get(req) {
        return Ok(tree.clone());
    }
    crate::store::path::check_name(&req.name)?;
    if let Some(r) = &req.git_ref
        && !valid_ref(r)
    {
        return Err(GlueError::Invalid(format!(
            "invalid Git branch/tag name '{r}'"
        )));
    }
    let rev = req.rev.as_deref().map(parse_rev).transpose()?;
    let repo = local_repo(&req.url)?;
    if rev.is_none() {
        note_sources(glue, req, &repo)?;
    }
    if req.git_ref.is_none()
        && rev.is_none()
        && let Some(tree) = fetch_dirty(glue, req, &repo)?
    {
        return check_expected(req, None, tree);
    }
    let (git_ref, tree) = fetch_clean(glue, req, &repo, rev)?;
    let tree = check_expected(req, Some(&git_ref), tree)?;
    glue.memory
        .borrow_mut()
        .git
        .insert(req.clone(), tree.clone());
    Ok(tree)
}

/// The working tree a `file://` URL names (percent escapes decoded, query dropped).
fn local_repo(url: &str) -> Result<PathBuf, GlueError> {
    let unsupported = |reason: &str| GlueError::Fetch {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let Some(rest) = url.strip_prefix("file://") else {
        return Err(unsupported(
            "only local Git repositories can be fetched by denv so far",
        ));
    };
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let path = &rest[rest.find('/').unwrap_or(rest.len())..];
    let path = PathBuf::from(std::ffi::OsStr::from_bytes(&percent_decode(path)));
    if path.as_os_str().is_empty() {
        return Err(unsupported("the URL names no local path"));
    }
    if !path.join(".git").exists() {
        return Err(unsupported(
            "it is not a Git working tree (bare repositories are not fetched by denv yet)",
        ));
    }
    Ok(path)
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(&h), Some(&l)) = (bytes.get(i + 1), bytes.get(i + 2))
            && let (Some(h), Some(l)) = (hex(h), hex(l))
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'%'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Nix's test for branch and tag names it accepts.
fn valid_ref(r: &str) -> bool {
    let bad_char = |c: char| c.is_control() || c.is_whitespace() || ":?^~[\\*".contains(c);
    !(r.is_empty()
        || r == "@"
        || r.contains("//")
        || r.starts_with(['.', '/'])
        || r.ends_with(['.', '/'])
        || r.contains("/.")
        || r.contains("..")
        || r.contains(bad_char)
        || r.ends_with(".lock")
        || r.contains(".lock/")
        || r.contains("@{"))
}

/// A revision in any of Nix's hash forms, as 40 hex digits.
fn parse_rev(rev: &str) -> Result<String, GlueError> {
    match Hash::parse(rev, Some(HashAlgo::Sha1)) {
        Ok(h) => Ok(h.encode(HashFormat::Base16)),
        // Lengths of a SHA-1 in base16, nixbase32 and base64.
        Err(_) if !rev.contains([':', '-']) && ![40, 32, 28].contains(&rev.len()) => {
            Err(GlueError::Invalid(format!(
                "hash '{rev}' has wrong length for hash type 'sha1'"
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs `git -C repo ARGS`.
fn run(repo: &Path, args: &[&str]) -> Result<Output, GlueError> {
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| GlueError::Io {
            path: PathBuf::from("git"),
            source,
        })
}

/// Runs `git -C repo ARGS` and returns its output, trimmed; failing is an error.
fn git(repo: &Path, args: &[&str]) -> Result<String, GlueError> {
    let out = run(repo, args)?;
    if !out.status.success() {
        return Err(git_failed(args, &out));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
}

fn git_failed(args: &[&str], out: &Output) -> GlueError {
    let status = match out.status.code() {
        Some(code) => format!("exit code {code}"),
        None => "killed by a signal".into(),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stderr = stderr.trim_end();
    GlueError::Git {
        command: args.join(" "),
        reason: if stderr.is_empty() {
            status
        } else {
            format!("{status}\n{stderr}")
        },
    }
}

fn number(repo: &Path, args: &[&str]) -> Result<u64, GlueError> {
    let text = git(repo, args)?;
    text.parse().map_err(|_| GlueError::Git {
        command: args.join(" "),
        reason: format!("unexpected output '{text}'"),
    })
}

/// The commit time of `rev`.
fn commit_time(repo: &Path, rev: &str) -> Result<u64, GlueError> {
    number(
        repo,
        &["log", "-1", "--format=%ct", "--no-show-signature", rev],
    )
}

/// Notes what the answer for a request without `rev` depends on: HEAD, the index and the
/// refs, and (without `ref`, where the working tree may be taken) every tracked file.
fn note_sources(glue: &Glue, req: &GitRequest, repo: &Path) -> Result<(), GlueError> {
    let git_dir = PathBuf::from(git(repo, &["rev-parse", "--absolute-git-dir"])?);
    let common = repo.join(git(repo, &["rev-parse", "--git-common-dir"])?);
    let mut files = vec![
        git_dir.join("HEAD"),
        git_dir.join("index"),
        common.join("packed-refs"),
    ];
    let full_ref = match &req.git_ref {
        Some(r) => r.clone(),
        None => git(repo, &["rev-parse", "--symbolic-full-name", "HEAD"])?,
    };
    if full_ref.starts_with("refs/") {
        files.push(common.join(&full_ref));
    } else {
        files.push(common.join("refs/heads").join(&full_ref));
        files.push(common.join("refs/tags").join(&full_ref));
    }
    if req.git_ref.is_none() {
        let out = run(repo, &["ls-files", "-z"])?;
        if out.status.success() {
            files.extend(
                out.stdout
                    .split(|b| *b == 0)
                    .filter(|f| !f.is_empty())
                    .map(|f| repo.join(std::ffi::OsStr::from_bytes(f))),
            );
        }
    }
    glue.memory.borrow_mut().fetched_from.extend(files);
    Ok(())
}

/// With uncommitted changes to tracked files: their working-tree state. `None` when the
/// tree is clean.
fn fetch_dirty(glue: &Glue, req: &GitRequest, repo: &Path) -> Result<Option<GitTree>, GlueError> {
    let common = git(repo, &["rev-parse", "--git-common-dir"])?;
    let git_dir = if common == ".git" {
        repo.join(".git")
    } else {
        repo.join(common)
    };
    let heads = git_dir.join("refs/heads");
    let have_commits = fs::read_dir(&heads)
        .map_err(io_at(&heads))?
        .next()
        .is_some();
    if have_commits {
        let args = ["diff-index", "--quiet", "HEAD", "--"];
        let out = run(repo, &args)?;
        match out.status.code() {
            Some(0) => return Ok(None),
            Some(1) => {}
            _ => return Err(git_failed(&args, &out)),
        }
    }
    (glue.warn)(&format!("Git tree '{}' is dirty", repo.display()));
    let mut args = vec!["ls-files", "-z"];
    if req.submodules {
        args.push("--recurse-submodules");
    }
    let out = run(repo, &args)?;
    if !out.status.success() {
        return Err(git_failed(&args, &out));
    }
    let files: BTreeSet<Vec<u8>> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    let root = repo.to_path_buf();
    let tracked = move |p: &Path, meta: &fs::Metadata| {
        let Ok(rel) = p.strip_prefix(&root) else {
            return false;
        };
        let rel = rel.as_os_str().as_bytes();
        if meta.is_dir() {
            let mut prefix = rel.to_vec();
            prefix.push(b'/');
            files
                .range(prefix.clone()..)
                .next()
                .is_some_and(|f| f.starts_with(&prefix))
        } else {
            files.contains(rel)
        }
    };
    let (out_path, nar_hash) = store_tree(glue, repo, &req.name, Box::new(tracked))?;
    let last_modified = if have_commits {
        commit_time(repo, "HEAD")?
    } else {
        0
    };
    Ok(Some(GitTree {
        out_path: glue.dir.display(&out_path),
        rev: None,
        rev_count: None,
        last_modified,
        nar_hash: nar_hash.to_typed_string(HashFormat::Sri),
    }))
}

/// The tree of a commit: `rev`, or the one `ref` (HEAD's branch by default) points at.
fn fetch_clean(
    glue: &Glue,
    req: &GitRequest,
    repo: &Path,
    rev: Option<String>,
) -> Result<(String, GitTree), GlueError> {
    let git_ref = match &req.git_ref {
        Some(r) => r.clone(),
        None => git(repo, &["rev-parse", "--abbrev-ref", "HEAD"])?,
    };
    let rev = match rev {
        Some(rev) => rev,
        None => parse_rev(&git(repo, &["rev-parse", &git_ref])?)?,
    };
    if git(repo, &["rev-parse", "--is-shallow-repository"])? == "true" && !req.shallow {
        return Err(GlueError::Invalid(format!(
            "'{}' is a shallow Git repository, but a non-shallow repository is needed",
            repo.display()
        )));
    }
    let found = run(repo, &["cat-file", "commit", &rev])?;
    if !found.status.success() {
        return Err(GlueError::Invalid(format!(
            "Cannot find Git revision '{rev}' in ref '{git_ref}' of repository '{}'! Please make \
             sure that the rev exists on the ref you've specified or add allRefs = true; to fetchGit.",
            repo.display()
        )));
    }
    let tmp = tempfile::tempdir().map_err(io_at(repo))?;
    let tree = tmp.path().join("tree");
    let (out_path, nar_hash) = if req.submodules {
        checkout_with_submodules(repo, &rev, &tree, tmp.path())?;
        let not_git = |p: &Path, _: &fs::Metadata| p.file_name() != Some(".git".as_ref());
        store_tree(glue, &tree, &req.name, Box::new(not_git))?
    } else {
        archive(repo, &rev, &tree)?;
        store_tree(
            glue,
            &tree,
            &req.name,
            Box::new(|_: &Path, _: &fs::Metadata| true),
        )?
    };
    let rev_count = if req.shallow {
        None
    } else {
        Some(number(repo, &["rev-list", "--count", &rev])?)
    };
    let tree = GitTree {
        out_path: glue.dir.display(&out_path),
        last_modified: commit_time(repo, &rev)?,
        rev: Some(rev),
        rev_count,
        nar_hash: nar_hash.to_typed_string(HashFormat::Sri),
    };
    Ok((git_ref, tree))
}

/// Unpacks `git archive REV` into `dest`.
fn archive(repo: &Path, rev: &str, dest: &Path) -> Result<(), GlueError> {
    fs::create_dir(dest).map_err(io_at(dest))?;
    let args = ["archive", "--format=tar", rev];
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| GlueError::Io {
            path: PathBuf::from("git"),
            source,
        })?;
    let unpacked = match child.stdout.take() {
        Some(stdout) => {
            let mut tar = tar::Archive::new(std::io::BufReader::new(stdout));
            tar.set_preserve_permissions(true);
            tar.set_preserve_mtime(false);
            tar.unpack(dest)
        }
        None => Ok(()),
    };
    let out = child.wait_with_output().map_err(io_at(repo))?;
    if !out.status.success() {
        return Err(git_failed(&args, &out));
    }
    unpacked.map_err(io_at(dest))
}

/// A checkout of `rev` at `dest` with its submodules, as Nix makes one: a fresh repository
/// (its Git directory under `scratch`) fetching every ref of `repo`.
fn checkout_with_submodules(
    repo: &Path,
    rev: &str,
    dest: &Path,
    scratch: &Path,
) -> Result<(), GlueError> {
    let git_dir = scratch.join("git-dir");
    let (dest_s, git_dir_s, repo_s) = (
        dest.to_string_lossy(),
        git_dir.to_string_lossy(),
        repo.to_string_lossy(),
    );
    git(
        scratch,
        &[
            "-c",
            "init.defaultBranch=master",
            "init",
            &dest_s,
            "--separate-git-dir",
            &git_dir_s,
        ],
    )?;
    git(
        dest,
        &[
            "fetch",
            "--quiet",
            "--force",
            "--update-head-ok",
            "--",
            &repo_s,
            "refs/*:refs/*",
        ],
    )?;
    git(dest, &["checkout", "--quiet", rev])?;
    git(dest, &["remote", "add", "origin", &repo_s])?;
    git(
        dest,
        &["submodule", "--quiet", "update", "--init", "--recursive"],
    )?;
    Ok(())
}

/// The recursive sha256 path of the entries of `root` that `filter` keeps, and its NAR
/// hash: added to the store when the glue writes, computed otherwise.
fn store_tree(
    glue: &Glue,
    root: &Path,
    name: &str,
    filter: Box<PathFilter<'_>>,
) -> Result<(StorePath, Hash), GlueError> {
    if let Some(store) = &glue.store {
        let path = store.borrow_mut().add_path_filtered(root, name, filter)?;
        let hash = store.borrow().info(&path)?.nar_hash;
        return Ok((path, hash));
    }
    let mut h = Hasher::new(HashAlgo::Sha256);
    Dumper::with_filter(filter).dump(root, &mut BufWriter::new(&mut h), None)?;
    let hash = h.finish();
    let fixed = FixedOutputHash {
        method: IngestionMethod::Recursive,
        hash: hash.clone(),
    };
    let path = address::fixed_output_path(&glue.dir, name, &fixed, &BTreeSet::new(), false)?;
    Ok((path, hash))
}

/// How Nix names an input in its errors: `git+URL?ref=…&rev=…`.
fn input_url(url: &str, git_ref: Option<&str>, rev: Option<&str>, shallow: bool) -> String {
    let mut query = Vec::new();
    if let Some(r) = git_ref {
        query.push(format!("ref={r}"));
    }
    if let Some(r) = rev {
        query.push(format!("rev={r}"));
    }
    if shallow {
        query.push("shallow=1".into());
    }
    let scheme = if url.starts_with("git://") {
        ""
    } else {
        "git+"
    };
    if query.is_empty() {
        format!("{scheme}{url}")
    } else {
        format!("{scheme}{url}?{}", query.join("&"))
    }
}

/// Checks the `narHash`, `lastModified` and `revCount` the caller expected. An expected
/// count where Nix learns none (a dirty or shallow tree) stands, as in Nix.
fn check_expected(
    req: &GitRequest,
    git_ref: Option<&str>,
    mut tree: GitTree,
) -> Result<GitTree, GlueError> {
    if let Some(expected) = &req.nar_hash {
        let expected = Hash::parse(expected, Some(HashAlgo::Sha256))?;
        if expected.to_typed_string(HashFormat::Sri) != tree.nar_hash {
            return Err(GlueError::Invalid(format!(
                "NAR hash mismatch in input '{}' ({}), expected '{}', got '{}'",
                input_url(
                    &req.url,
                    req.git_ref.as_deref(),
                    req.rev.as_deref(),
                    req.shallow
                ),
                tree.out_path,
                expected.to_typed_string(HashFormat::Sri),
                tree.nar_hash
            )));
        }
    }
    let fetched = input_url(&req.url, git_ref, tree.rev.as_deref(), req.shallow);
    if let Some(expected) = req.last_modified
        && expected != tree.last_modified
    {
        return Err(GlueError::Invalid(format!(
            "'lastModified' attribute mismatch in input '{fetched}', expected {expected}"
        )));
    }
    match (req.rev_count, tree.rev_count) {
        (Some(expected), Some(got)) if expected != got => {
            return Err(GlueError::Invalid(format!(
                "'revCount' attribute mismatch in input '{fetched}', expected {expected}"
            )));
        }
        (Some(expected), None) => tree.rev_count = Some(expected),
        _ => {}
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_names_nix_refuses() {
        for good in ["main", "feature/x", "v1.0", "refs/heads/main", "HEAD"] {
            assert!(valid_ref(good), "{good}");
        }
        for bad in [
            "",
            "@",
            "a//b",
            ".hidden",
            "/abs",
            "a/.b",
            "a..b",
            "a b",
            "a:b",
            "a?",
            "a^",
            "a~1",
            "a[",
            "a\\b",
            "a*",
            "x.lock",
            "x.lock/y",
            "a@{1}",
            "trailing/",
            "dot.",
        ] {
            assert!(!valid_ref(bad), "{bad:?}");
        }
    }

    #[test]
    fn file_urls_name_local_paths() {
        assert_eq!(percent_decode("/a%20b/%zz"), b"/a b/%zz");
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join(".git")).unwrap();
        let url = format!("file://{}?ref=x", tmp.path().display());
        assert_eq!(local_repo(&url).unwrap(), tmp.path());
        assert!(local_repo("https://example.invalid/repo").is_err());
        let bare = format!("file://{}", tmp.path().join(".git").display());
        assert!(local_repo(&bare).is_err());
    }

    #[test]
    fn revisions_become_hex() {
        let hex = "71e8f3f9c600c69d8a88014d419e6aa9cbdfb482";
        assert_eq!(parse_rev(hex).unwrap(), hex);
        assert_eq!(parse_rev(&hex.to_uppercase()).unwrap(), hex);
        assert!(parse_rev("abc").is_err());
    }
}
