with builtins; [ (map (x: x * x) [ 1 2 3 ]) (map toString [ ]) (map (s: s.a) [ { a = 1; } { a = 2; } ]) ]
