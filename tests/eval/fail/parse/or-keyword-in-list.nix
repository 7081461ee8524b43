let or = 5; f = x: x; in [ or (f or) ]
