with builtins; [ (compareVersions "1.0pre1" "1.0pre2") (compareVersions "1.0alpha" "1.0beta") (compareVersions "1.0" "1.0.0") (compareVersions "a" "1") (compareVersions "" "1") ]
