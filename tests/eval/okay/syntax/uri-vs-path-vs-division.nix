let a = 10; b = 2; in [ (a/b) (a / b) ]
