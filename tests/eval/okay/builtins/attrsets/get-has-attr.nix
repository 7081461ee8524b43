with builtins; [ (getAttr "a" { a = 1; }) (hasAttr "a" { a = 1; }) (hasAttr "b" { a = 1; }) (getAttr "x y" { "x y" = 2; }) ]
