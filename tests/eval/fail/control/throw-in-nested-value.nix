let s = { a.b.c = throw "deep throw"; }; in s.a.b.c
