builtins.tryEval (builtins.seq (builtins.length [ 1 ]) "no caller scope visible")
