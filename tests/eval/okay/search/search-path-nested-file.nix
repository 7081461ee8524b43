import <mylib/nested.nix>
