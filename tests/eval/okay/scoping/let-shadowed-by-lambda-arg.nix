let x = "let"; in (x: x) "arg"
