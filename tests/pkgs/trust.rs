//! The chain of trust on the real archive: apt's sources, InRelease, Packages, .deb.

use std::path::Path;

use denv::pkgs::fetch::{Fetcher, NoProgress};
use denv::pkgs::resolve::ResolveOptions;
use denv::pkgs::sources::AptConfig;
use denv::pkgs::update;
use denv::pkgs::verify::TrustedKeys;

use super::{base_source, oracle, resolve};

#[test]
fn apt_sources_of_this_machine_match_apt_indextargets() {
    let apt = AptConfig::load(Path::new("/")).unwrap();
    let mut ours: Vec<String> = apt
        .sources
        .iter()
        .flat_map(|s| {
            s.components
                .iter()
                .map(move |c| format!("{}/ {} {c}", s.uri, s.suite))
        })
        .collect();
    ours.sort();
    let listed = oracle(
        "apt-get",
        &[
            "indextargets",
            "--format",
            "$(REPO_URI) $(RELEASE) $(COMPONENT) $(ARCHITECTURE) $(CREATED_BY)",
        ],
    );
    let mut theirs: Vec<String> = listed
        .lines()
        .filter(|l| l.ends_with(" amd64 Packages"))
        .map(|l| l.trim_end_matches(" amd64 Packages").to_owned())
        .collect();
    theirs.sort();
    theirs.dedup();
    assert_eq!(ours, theirs);
}

#[test]
fn archive_inrelease_verifies_to_the_same_text_as_gpgv_and_tampering_is_refused() {
    let source = base_source();
    let url = source.dists_url("InRelease");
    let bytes = Fetcher::new().get(&url, &NoProgress).unwrap();
    let keys = TrustedKeys::load(&source.keyring).unwrap();
    let text = keys.verify_clearsigned(&bytes, &url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("InRelease");
    std::fs::write(&file, &bytes).unwrap();
    let denv::pkgs::sources::Keyring::File(keyring) = &source.keyring else {
        panic!("the machine's Debian source names its keyring with Signed-By");
    };
    let gpgv = oracle(
        "gpgv",
        &[
            "--keyring",
            keyring.to_str().unwrap(),
            "--output",
            "-",
            file.to_str().unwrap(),
        ],
    );
    // gpgv also prints the line end that precedes the signature; it is not signed.
    assert!(
        text.trim_end() == gpgv.trim_end(),
        "signed text differs from gpgv's: {} vs {} bytes",
        text.len(),
        gpgv.len()
    );
    // One changed byte in the signed text (a checksum line) breaks the signature.
    let tampered = String::from_utf8(bytes.clone())
        .unwrap()
        .replacen(
            " main/binary-amd64/Packages.xz",
            " main/binary-amd64/Packages.xy",
            1,
        )
        .into_bytes();
    assert_ne!(tampered, bytes);
    let err = update::verify_release(source, &keys, &tampered).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{url}: signature check failed: no good signature")),
        "{err}"
    );
    // A Release signed for one suite is not accepted for another.
    let other = denv::pkgs::sources::Source {
        suite: format!("{}-not-this", source.suite),
        ..source.clone()
    };
    let err = update::verify_release(&other, &keys, &bytes).unwrap_err();
    assert!(err.to_string().starts_with("suite of "), "{err}");
}

#[test]
fn archive_packages_index_is_checked_against_the_signed_release_and_tampering_is_refused() {
    let source = base_source();
    let fetcher = Fetcher::new();
    let keys = TrustedKeys::load(&source.keyring).unwrap();
    let in_release = fetcher
        .get(&source.dists_url("InRelease"), &NoProgress)
        .unwrap();
    let release = update::verify_release(source, &keys, &in_release).unwrap();
    let path = "main/binary-amd64/Packages.xz";
    let url = source.dists_url(path);
    let bytes = fetcher.get(&url, &NoProgress).unwrap();
    let plain = update::check_packages(&release, path, &bytes, &url).unwrap();
    assert!(
        String::from_utf8(plain)
            .unwrap()
            .contains("\nPackage: hello\n")
    );
    let mut tampered = bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x55;
    let err = update::check_packages(&release, path, &tampered, &url).unwrap_err();
    assert_eq!(
        err.to_string().split(": expected").next().unwrap(),
        format!("SHA256 of {url} does not match")
    );
    let err = update::check_packages(&release, path, &bytes[..middle], &url).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("size of {url} does not match")),
        "{err}"
    );
}

/// apt's own choice for a fresh system (empty dpkg status), as (name, version) pairs.
#[test]
fn archive_tampered_deb_is_refused() {
    let hello = resolve("hello", ResolveOptions::default())
        .into_iter()
        .find(|p| p.name == "hello")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fetcher = Fetcher::new();
    let mut wrong_hash = hello.download(dir.path());
    let flipped = if wrong_hash.sha256.starts_with('0') {
        "1"
    } else {
        "0"
    };
    wrong_hash.sha256.replace_range(..1, flipped);
    let err = fetcher.download(&wrong_hash, &NoProgress).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("SHA256 of {} does not match", hello.url)),
        "{err}"
    );
    assert!(
        !wrong_hash.dest.exists(),
        "a refused .deb is not left in place"
    );
    let mut wrong_size = hello.download(dir.path());
    wrong_size.size -= 1;
    let err = fetcher.download(&wrong_size, &NoProgress).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("size of {}", hello.url)),
        "{err}"
    );
    // A good download that is later modified on disk is fetched again, not trusted.
    let good = hello.download(dir.path());
    fetcher.download(&good, &NoProgress).unwrap();
    let mut bytes = std::fs::read(&good.dest).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&good.dest, &bytes).unwrap();
    fetcher.download(&good, &NoProgress).unwrap();
    let (size, sha) = denv::pkgs::fetch::file_sha256(&good.dest).unwrap();
    assert_eq!((size, sha), (hello.size, hello.sha256.clone()));
}
