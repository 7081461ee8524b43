import ./_lib/returns-path.nix
