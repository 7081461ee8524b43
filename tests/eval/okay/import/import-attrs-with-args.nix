import ./_lib/module.nix { name = "mod"; }
