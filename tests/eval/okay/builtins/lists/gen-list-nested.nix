builtins.genList (i: builtins.genList (j: i * j) 3) 3
