builtins.replaceStrings [ "a" "ab" ] [ "1" "2" ] "abab"
