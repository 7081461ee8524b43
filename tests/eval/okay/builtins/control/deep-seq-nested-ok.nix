builtins.deepSeq { a = [ { b = 1; } ]; c = "x"; } "all forced"
