builtins.attrNames (builtins.removeAttrs (builtins.listToAttrs (builtins.genList (i: { name = "a${toString i}"; value = i; }) 10)) [ "a1" "a3" "a5" "a7" "a9" "zz" ])
