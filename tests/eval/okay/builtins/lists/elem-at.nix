with builtins; [ (elemAt [ 10 20 30 ] 0) (elemAt [ 10 20 30 ] 2) ]
