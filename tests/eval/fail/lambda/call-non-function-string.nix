let s = "x"; in s "arg"
