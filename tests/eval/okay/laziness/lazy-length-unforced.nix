builtins.length [ (throw "1") (throw "2") (throw "3") ]
