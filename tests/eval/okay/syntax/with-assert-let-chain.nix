let a = 1; in with { b = 2; }; assert a < b; a + b
