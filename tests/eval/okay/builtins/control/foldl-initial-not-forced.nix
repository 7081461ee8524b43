builtins.foldl' (a: b: b) (throw "initial") [ 1 ]
