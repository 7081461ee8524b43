let k = "a"; s = { a.b = 1; }; in [ (s ? ${k}) (s ? "${k}") (s ? ${k}.b) (s ? "${k}x") ]
