builtins.toJSON { a = 1; b = [ true null 1.5 "s\n\"q\"" ]; c = { }; d = [ ]; "e f" = -3; }
