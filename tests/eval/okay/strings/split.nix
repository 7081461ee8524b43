with builtins; [ (split "," "a,b,c") (split "(,)" "a,b") (split "x" "abc") (split "([0-9])" "a1b22") (split "" "ab") (split "(a)|(b)" "cab") ]
