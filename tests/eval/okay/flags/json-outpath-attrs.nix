[ { outPath = "/x"; y = 1; } { __toString = s: "str"; } ]
