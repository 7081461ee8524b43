builtins.trace "with \"quotes\"" (builtins.trace 1.5 null)
