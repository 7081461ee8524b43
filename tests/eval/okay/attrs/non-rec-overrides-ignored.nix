{ __overrides = { a = 2; }; a = 1; }
