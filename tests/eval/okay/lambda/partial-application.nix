let mul = a: b: a * b; double = mul 2; in map double [ 1 2 3 ]
