builtins.scopedImport { toString = x: "overridden"; } ./_lib/calls-tostring.nix
