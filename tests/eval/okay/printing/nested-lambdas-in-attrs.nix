{ f = x: x; g = { h = builtins.head; }; }
