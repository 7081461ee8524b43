let f = x: y: x - y; in [ (f 10 3) (f (10) (3)) ((f 10) 3) ]
