use std::fs;
use std::os::unix::fs::PermissionsExt;

use super::*;

fn sample_tree(root: &std::path::Path) {
    fs::create_dir(root).unwrap();
    fs::write(root.join("empty"), b"").unwrap();
    fs::write(root.join("seven"), b"1234567").unwrap();
    fs::write(root.join("exe"), b"#!/bin/sh\necho hi\n").unwrap();
    fs::set_permissions(root.join("exe"), fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("seven", root.join("link")).unwrap();
    fs::create_dir(root.join("sub")).unwrap();
    fs::write(root.join("sub").join("odd name \u{e9}\n"), b"x").unwrap();
}

fn nar_of(path: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    dump_path(path, &mut out).unwrap();
    out
}

#[test]
fn single_file_layout_is_nix_archive() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f");
    fs::write(&f, b"hi").unwrap();
    let nar = nar_of(&f);
    let mut want = Vec::new();
    for s in [
        &b"nix-archive-1"[..],
        b"(",
        b"type",
        b"regular",
        b"contents",
        b"hi",
        b")",
    ] {
        want.extend_from_slice(&(s.len() as u64).to_le_bytes());
        want.extend_from_slice(s);
        want.resize(want.len().div_ceil(8) * 8, 0);
    }
    assert_eq!(nar, want);
}

#[test]
fn restore_then_dump_is_identical_and_copy_matches() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    sample_tree(&src);
    let nar = nar_of(&src);

    let restored = dir.path().join("restored");
    restore(&mut nar.as_slice(), &restored, RestoreOptions::default()).unwrap();
    assert_eq!(nar_of(&restored), nar);

    let copied = dir.path().join("copied");
    let mut nar2 = Vec::new();
    Dumper::new().dump(&src, &mut nar2, Some(&copied)).unwrap();
    assert_eq!(nar2, nar);
    assert_eq!(nar_of(&copied), nar);
    let mode = fs::metadata(copied.join("exe"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o555);
    let mode = fs::metadata(copied.join("seven"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o444);
    assert_eq!(
        fs::read_link(copied.join("link")).unwrap().to_str(),
        Some("seven")
    );
    skip(&mut nar.as_slice()).unwrap();
    let (h, size) = hash_path(&src, crate::store::HashAlgo::Sha256).unwrap();
    assert_eq!(size, nar.len() as u64);
    assert_eq!(
        h,
        crate::store::Hash::digest(crate::store::HashAlgo::Sha256, &nar)
    );
}

fn tokens(parts: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::new();
    for s in parts {
        v.extend_from_slice(&(s.len() as u64).to_le_bytes());
        v.extend_from_slice(s);
        v.resize(v.len().div_ceil(8) * 8, 0);
    }
    v
}

#[test]
fn rejects_unsorted_duplicate_and_bad_names() {
    let entry = |name: &'static [u8]| -> Vec<&'static [u8]> {
        vec![
            b"entry", b"(", b"name", name, b"node", b"(", b"type", b"symlink", b"target", b"t",
            b")", b")",
        ]
    };
    for names in [
        vec![&b"b"[..], b"a"],
        vec![&b"a"[..], b"a"],
        vec![&b".."[..]],
        vec![&b"a/b"[..]],
        vec![&b""[..]],
    ] {
        let mut parts: Vec<&[u8]> = vec![b"nix-archive-1", b"(", b"type", b"directory"];
        for n in &names {
            parts.extend(entry(n));
        }
        parts.push(b")");
        let nar = tokens(&parts);
        assert!(
            matches!(skip(&mut nar.as_slice()), Err(NarError::Malformed(_))),
            "{names:?}"
        );
    }
}

#[test]
fn rejects_bad_magic_padding_and_truncation() {
    let good = tokens(&[
        b"nix-archive-1",
        b"(",
        b"type",
        b"regular",
        b"contents",
        b"hi",
        b")",
    ]);
    skip(&mut good.as_slice()).unwrap();
    let bad_magic = tokens(&[b"nix-archive-2", b"(", b")"]);
    assert!(skip(&mut bad_magic.as_slice()).is_err());
    let mut bad_pad = good.clone();
    // The padding after "hi" sits right after its 2 bytes.
    let pos = good.len() - 16 - 6;
    bad_pad[pos] = 1;
    assert!(skip(&mut bad_pad.as_slice()).is_err());
    assert!(skip(&mut &good[..good.len() - 8]).is_err());
}
