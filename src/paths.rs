//! Where denv keeps things: the XDG directories, the store directory, and the names of
//! the environment variables that move them.
//!
//! Every location is computed from an explicit [`Overrides`] snapshot of the environment,
//! so nothing here reads global state behind the caller's back and tests can pass their
//! own values.

use std::ffi::OsString;
use std::path::PathBuf;

/// The environment variables that relocate denv's directories, in one table.
pub mod vars {
    /// The store directory (first choice).
    pub const STORE: &str = "DENV_STORE";
    /// The store directory as Nix names it (second choice), so Nix's test conventions work.
    pub const NIX_STORE_DIR: &str = "NIX_STORE_DIR";
    /// denv's data directory (default store, trust, named environments, GC roots).
    pub const DATA_DIR: &str = "DENV_DATA_DIR";
    /// denv's cache directory (archive indexes).
    pub const CACHE_DIR: &str = "DENV_CACHE_DIR";
    /// denv's configuration directory (`config.toml`).
    pub const CONFIG_DIR: &str = "DENV_CONFIG_DIR";
}

/// A snapshot of the variables in [`vars`], taken once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub store: Option<OsString>,
    pub nix_store_dir: Option<OsString>,
    pub data_dir: Option<OsString>,
    pub cache_dir: Option<OsString>,
    pub config_dir: Option<OsString>,
}

impl Overrides {
    /// Reads the process environment; empty values count as unset.
    pub fn from_env() -> Self {
        let get = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Overrides {
            store: get(vars::STORE),
            nix_store_dir: get(vars::NIX_STORE_DIR),
            data_dir: get(vars::DATA_DIR),
            cache_dir: get(vars::CACHE_DIR),
            config_dir: get(vars::CONFIG_DIR),
        }
    }
}

/// denv's directories, resolved.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub data: PathBuf,
    pub cache: PathBuf,
    pub config: PathBuf,
    overrides: Overrides,
}

impl Dirs {
    /// Resolves the directories from the overrides, falling back to the XDG defaults.
    pub fn resolve(overrides: Overrides) -> Self {
        let project = directories::ProjectDirs::from("", "", "denv");
        let fallback = |pick: fn(&directories::ProjectDirs) -> PathBuf, last: &str| {
            project
                .as_ref()
                .map(pick)
                .unwrap_or_else(|| std::env::temp_dir().join("denv").join(last))
        };
        let data = overrides
            .data_dir
            .clone()
            .map(PathBuf::from)
            .unwrap_or_else(|| fallback(|p| p.data_dir().to_path_buf(), "data"));
        let cache = overrides
            .cache_dir
            .clone()
            .map(PathBuf::from)
            .unwrap_or_else(|| fallback(|p| p.cache_dir().to_path_buf(), "cache"));
        let config = overrides
            .config_dir
            .clone()
            .map(PathBuf::from)
            .unwrap_or_else(|| fallback(|p| p.config_dir().to_path_buf(), "config"));
        Dirs {
            data,
            cache,
            config,
            overrides,
        }
    }

    /// The store directory: `DENV_STORE`, else `NIX_STORE_DIR`, else `<data>/store`.
    pub fn store_dir(&self) -> PathBuf {
        self.overrides
            .store
            .clone()
            .or_else(|| self.overrides.nix_store_dir.clone())
            .map(PathBuf::from)
            .unwrap_or_else(|| self.data.join("store"))
    }

    /// Named environments and their generations.
    pub fn envs_dir(&self) -> PathBuf {
        self.data.join("envs")
    }

    /// The trust database of allowed projects.
    pub fn trust_dir(&self) -> PathBuf {
        self.data.join("trust")
    }

    /// The user's configuration file.
    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_dir_prefers_denv_store_then_nix_store_dir_then_data() {
        let mut o = Overrides {
            data_dir: Some("/d".into()),
            ..Default::default()
        };
        assert_eq!(
            Dirs::resolve(o.clone()).store_dir(),
            PathBuf::from("/d/store")
        );
        o.nix_store_dir = Some("/nix/store".into());
        assert_eq!(
            Dirs::resolve(o.clone()).store_dir(),
            PathBuf::from("/nix/store")
        );
        o.store = Some("/s".into());
        assert_eq!(Dirs::resolve(o).store_dir(), PathBuf::from("/s"));
    }
}
