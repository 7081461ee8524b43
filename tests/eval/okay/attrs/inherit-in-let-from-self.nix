let inherit (t) a; t = { a = 7; }; in a
