let f = 1.5; in builtins.typeOf (builtins.tryEval f).value
