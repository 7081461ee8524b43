[
  (builtins.replaceStrings [ "" "a" ] [ "X" "Y" ] "abc")
  (builtins.replaceStrings [ "" ] [ "X" ] "")
  (builtins.replaceStrings [ "a" "ab" ] [ "1" "2" ] "abab")
  (builtins.replaceStrings [ "ab" "a" ] [ "1" "2" ] "abab")
  (builtins.replaceStrings [ "a" "" ] [ "1" "-" ] "aba")
  (builtins.replaceStrings [ ] [ ] "unchanged")
  (builtins.replaceStrings [ "o" ] [ "oo" ] "foo")
  (builtins.replaceStrings [ "aa" ] [ "a" ] "aaaaa")
  (builtins.replaceStrings [ "${"$"}{" ] [ "$" ] "x\${y}")
]
