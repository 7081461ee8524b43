builtins.concatStringsSep ":" [ "a" (toString ./x) ]
