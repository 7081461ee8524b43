with builtins; [ (typeOf ./x) (isPath ./x) (isPath "./x") (isString (toString ./x)) ]
