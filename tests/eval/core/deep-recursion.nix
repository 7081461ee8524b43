# Non-tail recursion 50 000 deep (real Nix overflows its stack near 73 000).
let f = n: if n == 0 then 0 else n + f (n - 1); in f 50000
