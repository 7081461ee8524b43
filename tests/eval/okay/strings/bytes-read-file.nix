with builtins;
let s = readFile ./_latin1.txt; in {
  text = s;
  length = stringLength s;
  sha256 = hashString "sha256" s;
  md5 = hashString "md5" s;
  cut = [ (substring 3 1 s) (substring 5 2 s) (substring 0 100 s) ];
  replaced = replaceStrings [ (substring 3 1 s) (substring 5 1 s) ] [ "e" "<ff>" ] s;
  matched = match "caf(.) (.)(.) ([a-z]+)\n(.)" s;
  split = split "[^a-z]" s;
  words = filter isString (split " " s);
  equal = substring 3 1 s == substring 3 1 s;
  less = [ (substring 5 1 s < "a") ("a" < substring 5 1 s) ];
  sorted = sort lessThan [ "z" (substring 5 1 s) "a" (substring 3 1 s) ];
  interpolated = "<${substring 5 2 s}>";
  concat = concatStringsSep (substring 5 1 s) [ "a" "b" ];
  base = baseNameOf "/x/${substring 5 1 s}";
  dir = dirOf "/x${substring 5 1 s}/y";
  json = toJSON { inherit s; };
  xml = toXML (substring 3 4 s);
  roundtrip = fromJSON (toJSON "é") == "é";
  versions = [ (splitVersion "1.${substring 5 1 s}2") (parseDrvName "a${substring 3 1 s}-1.0") ];
}
