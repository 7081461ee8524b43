let f = { x ? y, y ? 5 }: x; in f { }
