let toString = x: "let"; in with { toString = x: "with"; }; toString 1
