with builtins; [ (filter (x: x > 2) [ 1 2 3 4 ]) (filter (x: false) [ 1 ]) (filter isString [ 1 "a" null "b" ]) ]
