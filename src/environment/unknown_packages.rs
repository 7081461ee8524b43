//! Naming a package that no channel has, at its line in `denv.toml`, with the nearest names
//! the channel does have — instead of the evaluator's "attribute missing" deep inside the
//! lowered expression.
//!
//! Runs only after an evaluation failed, so a project that builds never pays for the extra
//! look-ups.

use std::path::Path;

use super::denv::{Kind, Packages};
use super::profile::EnvironmentError;
use crate::config::{self, PackageSpec};
use crate::pkgs::channel::DEFAULT_CHANNEL;

/// How many near names a hint lists.
const MAX_SUGGESTIONS: usize = 3;

/// Fails with a located error for the first of `packages` (declared in the project file
/// `file`) that its channel does not have; `Ok` when every name exists (or the channels
/// cannot be read: then the original failure is the better message).
pub fn check(file: &Path, packages: &[PackageSpec]) -> Result<(), EnvironmentError> {
    let root = file.parent().unwrap_or(Path::new("."));
    let mut channels = Packages::new(root);
    for spec in packages {
        let channel = spec.channel.as_deref().unwrap_or(DEFAULT_CHANNEL);
        let name = spec.name.as_str();
        match channels.has_package(Kind::Declared, channel, name) {
            Ok(true) | Err(_) => continue,
            Ok(false) => {}
        }
        let names = channels
            .package_names(Kind::Declared, channel)
            .unwrap_or_default();
        let near = nearest(name, &names);
        let hint = (!near.is_empty()).then(|| {
            let quoted: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
            format!("did you mean {}?", quoted.join(", "))
        });
        let message = format!("unknown package `{name}` in channel `{channel}`");
        let diagnostic = config::at_package_key(file, name, message.clone(), hint.clone())
            .unwrap_or_else(|| config::Diagnostic::new(file, "", 0..0, message, hint));
        return Err(EnvironmentError::UnknownPackage(Box::new(diagnostic)));
    }
    Ok(())
}

/// The names closest to `name` by edit distance (at most a third of its length, at least
/// 2), nearest first, then alphabetically.
fn nearest<'a>(name: &str, names: &'a [String]) -> Vec<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    let mut close: Vec<(usize, &str)> = names
        .iter()
        .filter(|n| n.len().abs_diff(name.len()) <= limit)
        .map(|n| (config::edit_distance(name, n), n.as_str()))
        .filter(|(d, _)| *d <= limit)
        .collect();
    close.sort();
    close
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, n)| n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_names_come_first() {
        let names: Vec<String> = ["jq", "jqp", "hello", "jo", "coq", "ripgrep"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(nearest("jqq", &names), vec!["jq", "jqp", "coq"]);
        assert_eq!(nearest("ripgrp", &names), vec!["ripgrep"]);
        assert!(nearest("zzzzzzzz", &names).is_empty());
    }
}
