builtins.hasAttr "a" { a = throw "value not needed"; }
