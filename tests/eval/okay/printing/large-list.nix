builtins.genList (i: i * i) 100
