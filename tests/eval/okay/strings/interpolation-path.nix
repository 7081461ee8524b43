let p = ./foo; in builtins.typeOf "${toString p}"
