builtins.foldl' builtins.add 9223372036854775000 (builtins.genList (i: 100) 10)
