let a = true; b = false; in assert a -> b; 1
