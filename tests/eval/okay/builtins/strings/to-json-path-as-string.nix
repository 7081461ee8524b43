builtins.toJSON { s = "x"; n = 0.1; big = 1.0e20; }
