builtins.length builtins.nixPath
