let lib = import ./_lib; in with lib; {
  concat = concatStrings [ "a" "b" "c" ];
  mapped = concatMapStringsSep ", " (x: "<${x}>") [ "x" "y" ];
  chars = stringToCharacters "héy";
  prefix = [ (hasPrefix "foo" "foobar") (hasPrefix "bar" "foobar") (hasSuffix "bar" "foobar") (hasSuffix "foobarbaz" "bar") ];
  removed = [ (removePrefix "foo" "foobar") (removeSuffix ".nix" "default.nix") (removePrefix "x" "abc") ];
  split = [ (splitString "," "a,b,,c") (splitString "." "1.2.3") (splitString "::" "a::b") (splitString "," "") ];
  case = [ (toUpper "Hello World") (toLower "MiXeD 123") ];
  padded = [ (fixedWidthString 5 " " "ab") (fixedWidthNumber 4 42) (fixedWidthNumber 2 12345) ];
  trimmed = [ (trim "  padded  ") (trim "\t\nx y\n") (trim "   ") ];
  shell = [ (escapeShellArg "it's") (escapeShellArgs [ "a b" "c" ]) ];
  ints = [ (toInt "42") (toInt "-7") (builtins.tryEval (toInt "4x2")).success ];
  hex = map toHex [ 0 9 10 255 4096 48879 ];
  kebab = camelToKebab "camelCaseName";
  versions = [ (versionOlder "1.2" "1.10") (versionAtLeast "2.0" "2.0") (versionOlder "2.0pre" "2.0") ];
  indented = indentLines "  " "a\n\nb";
  optional = optionalString false "never" + optionalString true "shown";
}
