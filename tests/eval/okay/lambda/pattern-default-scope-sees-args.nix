let b = "outer"; f = { a ? b, b ? "inner" }: a; in f { }
