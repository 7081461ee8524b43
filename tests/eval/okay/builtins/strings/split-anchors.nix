with builtins; [ (split "^a" "aba") (split "a$" "aba") (split "b*" "abc") ]
