let a = 1; f = x: let a = x * 10; in a + 1; in [ (f 2) a ]
