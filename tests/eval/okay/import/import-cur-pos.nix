(import ./_lib/pos.nix).line
