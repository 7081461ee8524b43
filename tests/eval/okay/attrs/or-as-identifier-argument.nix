let f = x: x; or = 1; in [ (f or) { or = 2; }.or ]
