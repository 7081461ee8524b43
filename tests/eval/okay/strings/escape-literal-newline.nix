"line one
line two"
