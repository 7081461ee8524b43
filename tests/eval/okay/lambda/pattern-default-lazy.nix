let f = { a ? throw "unused default" }: 1; in f { a = 2; }
