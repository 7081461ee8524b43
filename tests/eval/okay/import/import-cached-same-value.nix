let a = import ./_lib/value.nix; b = import ./_lib/value.nix; in a == b
