let f = args@{ a ? 1, b ? 2 }: builtins.attrNames args; in f { a = 5; }
