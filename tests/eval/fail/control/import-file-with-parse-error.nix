import ./_parse-error.nix
