let s = { f = x: x + 1; g = { y }: y; }; in [ (s.f 1) (s.g { y = 2; }) ]
