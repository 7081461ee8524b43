let unused = import ./_lib/does-not-exist.nix; in "fine"
