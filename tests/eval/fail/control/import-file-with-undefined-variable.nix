(import ./_undefined.nix).value
