builtins.toXML [ 0.1 (1.0 / 3) 1.0e20 ]
