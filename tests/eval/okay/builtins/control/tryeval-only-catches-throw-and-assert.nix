[ (builtins.tryEval (throw "t")).success (builtins.tryEval (assert false; 1)).success (builtins.tryEval 1).value ]
