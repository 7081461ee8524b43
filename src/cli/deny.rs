//! `denv deny [PATH]`: stop trusting a project; open shells unload it at their next prompt.

use std::path::PathBuf;

use crate::paths::{Dirs, Overrides};
use crate::shell::trust::TrustStore;
use crate::ui;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project directory or its denv.toml (default: the nearest one above the current
    /// directory).
    path: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let Args { path } = args;
    let trust = TrustStore::new(Dirs::resolve(Overrides::from_env()).trust_dir());
    let result = super::allow::locate(path.as_deref()).and_then(|root| {
        let message = if trust.deny(&root)? {
            format!("denied {}", root.display())
        } else {
            format!("{} was not allowed", root.display())
        };
        ui::note(&message);
        Ok(())
    });
    match result {
        Ok(()) => 0,
        Err(err) => {
            ui::error(&err);
            super::EXIT_FAILURE
        }
    }
}
