builtins.sort builtins.lessThan [ "pear" "apple" "fig" "Apple" "banana" ]
