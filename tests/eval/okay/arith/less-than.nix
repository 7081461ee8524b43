with builtins; [ (lessThan 1 2) (lessThan 2 1) (lessThan 1.5 2) (lessThan 2 1.5) (lessThan "a" "b") (lessThan "b" "a") ]
