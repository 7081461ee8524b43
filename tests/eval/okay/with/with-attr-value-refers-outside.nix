let a = 1; in with { b = a + 1; }; b
