//! Lowering a project's packages to a Nix expression over `<denv>`.
//!
//! ```text
//! [packages] jq = "*", nodejs = { channel = "trixie" }   [channels] trixie = { suite = "trixie" }
//!   ─► let denv = import <denv> { channels = { "trixie" = "trixie"; }; }; in
//!      derivation { builder = "builtin:profile"; paths = [ jq trixie.nodejs ];
//!                   versions = [ jq.version trixie.nodejs.version ]; … }
//! ```
//! A package pinned by `denv.lock` is lowered to `denv.lib.mkPackage { …its closure… }`
//! instead, so its evaluation reads no index and runs no resolver.
//! The expression is the only thing the environment hands to the evaluator, so what a
//! profile contains is decided by Nix code a user could write by hand.

use std::path::Path;

use crate::config::{Channel, PackageSpec, Relation, VersionReq};
use crate::pkgs::version::Version;

/// The profile derivation's attribute listing the packages' resolved versions, in
/// declaration order (space-separated in its environment).
pub const VERSIONS_ATTR: &str = "versions";

/// A project's `denv.nix`, called with the project's root.
#[derive(Debug, Clone, Copy)]
pub struct NixFile<'a> {
    pub file: &'a Path,
    pub root: &'a Path,
}

/// How a package enters the profile.
#[derive(Debug, Clone)]
pub enum Selected<'a> {
    /// Looked up (and resolved) in its channel while evaluating: `denv.pkgs.NAME`.
    FromChannel(&'a PackageSpec),
    /// A pinned closure, already written as a Nix expression over `denv`.
    Pinned(String),
}

/// The Nix expression of the profile derivation for `packages` from `channels`, plus the
/// packages and activation data of `denv.nix` when there is one.
pub fn profile_expression(
    packages: &[Selected<'_>],
    channels: &[Channel],
    nix: Option<NixFile<'_>>,
) -> String {
    let channel_args: String = channels
        .iter()
        .map(|c| format!(" {} = {};", nix_string(&c.name), nix_string(&c.suite)))
        .collect();
    let selected: Vec<String> = packages
        .iter()
        .map(|p| match p {
            Selected::FromChannel(p) => match &p.channel {
                Some(channel) => format!(
                    "denv.pkgs.{}.{}",
                    nix_string(channel),
                    nix_string(p.name.as_str())
                ),
                None => format!("denv.pkgs.{}", nix_string(p.name.as_str())),
            },
            Selected::Pinned(expr) => format!("({})", expr.trim_end()),
        })
        .collect();
    let versions: Vec<String> = selected.iter().map(|s| format!("({s}).version")).collect();
    let (project, nix_paths, activation) = match nix {
        Some(nix) => (
            format!(
                "  project = {};\n",
                super::nixfile::call_expression(nix.file, nix.root)
            ),
            " ++ project.packages",
            format!(
                "  {} = project.activation;\n",
                super::nixfile::ACTIVATION_ATTR
            ),
        ),
        None => (String::new(), "", String::new()),
    };
    format!(
        "let\n  denv = import <denv> {{ channels = {{{channel_args} }}; }};\n{project}in\n\
         derivation {{\n  \
         name = \"denv-profile\";\n  \
         system = \"builtin\";\n  \
         builder = \"builtin:profile\";\n  \
         paths = [ {} ]{nix_paths};\n  \
         {VERSIONS_ATTR} = [ {} ];\n\
         {activation}}}\n",
        selected.join(" "),
        versions.join(" ")
    )
}

/// Whether `version` (as the archive gives it) satisfies what `denv.toml` asked for.
pub fn satisfies(req: &VersionReq, version: &str) -> bool {
    match req {
        VersionReq::Any => true,
        VersionReq::Prefix(prefix) => {
            let prefix = prefix.as_str();
            let without_epoch = version.split_once(':').map_or(version, |(_, rest)| rest);
            version.starts_with(prefix) || without_epoch.starts_with(prefix)
        }
        VersionReq::Relations(relations) => {
            let Ok(actual) = Version::parse(version) else {
                return false;
            };
            relations.iter().all(|(relation, wanted)| {
                let Ok(wanted) = Version::parse(wanted.as_str()) else {
                    return false;
                };
                let order = actual.cmp(&wanted);
                match relation {
                    Relation::Less => order.is_lt(),
                    Relation::LessEq => order.is_le(),
                    Relation::Eq => order.is_eq(),
                    Relation::GreaterEq => order.is_ge(),
                    Relation::Greater => order.is_gt(),
                }
            })
        }
    }
}

/// `text` as a Nix string literal.
pub fn nix_string(text: &str) -> String {
    crate::eval::print::escape_string(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{PackageName, VersionReq};

    fn spec(name: &str, channel: Option<&str>) -> PackageSpec {
        PackageSpec {
            name: PackageName::new(name).expect("valid name"),
            version: VersionReq::Any,
            channel: channel.map(str::to_owned),
        }
    }

    #[test]
    fn packages_are_selected_from_their_channels_in_order() {
        let channels = vec![Channel {
            name: "trixie".into(),
            suite: "trixie".into(),
            components: vec!["main".into()],
            uri: None,
        }];
        let (jq, go) = (spec("jq", None), spec("golang-go", Some("trixie")));
        let expr = profile_expression(
            &[
                Selected::FromChannel(&jq),
                Selected::FromChannel(&go),
                Selected::Pinned("denv.lib.mkPackage { }\n".into()),
            ],
            &channels,
            None,
        );
        assert!(
            expr.contains(r#"channels = { "trixie" = "trixie"; }"#),
            "{expr}"
        );
        assert!(
            expr.contains(
                r#"paths = [ denv.pkgs."jq" denv.pkgs."trixie"."golang-go" (denv.lib.mkPackage { }) ];"#
            ),
            "{expr}"
        );
        assert!(
            expr.contains(r#"versions = [ (denv.pkgs."jq").version"#),
            "{expr}"
        );
    }

    #[test]
    fn version_requirements_follow_debian_ordering() {
        let req = |t: &str| VersionReq::parse(t).expect("valid requirement");
        assert!(satisfies(&req("*"), "1.6-2.1"));
        assert!(satisfies(&req("1.19"), "2:1.19~1"));
        assert!(satisfies(&req("2:1.19"), "2:1.19~1"));
        assert!(!satisfies(&req("1.20"), "2:1.19~1"));
        assert!(satisfies(&req(">= 1.6, << 2"), "1.6-2.1+deb12u1"));
        assert!(!satisfies(&req(">= 1.7"), "1.6-2.1"));
        assert!(satisfies(&req("= 1.6-2.1"), "1.6-2.1"));
    }

    #[test]
    fn nix_strings_escape_quotes_backslashes_and_interpolation() {
        assert_eq!(nix_string(r#"a"b\c${d}$e"#), r#""a\"b\\c\${d}$e""#);
    }
}
