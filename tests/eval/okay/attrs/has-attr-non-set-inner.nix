let s = { a = 1; }; in [ (s ? a.b) ("str" ? x) ]
