let xs = builtins.genList (i: { k = i - (i / 5) * 5; i = i; }) 50; in map (x: x.i) (builtins.sort (a: b: a.k < b.k) xs)
