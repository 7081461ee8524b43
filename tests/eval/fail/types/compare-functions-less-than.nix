(x: x) < (x: x)
