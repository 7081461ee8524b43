let mk = n: x: x + n; add5 = mk 5; add10 = mk 10; in [ (add5 1) (add10 1) ]
