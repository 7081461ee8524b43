let lib = import ./_lib; s = { a = { b = { c = 1; }; }; x = 2; }; in with lib; {
  byPath = [ (attrByPath [ "a" "b" "c" ] 0 s) (attrByPath [ "a" "z" ] "dflt" s) (attrByPath [ ] 0 { k = 1; }) ];
  has = [ (hasAttrByPath [ "a" "b" ] s) (hasAttrByPath [ "x" "y" ] s) ];
  set = setAttrByPath [ "p" "q" "r" ] true;
  toList = mapAttrsToList (n: v: "${n}=${toString v}") { b = 2; a = 1; };
  renamed = mapAttrs' (n: v: nameValuePair "pre-${n}" (v * 10)) { a = 1; b = 2; };
  filtered = filterAttrs (n: v: v > 1) { a = 1; b = 2; c = 3; };
  generated = genAttrs [ "x" "y" ] (n: "val-${n}");
  recursive = recursiveUpdate { a = { b = 1; c = 2; }; d = 1; } { a = { c = 3; e = 4; }; d = { f = 5; }; };
  folded = foldAttrs (v: acc: [ v ] ++ acc) [ ] [ { a = 1; b = 2; } { a = 3; } { b = 4; c = 5; } ];
  collected = collect builtins.isInt { a = 1; b = { c = 2; d = "s"; e = { f = 3; }; }; };
  recursiveMapped = mapAttrsRecursive (path: v: builtins.concatStringsSep "." path) { a = { b = 1; }; c = 2; };
  zipped = zipAttrs [ { a = 1; } { a = 2; b = 3; } ];
  optional = optionalAttrs true { yes = 1; } // optionalAttrs false { no = 1; };
  asList = attrsToList { k = "v"; };
}
