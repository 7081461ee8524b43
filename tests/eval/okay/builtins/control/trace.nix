builtins.trace "message" (builtins.trace { a = 1; } (builtins.trace [ 1 "s" ] 42))
