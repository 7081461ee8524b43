with { toString = x: "mine"; }; toString 1
