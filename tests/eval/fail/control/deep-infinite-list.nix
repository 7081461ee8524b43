let l = n: [ n ] ++ l (n + 1); in l 0
