{ xs = [ "zero" { one = 1; } ]; }
