let s = { a = 1; b = throw "lazy"; }; r = { inherit (s) a b; }; in r.a
