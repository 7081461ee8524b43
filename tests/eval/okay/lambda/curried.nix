let add = a: b: c: a + b + c; in [ (add 1 2 3) ((add 1) 2 3) (((add 1) 2) 3) ]
