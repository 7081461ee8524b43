let r = rec { even = n: if n == 0 then true else odd (n - 1); odd = n: if n == 0 then false else even (n - 1); }; in [ (r.even 10) (r.odd 7) (r.even 3) ]
