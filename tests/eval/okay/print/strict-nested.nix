{ a = [ 1 { b = [ ]; c = { }; } ]; d = null; e = true; f = false; g = "s"; h = 1.5; }
