map toString [ 0.1 1.0 100.5 1.0e10 (1.0 / 3) ]
