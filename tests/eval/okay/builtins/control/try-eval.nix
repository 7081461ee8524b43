with builtins; [ (tryEval 1) (tryEval (throw "x")) (tryEval (assert false; 1)) ((tryEval { a = throw "inner not forced"; }).success) ]
