//! `denv gc`: delete store paths that no root reaches.

use std::path::PathBuf;

use crate::store::GcOptions;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store directory (default: `DENV_STORE`, `NIX_STORE_DIR`, or the data dir's).
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// Only print what would be deleted.
    #[arg(long)]
    dry_run: bool,
    /// Stop after freeing this much (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max: Option<u64>,
}

pub fn run(args: Args) -> u8 {
    let Args {
        store,
        dry_run,
        max,
    } = args;
    let options = GcOptions {
        dry_run,
        max_freed: max,
    };
    super::store::finish(super::store::ops_gc(store.as_deref(), options))
}

/// `10`, `10K`, `10M`, `10G` (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size"))?;
    let shift = match unit {
        "" => 0,
        "K" | "k" => 10,
        "M" | "m" => 20,
        "G" | "g" => 30,
        _ => return Err(format!("'{text}': unknown size unit '{unit}'")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("'{text}' is too large"))
}
