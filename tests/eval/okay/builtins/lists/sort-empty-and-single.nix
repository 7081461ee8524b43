with builtins; [ (sort lessThan [ ]) (sort lessThan [ 1 ]) ]
