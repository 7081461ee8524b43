with builtins; [ (isFunction (x: x)) (isFunction map) (isFunction (add 1)) (isFunction 1) (isFunction { __functor = s: x: x; }) ]
