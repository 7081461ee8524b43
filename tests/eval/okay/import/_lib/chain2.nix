import ./dir/../value.nix
