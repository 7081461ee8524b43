builtins.listToAttrs (map (n: { name = "item-${toString n}"; value = n * n; }) [ 3 1 2 ])
