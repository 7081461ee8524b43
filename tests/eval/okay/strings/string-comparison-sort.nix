builtins.sort builtins.lessThan [ "b" "a" "C" "aa" "" "B" ]
