let a = "outer"; in rec { b = a; c = { a = "inner"; }; }
