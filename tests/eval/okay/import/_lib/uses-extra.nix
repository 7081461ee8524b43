extra + 2
