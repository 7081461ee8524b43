let f = { a, ... }@args: args // { seen = a; }; in f { a = 1; z = 0; }
