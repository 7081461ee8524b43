builtins.concatStringsSep "" (builtins.genList (_: "ab") 4)
