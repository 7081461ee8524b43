//! `denv search WORD [--channel C] [--json]`: find packages by name and description.

use std::io::Write;

use crate::pkgs::DEFAULT_CHANNEL;
use crate::pkgs::search::{self, Rank};

use super::update::{Context, fail};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A word to look for in package names and descriptions.
    word: String,
    /// The channel to search (default: the machine's own Debian sources).
    #[arg(long)]
    channel: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Show at most this many results (0: all).
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

#[derive(serde::Serialize)]
struct Row<'a> {
    name: &'a str,
    version: &'a str,
    summary: &'a str,
    channel: &'a str,
    #[serde(rename = "match")]
    rank: Rank,
}

pub fn run(args: Args) -> u8 {
    let Args {
        word,
        channel,
        json,
        limit,
    } = args;
    let result = (|| {
        let context = Context::load()?;
        let name = channel.as_deref().unwrap_or(DEFAULT_CHANNEL);
        let channel = context.channels(Some(name))?.remove(0);
        let index = context.index(&channel)?;
        let hits = search::search(&index, &word, limit);
        let rows: Vec<Row<'_>> = hits
            .iter()
            .map(|h| Row {
                name: h.package.name(),
                version: h.package.version(),
                summary: h.package.summary(),
                channel: &channel.name,
                rank: h.rank,
            })
            .collect();
        let mut out = std::io::stdout().lock();
        if json {
            let text = serde_json::to_string_pretty(&rows).unwrap_or_default();
            let _ = writeln!(out, "{text}");
        } else {
            let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
            let vwidth = rows.iter().map(|r| r.version.len()).max().unwrap_or(0);
            for r in &rows {
                let _ = writeln!(
                    out,
                    "{:width$}  {:vwidth$}  {}",
                    r.name, r.version, r.summary
                );
            }
        }
        if rows.is_empty() && !json {
            crate::ui::warning(&format!(
                "no package in channel `{}` matches `{word}`",
                channel.name
            ));
        }
        Ok(rows.len())
    })();
    match result {
        Ok(0) => super::EXIT_FAILURE,
        Ok(_) => 0,
        Err(err) => fail(&err),
    }
}
