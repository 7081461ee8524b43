import ./_lib/chain.nix
