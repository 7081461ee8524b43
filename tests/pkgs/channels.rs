//! Version order against dpkg, named channels, extra sources, the offline cache and
//! the verbs.

use std::path::Path;
use std::process::Command;

use denv::pkgs::channel::{Channel, Need};
use denv::pkgs::fetch::{Fetcher, NoProgress};
use denv::pkgs::{PkgsError, update};

use super::{Warnings, archive, base_source, run};

#[test]
fn archive_version_order_matches_dpkg_compare_versions() {
    use denv::pkgs::version::Version;
    let mut versions: Vec<String> = [
        "1.0",
        "1.0-1",
        "1.0~rc1",
        "1.0~~",
        "1.0+b1",
        "1:0.9",
        "0:1.0",
        "1.0a",
        "1.0.0",
        "1.00",
        "2.36-9+deb12u1",
        "2.36-9+deb12u10",
        "1.0-1~bpo1",
        "10",
        "9.99",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Plus every version of a sample of real packages with several versions.
    let index = &archive().index;
    versions.extend(
        index
            .candidates()
            .filter(|p| index.versions(p.name()).len() > 1)
            .take(40)
            .flat_map(|p| {
                index
                    .versions(p.name())
                    .into_iter()
                    .map(|v| v.version().to_owned())
            }),
    );
    versions.extend(index.candidates().take(40).map(|p| p.version().to_owned()));
    let mut checked = 0;
    for pair in versions.windows(2).chain(versions.chunks(2)) {
        let (a, b) = (&pair[0], pair.get(1).unwrap_or(&pair[0]));
        let ours = Version::parse(a).unwrap().cmp(&Version::parse(b).unwrap());
        let less = Command::new("dpkg")
            .args(["--compare-versions", a, "lt", b])
            .status()
            .unwrap()
            .success();
        let equal = Command::new("dpkg")
            .args(["--compare-versions", a, "eq", b])
            .status()
            .unwrap()
            .success();
        let theirs = if less {
            std::cmp::Ordering::Less
        } else if equal {
            std::cmp::Ordering::Equal
        } else {
            std::cmp::Ordering::Greater
        };
        assert_eq!(ours, theirs, "{a} vs {b}");
        checked += 1;
    }
    assert!(checked > 100);
}

#[test]
fn archive_named_channel_is_the_suite_family_on_the_machines_archives() {
    let apt = &archive().apt;
    let cache = tempfile::tempdir().unwrap();
    let warnings = Warnings::default();
    let trixie = Channel::for_suite("t", "trixie", apt).unwrap();
    let index = update::update(cache.path(), &trixie, &Fetcher::new(), &warnings).unwrap();
    let suites: Vec<&str> = index.sources().iter().map(|s| s.suite.as_str()).collect();
    assert_eq!(suites, ["trixie", "trixie-updates", "trixie-security"]);
    // The security suite comes from the URI the machine lists for its own security suite.
    let security_uri = apt
        .sources
        .iter()
        .find(|s| s.suite.ends_with("-security"))
        .map(|s| s.uri.clone())
        .expect("the machine lists a security suite");
    assert_eq!(index.sources()[2].uri, security_uri);
    assert!(warnings.0.lock().unwrap().is_empty());
    let newer = index.candidate("hello").unwrap().parsed_version().unwrap();
    let older = archive()
        .index
        .candidate("hello")
        .unwrap()
        .parsed_version()
        .unwrap();
    assert!(newer >= older);
    // Offline: the cached index is what later loads use.
    let cached = update::load_cached(cache.path(), &trixie).unwrap();
    assert_eq!(cached.len(), index.len());
    let never = Channel::for_suite("sid", "sid", apt).unwrap();
    let err = update::load_cached(cache.path(), &never).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no index for channel `sid` in the cache; run `denv update` (with network access) first"
    );
}

#[test]
fn archive_unreachable_or_unverifiable_extra_sources_are_skipped_with_one_warning() {
    let base = base_source().clone();
    let mut channel = Channel::from_apt(&archive().apt).unwrap();
    channel.sources.retain(|s| s.need == Need::Required);
    let wrong_keys = tempfile::tempdir().unwrap();
    // A keyring holding some other key: the archive's signature cannot verify with it.
    let (ok, _, stderr) = run(Command::new("gpg").args([
        "--batch",
        "--homedir",
        wrong_keys.path().to_str().unwrap(),
        "--passphrase",
        "",
        "--quick-gen-key",
        "someone@example.invalid",
        "ed25519",
        "sign",
        "never",
    ]));
    assert!(ok, "gpg (test oracle) could not make a key: {stderr}");
    let keyring = wrong_keys.path().join("other.gpg");
    let exported = Command::new("gpg")
        .args([
            "--batch",
            "--homedir",
            wrong_keys.path().to_str().unwrap(),
            "--export",
        ])
        .output()
        .unwrap();
    std::fs::write(&keyring, exported.stdout).unwrap();
    let unverifiable = denv::pkgs::sources::Source {
        keyring: denv::pkgs::sources::Keyring::File(keyring.clone()),
        ..base.clone()
    };
    let unreachable = denv::pkgs::sources::Source {
        uri: "http://127.0.0.1:9/apt".to_owned(),
        suite: "nodistro".to_owned(),
        ..base.clone()
    };
    for source in [unverifiable.clone(), unreachable] {
        channel.sources.push(denv::pkgs::channel::ChannelSource {
            source,
            need: Need::Extra,
        });
    }
    let cache = tempfile::tempdir().unwrap();
    let warnings = Warnings::default();
    let index = update::update(cache.path(), &channel, &Fetcher::new(), &warnings).unwrap();
    assert!(index.candidate("hello").is_some());
    let warnings = warnings.0.into_inner().unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].contains("signature check failed"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("http://127.0.0.1:9/apt"),
        "{warnings:?}"
    );
    // The same unverifiable source as the channel's own suite is a hard error.
    let strict = Channel {
        name: "strict".to_owned(),
        sources: vec![denv::pkgs::channel::ChannelSource {
            source: unverifiable,
            need: Need::Required,
        }],
    };
    let err = update::update(cache.path(), &strict, &Fetcher::new(), &NoProgress).unwrap_err();
    assert!(matches!(err, PkgsError::BadSignature { .. }), "{err}");
}

// ---------------------------------------------------------------- the verbs

fn denv(cache: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_denv"))
        .args(args)
        .env("DENV_CACHE_DIR", cache)
        .env("DENV_CONFIG_DIR", cache.join("config"))
        .current_dir(cache)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn archive_search_show_and_update_verbs() {
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = denv(cache.path(), &["update"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("channel default: "), "{stdout}");
    let (code, stdout, _) = denv(cache.path(), &["search", "jq", "--limit", "3"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), 3);
    assert!(stdout.starts_with("jq "), "{stdout}");
    let (code, stdout, _) = denv(cache.path(), &["search", "jq", "--json"]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rows[0]["name"], "jq");
    assert_eq!(rows[0]["match"], "exact-name");
    let (code, stdout, _) = denv(cache.path(), &["show", "hello"]);
    assert_eq!(code, 0);
    let candidate = archive().index.candidate("hello").unwrap();
    assert!(stdout.starts_with("hello (channel default)\n"), "{stdout}");
    assert!(
        stdout.contains(&format!("  version {} [amd64]", candidate.version())),
        "{stdout}"
    );
    // An alias resolves to the channel's default major version, read from the index.
    let (code, stdout, _) = denv(cache.path(), &["show", "postgresql", "--json"]);
    assert_eq!(code, 0);
    let shown: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let package = shown[0]["package"].as_str().unwrap();
    assert!(package.starts_with("postgresql-") && package[11..].parse::<u32>().is_ok());
    let (code, _, stderr) = denv(cache.path(), &["show", "hellp"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: unknown package `hellp`; did you mean hello"),
        "{stderr}"
    );
    // A named channel from the user's config.
    std::fs::create_dir_all(cache.path().join("config")).unwrap();
    std::fs::write(
        cache.path().join("config/config.toml"),
        "[channels]\ntrixie = { suite = \"trixie\" }\n",
    )
    .unwrap();
    let (code, stdout, stderr) = denv(
        cache.path(),
        &["search", "hello", "--channel", "trixie", "--limit", "1"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("hello "), "{stdout}");
    let (code, _, stderr) = denv(cache.path(), &["search", "x", "--channel", "nope"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: unknown channel `nope` (known: default, trixie)\n"
    );
}
