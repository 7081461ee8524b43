let x = 1; y = 1; in assert x != y; 1
