with builtins; [ (fromJSON "1") (fromJSON "-0") (fromJSON "\"str\"") (fromJSON "null") (fromJSON "1e2") (fromJSON " [ 1 , 2 ] ") ]
