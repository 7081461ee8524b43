let f = x: y: y; in f (throw "unused") 2
