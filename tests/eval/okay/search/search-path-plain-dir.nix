import <value.nix>
