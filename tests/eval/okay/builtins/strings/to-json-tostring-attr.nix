builtins.toJSON [ { __toString = self: "custom"; } { outPath = "/x"; other = 1; } ]
