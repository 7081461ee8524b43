with builtins; [ (match "b" "abc") (match ".*b.*" "abc") (match "abc" "abc") ]
