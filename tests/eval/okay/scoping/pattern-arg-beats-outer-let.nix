let a = "outer"; in ({ a }: a) { a = "pattern"; }
