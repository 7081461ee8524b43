let secret = "caller"; in import ./_lib/uses-builtins.nix
