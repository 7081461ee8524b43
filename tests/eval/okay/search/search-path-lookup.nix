import <mylib/value.nix>
