let x = { f = a: a; }; l = [ x ]; in [ (l == l) ([ x ] == [ x ]) (x == x) ]
