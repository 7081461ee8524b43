builtins.listToAttrs [ { name = "a"; value = 1; other = "ignored"; } ]
