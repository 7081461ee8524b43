import <base/mylib/value.nix>
