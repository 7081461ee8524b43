with builtins; [ (add 2 3) (sub 2 3) (mul 4 5) (div 17 5) (div (-17) 5) (add 1.5 2) (mul 2 0.25) (div 1 4.0) (sub 1.0 1) ]
