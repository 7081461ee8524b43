{ f = x: x; g = { a, b ? 2, ... }: a; h = args@{ c }: c; }
