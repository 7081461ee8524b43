//! Debian version numbers and their ordering, as `dpkg --compare-versions` defines it.
//!
//! A version is `[epoch:]upstream[-revision]`. Epochs compare numerically; upstream and
//! revision compare by alternating non-digit and digit runs, where in a non-digit run `~`
//! sorts before everything (even the end of the string), letters before non-letters, and
//! digit runs compare as numbers. A missing revision is `0`-like (empty).

use std::cmp::Ordering;
use std::fmt;

/// A parsed Debian version. Ordering is dpkg's; equality is dpkg equality (so `1.0` and
/// `0:1.0` are equal).
#[derive(Debug, Clone)]
pub struct Version {
    text: String,
    epoch: u64,
    upstream: std::ops::Range<usize>,
    revision: std::ops::Range<usize>,
}

/// A version string that is not a Debian version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Debian version")]
pub struct BadVersion(pub String);

impl Version {
    /// Parses `[epoch:]upstream[-revision]`.
    pub fn parse(text: &str) -> Result<Version, BadVersion> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(BadVersion(text.to_owned()));
        }
        let (epoch, rest_start) = match trimmed.find(':') {
            Some(colon) => {
                let epoch = trimmed[..colon]
                    .parse::<u64>()
                    .map_err(|_| BadVersion(text.to_owned()))?;
                (epoch, colon + 1)
            }
            None => (0, 0),
        };
        let rest = &trimmed[rest_start..];
        let (upstream, revision) = match rest.rfind('-') {
            Some(dash) => (
                rest_start..rest_start + dash,
                rest_start + dash + 1..trimmed.len(),
            ),
            None => (rest_start..trimmed.len(), trimmed.len()..trimmed.len()),
        };
        if upstream.is_empty() {
            return Err(BadVersion(text.to_owned()));
        }
        Ok(Version {
            text: trimmed.to_owned(),
            epoch,
            upstream,
            revision,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn upstream(&self) -> &str {
        &self.text[self.upstream.clone()]
    }

    fn revision(&self) -> &str {
        &self.text[self.revision.clone()]
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| compare_part(self.upstream(), other.upstream()))
            .then_with(|| compare_part(self.revision(), other.revision()))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

/// dpkg's weight of one character in a non-digit run (`~` lowest, end of run next,
/// letters, then everything else).
fn order(c: Option<u8>) -> i32 {
    match c {
        Some(b'~') => -1,
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

fn compare_part(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // Non-digit run.
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let bc = order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            if i < a.len() && !a[i].is_ascii_digit() {
                i += 1;
            }
            if j < b.len() && !b[j].is_ascii_digit() {
                j += 1;
            }
        }
        // Digit run, compared as a number without overflow.
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let si = i;
        let sj = j;
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (da, db) = (&a[si..i], &b[sj..j]);
        let by_len = da.len().cmp(&db.len());
        if by_len != Ordering::Equal {
            return by_len;
        }
        let by_digits = da.cmp(db);
        if by_digits != Ordering::Equal {
            return by_digits;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        Version::parse(a).unwrap().cmp(&Version::parse(b).unwrap())
    }

    #[test]
    fn tilde_sorts_before_everything_even_the_end() {
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0~~", "1.0~"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0+b1"), Ordering::Less);
        assert_eq!(cmp("1.0a", "1.0+"), Ordering::Less);
    }

    #[test]
    fn epoch_and_revision_decide_in_order() {
        assert_eq!(cmp("1:0.1", "9.9"), Ordering::Greater);
        assert_eq!(cmp("1.0-2", "1.0-10"), Ordering::Less);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.01", "1.1"), Ordering::Equal);
        assert_eq!(cmp("2.36-9+deb12u10", "2.36-9+deb12u9"), Ordering::Greater);
    }

    #[test]
    fn empty_or_bad_epoch_is_rejected() {
        assert!(Version::parse("").is_err());
        assert!(Version::parse("x:1").is_err());
        assert!(Version::parse(":1").is_err());
    }
}
