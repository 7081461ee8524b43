with { a = throw "unused"; b = 2; }; b
