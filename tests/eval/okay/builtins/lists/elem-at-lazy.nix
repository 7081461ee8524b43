builtins.elemAt [ (throw "a") "b" (throw "c") ] 1
