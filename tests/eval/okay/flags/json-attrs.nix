{ b = 1; a = [ true false null ]; c = { d = "s"; }; }
