builtins.readDir ./data
