let a = b + 1; b = 2; c = a * b; in c
