rec { s = { a = 5; }; inherit (s) a; b = a + 1; }
