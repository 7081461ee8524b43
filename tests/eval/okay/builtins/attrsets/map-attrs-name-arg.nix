builtins.mapAttrs (n: v: n + v) { x = "1"; y = "2"; }
