let f = { }: "called"; in f { }
