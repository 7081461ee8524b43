let a = b; b = a; c = 3; in c
