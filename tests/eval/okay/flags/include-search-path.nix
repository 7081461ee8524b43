import <inc/x.nix>
