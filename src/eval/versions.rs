//! Nix's version strings: splitting into components, ordering them
//! (`builtins.compareVersions`, `builtins.splitVersion`) and splitting a derivation
//! name into name and version (`builtins.parseDrvName`).
//!
//! A version is a sequence of components separated by `.` and `-`; a component is a
//! run of digits or a run of other characters (`1.2pre3` is `1`, `2`, `pre`, `3`).
//! Components compare as Nix does: two numbers (that fit a 32-bit `int`) numerically,
//! `pre` before anything else, a missing component before a number, a word before a
//! number (`2.3a` < `2.3.1`), and two words bytewise. Only ASCII digits and letters
//! count, as in the C locale Nix runs these in.

use std::cmp::Ordering;

/// Splits off the next component from `rest`, skipping leading separators; the empty
/// slice means there is none.
fn next_component<'a>(rest: &mut &'a [u8]) -> &'a [u8] {
    let start = rest
        .iter()
        .position(|&b| b != b'.' && b != b'-')
        .unwrap_or(rest.len());
    let tail = &rest[start..];
    let len = match tail.first() {
        None => 0,
        Some(first) if first.is_ascii_digit() => {
            tail.iter().take_while(|b| b.is_ascii_digit()).count()
        }
        Some(_) => tail
            .iter()
            .take_while(|&&b| !b.is_ascii_digit() && b != b'.' && b != b'-')
            .count(),
    };
    let (component, after) = tail.split_at(len);
    *rest = after;
    component
}

/// The value of an all-digit component, if it fits the `int` Nix parses it into.
fn as_number(component: &[u8]) -> Option<i32> {
    if component.is_empty() || !component.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(component).ok()?.parse().ok()
}

fn component_less(c1: &[u8], c2: &[u8]) -> bool {
    let n1 = as_number(c1);
    let n2 = as_number(c2);
    match (n1, n2) {
        (Some(a), Some(b)) => a < b,
        _ if c1.is_empty() && n2.is_some() => true,
        _ if c1 == b"pre" && c2 != b"pre" => true,
        _ if c2 == b"pre" => false,
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

/// Orders two version strings the way `builtins.compareVersions` does.
pub fn compare_versions(v1: &[u8], v2: &[u8]) -> Ordering {
    let (mut p1, mut p2) = (v1, v2);
    while !p1.is_empty() || !p2.is_empty() {
        let c1 = next_component(&mut p1);
        let c2 = next_component(&mut p2);
        if component_less(c1, c2) {
            return Ordering::Less;
        }
        if component_less(c2, c1) {
            return Ordering::Greater;
        }
    }
    Ordering::Equal
}

/// The components of a version string (`builtins.splitVersion`).
pub fn split_version(version: &[u8]) -> Vec<&[u8]> {
    let mut rest = version;
    let mut components = Vec::new();
    while !rest.is_empty() {
        let component = next_component(&mut rest);
        if component.is_empty() {
            break;
        }
        components.push(component);
    }
    components
}

/// A derivation name split at the first `-` that is not followed by a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrvName<'a> {
    pub name: &'a [u8],
    pub version: &'a [u8],
}

/// Splits `hello-2.1` into `hello` and `2.1` (`builtins.parseDrvName`); a name without
/// such a dash has the empty version.
pub fn parse_drv_name(full: &[u8]) -> DrvName<'_> {
    let split = full
        .windows(2)
        .position(|pair| pair[0] == b'-' && !pair[1].is_ascii_alphabetic());
    match split {
        Some(i) => DrvName {
            name: &full[..i],
            version: &full[i + 1..],
        },
        None => DrvName {
            name: full,
            version: b"",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expectations below are what `nix-instantiate --eval` printed for the same calls.

    #[test]
    fn compares_like_nix() {
        let cases: &[(&str, &str, i32)] = &[
            ("1.0", "1.0pre", 1),
            ("1.0pre", "1.0", -1),
            ("99999999999999999999", "1", -1),
            ("99999999999999999999", "99999999999999999998", 1),
            ("2147483648", "9", -1),
            ("2147483647", "9", 1),
            ("1.a", "1.1", -1),
            ("1", "1.0", -1),
            ("1.0", "1.0.a", -1),
            ("", "pre", 1),
            ("1.2.3", "1.2.3", 0),
            ("1.2-3", "1.2.3", 0),
            ("2.3a", "2.3.1", -1),
            ("1.10", "1.9", 1),
            ("a", "b", -1),
            ("1.0rc1", "1.0", 1),
            ("007", "7", 0),
        ];
        for &(a, b, expected) in cases {
            let got = match compare_versions(a.as_bytes(), b.as_bytes()) {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            };
            assert_eq!(got, expected, "compareVersions {a:?} {b:?}");
        }
    }

    #[test]
    fn splits_like_nix() {
        let got: Vec<&[u8]> = split_version(b"1.2-pre3..a-b_c");
        let expected: Vec<&[u8]> = vec![b"1", b"2", b"pre", b"3", b"a", b"b_c"];
        assert_eq!(got, expected);
        assert!(split_version(b"").is_empty());
        assert!(split_version(b"..--").is_empty());
    }

    #[test]
    fn parses_drv_names_like_nix() {
        let cases: &[(&str, &str, &str)] = &[
            ("hello-2.1-pre", "hello", "2.1-pre"),
            ("foo-bar-baz", "foo-bar-baz", ""),
            ("foo-", "foo-", ""),
            ("a-é", "a", "é"),
            ("nix-0.12pre12876", "nix", "0.12pre12876"),
            ("python3.11-foo-1.0", "python3.11-foo", "1.0"),
        ];
        for &(full, name, version) in cases {
            let parsed = parse_drv_name(full.as_bytes());
            assert_eq!(parsed.name, name.as_bytes(), "{full}");
            assert_eq!(parsed.version, version.as_bytes(), "{full}");
        }
    }
}
