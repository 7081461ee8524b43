builtins.head [ 1 (throw "lazy") ]
