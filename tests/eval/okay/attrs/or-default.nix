let s = { a = 1; b = { c = 2; }; }; in [ (s.x or 10) (s.a or 10) (s.b.c or 0) (s.b.x or 5) (s.x.y.z or "deep") ]
