# String utilities: splitting, padding, case, escaping.
let
  L = import ./lists.nix;
  inherit (builtins) substring stringLength concatStringsSep genList replaceStrings split filter isString match head;
in
rec {
  concatStrings = concatStringsSep "";
  concatMapStrings = f: xs: concatStrings (map f xs);
  concatMapStringsSep = sep: f: xs: concatStringsSep sep (map f xs);

  stringToCharacters = s: genList (i: substring i 1 s) (stringLength s);

  hasPrefix = pre: s: substring 0 (stringLength pre) s == pre;
  hasSuffix = suf: s:
    let
      ls = stringLength s;
      lf = stringLength suf;
    in
    lf <= ls && substring (ls - lf) lf s == suf;

  removePrefix = pre: s: if hasPrefix pre s then substring (stringLength pre) (stringLength s) s else s;
  removeSuffix = suf: s: if hasSuffix suf s then substring 0 (stringLength s - stringLength suf) s else s;

  regexSpecials = stringToCharacters "\\[]{}()^$?*+|.";
  escapeRegex = replaceStrings regexSpecials (map (c: "\\${c}") regexSpecials);

  splitString = sep: s: filter isString (split (escapeRegex sep) s);

  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  toUpper = replaceStrings lowerChars upperChars;
  toLower = replaceStrings upperChars lowerChars;

  optionalString = cond: s: if cond then s else "";

  fixedWidthString = width: filler: s:
    let n = width - stringLength s; in
    if n <= 0 then s else concatStrings (L.replicate n filler) + s;
  fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);

  trim = s:
    let m = match "[[:space:]]*(.*[^[:space:]])[[:space:]]*" s; in
    if m == null then "" else head m;

  escapeShellArg = s: "'${replaceStrings [ "'" ] [ "'\\''" ] s}'";
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;

  toInt = s:
    if match "-?[0-9]+" s == null then throw "not an integer: ${s}" else builtins.fromJSON s;

  hexDigits = stringToCharacters "0123456789abcdef";
  toHex = n:
    if n < 16 then builtins.elemAt hexDigits n
    else toHex (n / 16) + builtins.elemAt hexDigits (n - (n / 16) * 16);

  camelToKebab = s:
    concatMapStrings (c: if builtins.elem c upperChars then "-" + toLower c else c) (stringToCharacters s);

  versionOlder = a: b: builtins.compareVersions b a == 1;
  versionAtLeast = a: b: !(versionOlder a b);

  indentLines = prefix: s: concatMapStringsSep "\n" (l: if l == "" then l else prefix + l) (splitString "\n" s);
}
