(x: let x = "let"; in x) "arg"
