let up = builtins.replaceStrings [ "a" "b" "c" ] [ "A" "B" "C" ]; in up "abcabc"
