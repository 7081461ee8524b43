let cls = n: if n < 0 then "neg" else if n == 0 then "zero" else "pos"; in map cls [ (-1) 0 1 ]
