builtins.typeOf (builtins.findFile [ { prefix = "x"; path = toString ./_sp1; } ] "x/value.nix")
