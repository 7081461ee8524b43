{
  compare = map (p: builtins.compareVersions (builtins.elemAt p 0) (builtins.elemAt p 1)) [
    [ "1.0" "1.0pre" ]
    [ "1.0pre" "1.0" ]
    [ "99999999999999999999" "1" ]
    [ "2147483648" "9" ]
    [ "2147483647" "9" ]
    [ "1.a" "1.1" ]
    [ "1" "1.0" ]
    [ "1.0" "1.0.a" ]
    [ "" "pre" ]
    [ "1.2-3" "1.2.3" ]
    [ "2.3a" "2.3.1" ]
    [ "1.10" "1.9" ]
    [ "1.0rc1" "1.0" ]
    [ "007" "7" ]
  ];
  split = map builtins.splitVersion [ "1.2-pre3..a-b_c" "" "..--" "2.7.18" "1.0rc1" ];
  names = map builtins.parseDrvName [
    "hello-2.1-pre"
    "foo-bar-baz"
    "foo-"
    "nix-0.12pre12876"
    "python3.11-foo-1.0"
    "a-é"
  ];
}
