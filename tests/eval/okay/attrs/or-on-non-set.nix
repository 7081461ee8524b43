let a = 1; s = { a = 1; }; in [ (a.b or 2) (s.a.b or 3) ({ a = null; }.a or 5) ("str".x or "d") ]
