builtins.sort (a: b: if a.x == b.x then a.y < b.y else a.x < b.x) [ { x = 2; y = 1; } { x = 1; y = 2; } { x = 1; y = 1; } { x = 2; y = 0; } ]
