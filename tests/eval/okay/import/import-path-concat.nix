import (./_lib + "/value.nix")
