# compareVersions on every ordered pair of a list of tricky versions.
let
  vs = [ "" "0" "1" "1.0" "1.0.0" "1.0pre" "1.0pre1" "1.0rc1" "1.0a" "1.0-a" "1.a"
         "1.1" "1.01" "1.10" "1.9" "2" "2.0.1" "2pre" "pre" "a" "b" "10" "9"
         "1..2" "1-2" "1.2" "1_2" "2147483648" "2147483647" "1.0.0.0.1" "1.0-1" ];
in
map (a: builtins.concatStringsSep "" (map (b: toString (builtins.compareVersions a b + 1)) vs)) vs
