with builtins; [ (length [ 1 2 3 ]) (head [ 4 ]) (toString 5) ]
