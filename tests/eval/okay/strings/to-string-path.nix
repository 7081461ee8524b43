builtins.substring 0 1 (toString ./x)
