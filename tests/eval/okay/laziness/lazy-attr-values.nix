let s = { a = throw "x"; b = 1; }; in s.b
