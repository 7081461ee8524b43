import ./_self-import.nix
