import <shadow.nix>
