//! `denv update [--channel C]`: fetch, verify and cache the package indexes of every
//! channel (the default one from apt's sources and those declared in `[channels]`), then
//! re-resolve the current project's packages (of that channel) and rewrite its `denv.lock`.
//!
//! Also holds the small recipe the package verbs share: which channels exist here.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use crate::config;
use crate::environment::pins::{self, Refresh};
use crate::paths::{Dirs, Overrides};
use crate::pkgs::channel::{self, Channel, ChannelSpec, DEFAULT_CHANNEL};
use crate::pkgs::{AptConfig, Fetcher, PkgsError, Progress, update};
use crate::ui;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Refresh only this channel.
    #[arg(long)]
    channel: Option<String>,
}

/// Shows warnings from the package layer once each.
pub(super) struct Warnings {
    seen: std::sync::Mutex<Vec<String>>,
}

impl Warnings {
    pub(super) fn new() -> Warnings {
        Warnings {
            seen: std::sync::Mutex::new(Vec::new()),
        }
    }
}

impl Progress for Warnings {
    fn warning(&self, message: &str) {
        if let Ok(mut seen) = self.seen.lock() {
            if !seen.iter().any(|m| m == message) {
                seen.push(message.to_owned());
                ui::warning(message);
            }
        }
    }
}

/// Everything the package verbs need to know about this machine and project.
pub(super) struct Context {
    pub dirs: Dirs,
    pub apt: AptConfig,
    pub specs: BTreeMap<String, ChannelSpec>,
    pub fetcher: Fetcher,
    pub progress: Warnings,
}

impl Context {
    pub(super) fn load() -> Result<Context, PkgsError> {
        let dirs = Dirs::resolve(Overrides::from_env());
        let apt = AptConfig::load(std::path::Path::new("/"))?;
        let progress = Warnings::new();
        for skipped in &apt.skipped {
            progress.warning(&format!("ignoring apt source: {skipped}"));
        }
        let project = project_file();
        let specs = channel::declared_channels(&dirs.config_file(), project.as_deref())?;
        Ok(Context {
            dirs,
            apt,
            specs,
            fetcher: Fetcher::new(),
            progress,
        })
    }

    /// The named channel, or every channel when `name` is `None`.
    pub(super) fn channels(&self, name: Option<&str>) -> Result<Vec<Channel>, PkgsError> {
        let names: Vec<String> = match name {
            Some(name) => vec![name.to_owned()],
            None => std::iter::once(DEFAULT_CHANNEL.to_owned())
                .chain(self.specs.keys().filter(|k| *k != DEFAULT_CHANNEL).cloned())
                .collect(),
        };
        names
            .iter()
            .map(|n| Channel::named(n, &self.specs, &self.apt).map_err(PkgsError::from))
            .collect()
    }

    /// A channel's index from the cache, fetched first when it was never fetched.
    pub(super) fn index(&self, channel: &Channel) -> Result<crate::pkgs::Index, PkgsError> {
        update::load_or_update(&self.dirs.cache, channel, &self.fetcher, &self.progress)
    }
}

/// The nearest `denv.toml` from the current directory upward.
fn project_file() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let candidate = dir.join("denv.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// Maps a package-layer error to an exit code after showing it.
pub(super) fn fail(err: &PkgsError) -> u8 {
    ui::error(err);
    match err {
        PkgsError::Channel(_) | PkgsError::AptConfig(_) => super::EXIT_USAGE,
        _ => super::EXIT_FAILURE,
    }
}

pub fn run(args: Args) -> u8 {
    let Args { channel } = args;
    let result = (|| {
        let context = Context::load()?;
        for channel in context.channels(channel.as_deref())? {
            let index = update::update(
                &context.dirs.cache,
                &channel,
                &context.fetcher,
                &context.progress,
            )?;
            let suites: Vec<&str> = index.sources().iter().map(|s| s.suite.as_str()).collect();
            let _ = writeln!(
                std::io::stdout().lock(),
                "channel {}: {} packages from {}",
                channel.name,
                index.len(),
                suites.join(", ")
            );
        }
        Ok(())
    })();
    if let Err(err) = result {
        return fail(&err);
    }
    relock_project(channel)
}

/// Re-resolves the current project's packages (those of `channel` only, when given) against
/// the indexes just fetched and rewrites its `denv.lock`.
fn relock_project(channel: Option<String>) -> u8 {
    let Some(root) = std::env::current_dir()
        .ok()
        .and_then(|cwd| config::find_root(&cwd))
    else {
        return 0;
    };
    let refresh = match channel {
        Some(name) => Refresh::Channel(name),
        None => Refresh::All,
    };
    match pins::relock(&root, &refresh) {
        Ok(changed) => {
            let _ = writeln!(
                std::io::stdout().lock(),
                "{}: {}",
                root.join(config::LOCK_FILE).display(),
                if changed { "updated" } else { "unchanged" }
            );
            0
        }
        Err(err) => {
            ui::error(&err);
            super::EXIT_USAGE
        }
    }
}
