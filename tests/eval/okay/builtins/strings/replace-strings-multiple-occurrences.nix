builtins.replaceStrings [ "${"$"}{name}" "${"$"}{ver}" ] [ "hello" "2.12" ] "${"$"}{name}-${"$"}{ver}.tar.gz"
