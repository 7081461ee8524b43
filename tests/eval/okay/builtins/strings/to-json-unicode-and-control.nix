builtins.toJSON [ "é" "\t" "\r" "/" "<" "\\" ]
