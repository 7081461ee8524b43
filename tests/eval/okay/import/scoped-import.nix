builtins.scopedImport { extra = 40; } ./_lib/uses-extra.nix
