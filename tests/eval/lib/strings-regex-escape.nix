let lib = import ./_lib; in [ (lib.escapeRegex "a.b*c") (lib.splitString "|" "x|y") (lib.splitString "(" "f(x)") (builtins.match (lib.escapeRegex "1+1=2") "1+1=2") ]
