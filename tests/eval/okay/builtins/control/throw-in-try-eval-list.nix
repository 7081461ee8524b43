map (x: (builtins.tryEval x).success) [ 1 (throw "a") "ok" (assert 1 == 2; 0) ]
