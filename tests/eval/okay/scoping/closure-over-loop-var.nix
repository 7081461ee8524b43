map (f: f 0) (map (i: x: x + i) [ 1 2 3 ])
