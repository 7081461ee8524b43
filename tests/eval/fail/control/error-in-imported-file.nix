import ./_throws.nix
