[ builtins.true builtins.null (builtins.length [ 1 2 ]) ]
