builtins.length (builtins.map (x: throw "no") [ 1 2 3 ])
