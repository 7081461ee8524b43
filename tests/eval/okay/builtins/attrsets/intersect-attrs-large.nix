let big = builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 100); in builtins.attrNames (builtins.intersectAttrs { k5 = null; k50 = null; nope = null; } big)
