with builtins; [ (any (x: x > 2) [ 1 2 3 ]) (any (x: x > 5) [ 1 2 3 ]) (all (x: x > 0) [ 1 2 ]) (all (x: x > 1) [ 1 2 ]) (any (x: true) [ ]) (all (x: false) [ ]) ]
