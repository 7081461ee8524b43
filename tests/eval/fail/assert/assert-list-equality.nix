let x = [ 1 ]; in assert x == [ 1 2 ]; 1
