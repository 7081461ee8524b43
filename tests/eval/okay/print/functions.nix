[ (x: x) ({ a }: a) builtins.map builtins.add (builtins.add 1) ]
