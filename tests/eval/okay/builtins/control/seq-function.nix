builtins.seq (x: x) "functions are values"
