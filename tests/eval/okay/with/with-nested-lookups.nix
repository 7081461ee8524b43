with { x = { y = 1; }; }; with x; y
