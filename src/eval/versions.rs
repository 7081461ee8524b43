//! Nix's version-string rules (`splitVersion`, `compareVersions`, `parseDrvName`).
