builtins.sort (a: b: a < b) [ 5 3 9 1 1 0 (-2) 7 ]
