with builtins; [ (baseNameOf ./data/hello.txt) (typeOf (dirOf ./data/hello.txt)) ]
