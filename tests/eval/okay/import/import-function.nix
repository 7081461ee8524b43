(import ./_lib/add.nix) 2 3
