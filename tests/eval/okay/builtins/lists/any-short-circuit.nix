with builtins; [ (any (x: x) [ true (throw "no") ]) (all (x: x) [ false (throw "no") ]) ]
